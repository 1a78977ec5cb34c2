/** Errors in Anthropic's envelope: the proxy's own and Google's translated (wire-formats-2 §1.6). */

import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ProxyError, type ProxyErrorCode } from '../../src/errors.js';
import { anthropicErrorBody, anthropicStatus, errorType, fromGoogleError } from '../../src/protocols/anthropic/errors.js';
import { translateAnthropicRequest } from '../../src/protocols/anthropic/request.js';
import { parseGoogleError } from '../../src/protocols/gemini/google-error.js';
import { messages, resolve } from '../fixtures/anthropic/requests.js';
import { FIXTURES, type FixtureName } from '../fixtures/gemini-errors.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';

describe('errorType and anthropicStatus', () => {
  it.each([
    [400, undefined, 400, 'invalid_request_error'],
    [405, undefined, 405, 'invalid_request_error'],
    [415, undefined, 415, 'invalid_request_error'],
    [422, undefined, 422, 'invalid_request_error'],
    [401, undefined, 401, 'authentication_error'],
    [402, undefined, 402, 'billing_error'],
    [403, undefined, 403, 'permission_error'],
    [404, undefined, 404, 'not_found_error'],
    [413, undefined, 413, 'request_too_large'],
    [429, 'GP_KEYS_COOLING', 429, 'rate_limit_error'],
    [500, undefined, 500, 'api_error'],
    [502, undefined, 502, 'api_error'],
    [503, 'GP_SHUTTING_DOWN', 503, 'api_error'],
    [503, 'GP_NO_KEY_AVAILABLE', 503, 'api_error'],
    [503, 'GP_BUSY', 529, 'overloaded_error'],
    [503, 'UNAVAILABLE', 529, 'overloaded_error'],
    [504, undefined, 504, 'timeout_error'],
    [529, undefined, 529, 'overloaded_error'],
  ] as const)('%d %s → %d %s', (status, code, answered, type) => {
    expect(anthropicStatus(status, code)).toBe(answered);
    expect(errorType(status, code)).toBe(type);
  });
});

describe('anthropicErrorBody', () => {
  it.each([
    ['GP_BAD_REQUEST', 400, 'invalid_request_error'],
    ['GP_BAD_JSON', 400, 'invalid_request_error'],
    ['GP_UNAUTHORIZED', 401, 'authentication_error'],
    ['GP_UNKNOWN_USER', 403, 'permission_error'],
    ['GP_MODEL_NOT_FOUND', 404, 'not_found_error'],
    ['GP_NOT_FOUND', 404, 'not_found_error'],
    ['GP_METHOD_NOT_ALLOWED', 405, 'invalid_request_error'],
    ['GP_BODY_TOO_LARGE', 413, 'request_too_large'],
    ['GP_UNSUPPORTED_MEDIA_TYPE', 415, 'invalid_request_error'],
    ['GP_KEYS_COOLING', 429, 'rate_limit_error'],
    ['GP_CLIENT_RATE_LIMITED', 429, 'rate_limit_error'],
    ['GP_INTERNAL', 500, 'api_error'],
    ['GP_UPSTREAM_UNREACHABLE', 502, 'api_error'],
    ['GP_NO_KEY_AVAILABLE', 503, 'api_error'],
    ['GP_BUSY', 529, 'overloaded_error'],
    ['GP_SHUTTING_DOWN', 503, 'api_error'],
    ['GP_DEADLINE_EXCEEDED', 504, 'timeout_error'],
  ] as const)('%s → %d %s', (code: ProxyErrorCode, status, type) => {
    const error = new ProxyError(code);
    expect(anthropicStatus(error.status, error.code)).toBe(status);
    expect(JSON.parse(anthropicErrorBody(error))).toStrictEqual({ type: 'error', error: { type, message: ERROR_CODES[code].summary } });
  });

  it('a translator 400 keeps its message', () => {
    const error = proxyErrorOf(() => translateAnthropicRequest(messages({ tools: [{ type: 'bash_20250124', name: 'bash' }] }), resolve));
    expect(JSON.parse(anthropicErrorBody(error))).toStrictEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'tools[0] is Anthropic\'s server tool bash_20250124 (bash), which Gemini cannot run; declare it as a custom tool with an input_schema instead',
      },
    });
  });
});

describe('fromGoogleError', () => {
  it.each([
    ['invalidArgument', 400, 'invalid_request_error'],
    ['modelNotFound', 404, 'not_found_error'],
    ['payloadTooLarge', 413, 'request_too_large'],
    ['quotaPerMinute', 429, 'rate_limit_error'],
    ['internal', 500, 'api_error'],
    ['overloaded', 529, 'overloaded_error'],
    ['deadlineExceeded', 504, 'timeout_error'],
  ] as const)('%s → %d %s, with Google\'s message', (name: FixtureName, status, type) => {
    const fixture = FIXTURES[name]();
    const google = parseGoogleError(JSON.stringify(fixture.body));
    expect(anthropicStatus(fixture.status, google?.status)).toBe(status);
    expect(fromGoogleError(fixture.status, google, 'fallback')).toStrictEqual({ type: 'error', error: { type, message: google?.message } });
  });

  it('no Google error: the fallback message', () => {
    expect(fromGoogleError(502, undefined, 'upstream answered 502')).toStrictEqual({ type: 'error', error: { type: 'api_error', message: 'upstream answered 502' } });
  });
});

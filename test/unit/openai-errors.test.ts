/** Errors in OpenAI's envelope: the proxy's own and Google's translated (wire-formats §2.6). */

import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ProxyError, type ProxyErrorCode } from '../../src/errors.js';
import { parseGoogleError } from '../../src/protocols/gemini/google-error.js';
import { fromGoogleError, openAiErrorBody, type OpenAiError } from '../../src/protocols/openai/errors.js';
import { translateChatRequest } from '../../src/protocols/openai/request.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { FIXTURES, type FixtureName } from '../fixtures/gemini-errors.js';

function envelopeOf(error: ProxyError): OpenAiError {
  return JSON.parse(openAiErrorBody(error)) as OpenAiError;
}

function googleError(name: FixtureName): { status: number; body: OpenAiError } {
  const fixture = FIXTURES[name]();
  const parsed = parseGoogleError(JSON.stringify(fixture.body));
  return { status: fixture.status, body: fromGoogleError(fixture.status, parsed, 'fallback') };
}

describe('openAiErrorBody', () => {
  it.each([
    ['GP_BAD_REQUEST', 400, 'invalid_request_error', 'GP_BAD_REQUEST'],
    ['GP_BAD_JSON', 400, 'invalid_request_error', 'GP_BAD_JSON'],
    ['GP_UNAUTHORIZED', 401, 'authentication_error', 'invalid_api_key'],
    ['GP_MODEL_NOT_FOUND', 404, 'invalid_request_error', 'model_not_found'],
    ['GP_NOT_FOUND', 404, 'invalid_request_error', 'GP_NOT_FOUND'],
    ['GP_BODY_TOO_LARGE', 413, 'invalid_request_error', 'GP_BODY_TOO_LARGE'],
    ['GP_KEYS_COOLING', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['GP_INTERNAL', 500, 'server_error', 'GP_INTERNAL'],
    ['GP_UPSTREAM_UNREACHABLE', 502, 'server_error', 'GP_UPSTREAM_UNREACHABLE'],
    ['GP_NO_KEY_AVAILABLE', 503, 'server_error', 'no_available_keys'],
    ['GP_DEADLINE_EXCEEDED', 504, 'server_error', 'GP_DEADLINE_EXCEEDED'],
  ] as const)('%s → %d %s, code %s', (code: ProxyErrorCode, status, type, openAiCode) => {
    const error = new ProxyError(code);
    expect(error.status).toBe(status);
    expect(envelopeOf(error)).toStrictEqual({ error: { message: ERROR_CODES[code].summary, type, param: null, code: openAiCode } });
  });

  it('passes the message and the param of a bad request through', () => {
    const error = new ProxyError('GP_BAD_REQUEST', 'messages[1].role must be one of …', { param: 'messages[1].role' });
    expect(envelopeOf(error)).toStrictEqual({
      error: { message: 'messages[1].role must be one of …', type: 'invalid_request_error', param: 'messages[1].role', code: 'GP_BAD_REQUEST' },
    });
  });

  it('a translator 400 renders with its param', () => {
    const error = proxyErrorOf(() => translateChatRequest({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{' } }] }],
    }, resolve));
    expect(envelopeOf(error).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages[1].tool_calls[0].function.arguments',
      code: 'GP_BAD_REQUEST',
    });
  });

  it('is one JSON object with exactly the four fields', () => {
    const body = JSON.parse(openAiErrorBody(new ProxyError('GP_KEYS_COOLING', 'wait', { retryAfterSeconds: 30 }))) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body['error'] as object).sort()).toEqual(['code', 'message', 'param', 'type']);
  });
});

describe('fromGoogleError', () => {
  it('400 INVALID_ARGUMENT → invalid_request_error with Google message and status', () => {
    expect(googleError('invalidArgument').body).toStrictEqual({
      error: {
        message: 'Invalid JSON payload received. Unknown name "stream": Cannot find field.',
        type: 'invalid_request_error',
        param: null,
        code: 'INVALID_ARGUMENT',
      },
    });
  });

  it('404 → model_not_found', () => {
    expect(googleError('modelNotFound').body.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: null });
    expect(googleError('modelNotFound').body.error.message).toMatch(/^models\/nope is not found/);
  });

  it('401 → authentication_error; 403 → permission_error', () => {
    expect(googleError('unauthenticated').body.error).toMatchObject({ type: 'authentication_error', code: 'UNAUTHENTICATED' });
    expect(googleError('fileOfAnotherProject').body.error).toMatchObject({ type: 'permission_error', code: 'PERMISSION_DENIED' });
  });

  it('429 → rate_limit_error', () => {
    expect(googleError('quotaPerMinute').body.error).toStrictEqual({
      message: 'You exceeded your current quota, please check your plan and billing details.',
      type: 'rate_limit_error',
      param: null,
      code: 'RESOURCE_EXHAUSTED',
    });
  });

  it.each([
    ['internal', 'INTERNAL'],
    ['overloaded', 'UNAVAILABLE'],
    ['deadlineExceeded', 'DEADLINE_EXCEEDED'],
  ] as const)('%s → server_error, code %s', (name, code) => {
    expect(googleError(name).body.error).toMatchObject({ type: 'server_error', code, param: null });
  });

  it('413 → invalid_request_error', () => {
    expect(googleError('payloadTooLarge').body.error.type).toBe('invalid_request_error');
  });

  it('no Google body: the fallback message, code null (404 still model_not_found)', () => {
    expect(fromGoogleError(502, undefined, 'upstream answered 502')).toStrictEqual({
      error: { message: 'upstream answered 502', type: 'server_error', param: null, code: null },
    });
    expect(fromGoogleError(404, undefined, 'upstream answered 404').error).toStrictEqual({
      message: 'upstream answered 404', type: 'invalid_request_error', param: null, code: 'model_not_found',
    });
  });

  it('an empty Google message falls back too', () => {
    const parsed = parseGoogleError(JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message: '' } }));
    expect(fromGoogleError(400, parsed, 'upstream answered 400').error.message).toBe('upstream answered 400');
  });

  it('Google details (DebugInfo, ErrorInfo metadata) never reach the client', () => {
    const text = JSON.stringify(googleError('locationUnsupported').body);
    expect(text).not.toContain('ORIGINAL ERROR');
    expect(text).not.toContain('googleapis.com');
  });
});

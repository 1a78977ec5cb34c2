/** Reading Google's error envelope (wire-formats §1.10.1). */

import { describe, expect, it } from 'vitest';
import { parseGoogleError, parseRetryDelay } from '../../src/protocols/gemini/google-error.js';
import { FIXTURES } from '../fixtures/gemini-errors.js';

const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

describe('parseGoogleError', () => {
  it('reads code, status and message, with empty lists when there are no details', () => {
    expect(parseGoogleError(JSON.stringify(FIXTURES.leaked().body))).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: 'Your API key was reported as leaked. Please use another API key.',
      reasons: [],
      quotaIds: [],
      retryDelayMs: undefined,
    });
  });

  it('reads the ErrorInfo reason and ignores LocalizedMessage and DebugInfo', () => {
    const parsed = parseGoogleError(JSON.stringify(FIXTURES.apiKeyInvalid('AIzaSECRET').body));
    expect(parsed?.status).toBe('INVALID_ARGUMENT');
    expect(parsed?.reasons).toEqual(['API_KEY_INVALID']);
    expect(parsed?.quotaIds).toEqual([]);
    expect(parsed?.retryDelayMs).toBeUndefined();
    expect(JSON.stringify(parsed)).not.toContain('AIzaSECRET');
  });

  it('reads QuotaFailure quota ids and the RetryInfo delay', () => {
    const parsed = parseGoogleError(JSON.stringify(FIXTURES.quotaPerMinute('37s').body));
    expect(parsed).toMatchObject({
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      reasons: [],
      quotaIds: ['GenerateRequestsPerMinutePerProjectPerModel-FreeTier'],
      retryDelayMs: 37_000,
    });
  });

  it('collects every quota id of every violation', () => {
    const body = { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'm', details: [
      { '@type': QUOTA_FAILURE, violations: [{ quotaId: 'A-PerMinute' }, { quotaMetric: 'no id' }, { quotaId: 'B-PerDay' }] },
      { '@type': QUOTA_FAILURE, violations: [{ quotaId: 'C' }] },
    ] } };
    expect(parseGoogleError(JSON.stringify(body))?.quotaIds).toEqual(['A-PerMinute', 'B-PerDay', 'C']);
  });

  it('accepts detail types without the type.googleapis.com prefix', () => {
    const body = { error: { status: 'PERMISSION_DENIED', message: 'm', details: [
      { '@type': 'google.rpc.ErrorInfo', reason: 'CONSUMER_SUSPENDED' },
      { '@type': 'google.rpc.RetryInfo', retryDelay: '2s' },
    ] } };
    const parsed = parseGoogleError(JSON.stringify(body));
    expect(parsed?.reasons).toEqual(['CONSUMER_SUSPENDED']);
    expect(parsed?.retryDelayMs).toBe(2_000);
  });

  it('ignores malformed details without failing', () => {
    const body = { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'm', details: [
      null, 'text', 42, [], { '@type': ERROR_INFO }, { '@type': ERROR_INFO, reason: 7 },
      { '@type': QUOTA_FAILURE, violations: 'none' }, { '@type': RETRY_INFO, retryDelay: 'later' },
      { '@type': ERROR_INFO, reason: 'API_KEY_INVALID' },
    ] } };
    expect(parseGoogleError(JSON.stringify(body))).toEqual({
      code: 400, status: 'INVALID_ARGUMENT', message: 'm', reasons: ['API_KEY_INVALID'], quotaIds: [],
      retryDelayMs: undefined,
    });
  });

  it('treats a non-array details field as no details', () => {
    const parsed = parseGoogleError('{"error":{"code":500,"status":"INTERNAL","message":"x","details":{"reason":"R"}}}');
    expect(parsed?.reasons).toEqual([]);
    expect(parsed?.status).toBe('INTERNAL');
  });

  it('reads the array-wrapped envelope of JSON-array streams', () => {
    const parsed = parseGoogleError(JSON.stringify([FIXTURES.overloaded().body]));
    expect(parsed).toMatchObject({ code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' });
  });

  it('accepts an envelope with only a message or only a status', () => {
    expect(parseGoogleError('{"error":{"message":"only a message"}}')).toMatchObject({
      code: undefined, status: '', message: 'only a message',
    });
    expect(parseGoogleError('{"error":{"status":"INTERNAL"}}')).toMatchObject({ status: 'INTERNAL', message: '' });
  });

  it('drops a code that is not a number', () => {
    expect(parseGoogleError('{"error":{"code":"429","status":"RESOURCE_EXHAUSTED"}}')?.code).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['whitespace', '  \n'],
    ['HTML', '<!DOCTYPE html><html><body>404 Not Found</body></html>'],
    ['plain text', 'Bad Gateway'],
    ['truncated JSON', '{"error":{"code":500,'],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['an empty array', '[]'],
    ['an array of something else', '[1,2]'],
    ['no error field', '{"candidates":[]}'],
    ['error as a string', '{"error":"boom"}'],
    ['error as an array', '{"error":[{"message":"x"}]}'],
    ['error without message or status', '{"error":{"code":404}}'],
    ['OpenAI-shaped error', '{"error":{"message":5,"type":"invalid_request_error"}}'],
  ])('returns undefined for %s', (_label, body) => {
    expect(parseGoogleError(body)).toBeUndefined();
  });
});

describe('parseRetryDelay', () => {
  it.each([
    ['37s', 37_000],
    ['0.5s', 500],
    ['900ms', 900],
    ['0s', 0],
    ['1.0005s', 1_001],
    ['60s', 60_000],
    ['  4s  ', 4_000],
    ['2.4ms', 2],
  ])('%j → %i ms', (value, ms) => {
    expect(parseRetryDelay(value)).toBe(ms);
  });

  it.each([
    ['no unit', '37'],
    ['minutes', '1m'],
    ['negative', '-5s'],
    ['empty', ''],
    ['words', 'soon'],
    ['a unit before the number', 's37'],
    ['a number', 37],
    ['null', null],
    ['undefined', undefined],
    ['an object', { seconds: 37 }],
  ])('returns undefined for %s', (_label, value) => {
    expect(parseRetryDelay(value)).toBeUndefined();
  });
});

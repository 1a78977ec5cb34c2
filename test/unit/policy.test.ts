/** The error policy table, read against Google's error catalogue (wire-formats §1.10). */

import { describe, expect, it } from 'vitest';
import { parseGoogleError } from '../../src/protocols/gemini/google-error.js';
import { classify, DEFAULT_COOLDOWN_MS, type Outcome, type Verdict } from '../../src/upstream/policy.js';
import { FIXTURES, type ErrorFixture } from '../fixtures/gemini-errors.js';

/** 2026-07-15T12:00:00Z, 05:00 PDT: the next Los Angeles midnight is 2026-07-16T07:00:00Z. */
const NOW = Date.UTC(2026, 6, 15, 12, 0, 0);
const NEXT_PACIFIC_MIDNIGHT = Date.UTC(2026, 6, 16, 7, 0, 0);

/** A path the proxy built (translated routes, probes); policy-blame.test.ts covers the client's. */
const PROXY_PATH = { clientPath: false };

function fromFixture(fixture: ErrorFixture): Outcome {
  const error = parseGoogleError(JSON.stringify(fixture.body));
  if (error === undefined) throw new Error('fixture body did not parse as a Google error');
  return { kind: 'response', status: fixture.status, error };
}

function fromBody(status: number, body: string): Outcome {
  return { kind: 'response', status, error: parseGoogleError(body) };
}

function network(code: string): Outcome {
  return { kind: 'network', code };
}

type Expected = Pick<Verdict, 'name' | 'key' | 'relay' | 'next' | 'reason'>;

const keyInvalid = (reason: string): Expected =>
  ({ name: 'key-invalid', key: 'disable', relay: 'keep', next: 'next-key', reason });
const clientError = (reason: string): Expected =>
  ({ name: 'client-error', key: 'keep', relay: 'keep', next: 'return', reason });
const relayFailure = (reason: string): Expected =>
  ({ name: 'relay-failure', key: 'keep', relay: 'unhealthy', next: 'next-relay', reason });
const upstreamError = (reason: string): Expected =>
  ({ name: 'upstream-error', key: 'keep', relay: 'keep', next: 'next-key-after-backoff', reason });
/** A 401 about a credential that is not the key: nobody blamed, another key may be taken. */
const otherKey = (reason: string): Expected =>
  ({ name: 'upstream-error', key: 'keep', relay: 'keep', next: 'next-key', reason });
const rateLimited: Expected =
  { name: 'rate-limited', key: 'cool', relay: 'keep', next: 'next-key', reason: 'RESOURCE_EXHAUSTED' };

const HTML_404 = '<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>';
const NGINX_502 = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';
const GOOGLE_502 = JSON.stringify({ error: { code: 502, message: 'Bad Gateway', status: 'UNAVAILABLE' } });

const TABLE: readonly (readonly [string, Outcome, Expected])[] = [
  // A. Invalid key.
  ['A 400 API_KEY_INVALID', fromFixture(FIXTURES.apiKeyInvalid()), keyInvalid('API_KEY_INVALID')],
  // B. Blocked keys and projects.
  ['B 403 CONSUMER_SUSPENDED', fromFixture(FIXTURES.suspended()), keyInvalid('CONSUMER_SUSPENDED')],
  ['B 403 reported as leaked (no details)', fromFixture(FIXTURES.leaked()), keyInvalid('PERMISSION_DENIED')],
  ['B 403 file of another project', fromFixture(FIXTURES.fileOfAnotherProject()), clientError('PERMISSION_DENIED')],
  ['401 ACCESS_TOKEN_TYPE_UNSUPPORTED', fromFixture(FIXTURES.unauthenticated()),
    keyInvalid('ACCESS_TOKEN_TYPE_UNSUPPORTED')],
  // C. Quota (cooling asserted separately below).
  ['C 429 per minute', fromFixture(FIXTURES.quotaPerMinute()), rateLimited],
  ['C 429 per day', fromFixture(FIXTURES.quotaPerDay()), rateLimited],
  ['C 429 bare', fromFixture(FIXTURES.quotaBare()), rateLimited],
  // D, E. The request's fault.
  ['D 404 unknown model', fromFixture(FIXTURES.modelNotFound()), clientError('NOT_FOUND')],
  ['E 400 INVALID_ARGUMENT', fromFixture(FIXTURES.invalidArgument()), clientError('INVALID_ARGUMENT')],
  ['E 413 payload too large', fromFixture(FIXTURES.payloadTooLarge()), clientError('INVALID_ARGUMENT')],
  // F. The egress location.
  ['F 400 FAILED_PRECONDITION location', fromFixture(FIXTURES.locationUnsupported()),
    relayFailure('LOCATION_UNSUPPORTED')],
  // G. Server side.
  ['G 500 INTERNAL', fromFixture(FIXTURES.internal()), upstreamError('INTERNAL')],
  ['G 502 with a Google body', fromBody(502, GOOGLE_502), upstreamError('UNAVAILABLE')],
  ['G 503 UNAVAILABLE', fromFixture(FIXTURES.overloaded()), upstreamError('UNAVAILABLE')],
  ['G 504 DEADLINE_EXCEEDED', fromFixture(FIXTURES.deadlineExceeded()), upstreamError('DEADLINE_EXCEEDED')],
  // Network failures before any response.
  ['ECONNREFUSED', network('ECONNREFUSED'), relayFailure('ECONNREFUSED')],
  ['ECONNRESET', network('ECONNRESET'), relayFailure('ECONNRESET')],
  ['UND_ERR_CONNECT_TIMEOUT', network('UND_ERR_CONNECT_TIMEOUT'), relayFailure('UND_ERR_CONNECT_TIMEOUT')],
  ['UND_ERR_HEADERS_TIMEOUT', network('UND_ERR_HEADERS_TIMEOUT'), relayFailure('UND_ERR_HEADERS_TIMEOUT')],
  // Answers that are not Google's: something in front of Google.
  ['404 with an HTML body', fromBody(404, HTML_404), relayFailure('http-404')],
  ['404 with an empty body', fromBody(404, ''), relayFailure('http-404')],
  ['502 from nginx', fromBody(502, NGINX_502), relayFailure('http-502')],
  ['401 without a Google body', fromBody(401, 'Unauthorized'), relayFailure('http-401')],
  // The proxy's own credential mistakes never blame a key.
  ['401 OVERLOADED_CREDENTIALS', fromBody(401, JSON.stringify({ error: { code: 401, message: 'Multiple credentials', status: 'UNAUTHENTICATED',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'OVERLOADED_CREDENTIALS' }] } })),
  otherKey('UNAUTHENTICATED')],
  // An invalid key reported by message alone (no ErrorInfo).
  ['400 "API key not valid" without details', fromBody(400, JSON.stringify({ error: { code: 400,
    message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } })), keyInvalid('INVALID_ARGUMENT')],
  ['403 without a Google body', fromBody(403, '<html>Forbidden</html>'), relayFailure('http-403')],
  ['429 from a relay', fromBody(429, 'Too Many Requests'), relayFailure('http-429')],
  ['500 without a Google body', fromBody(500, ''), relayFailure('http-500')],
  ['301 redirect', fromBody(301, ''), relayFailure('http-301')],
  ['302 redirect', fromBody(302, '<a href="https://elsewhere.example">moved</a>'), relayFailure('http-302')],
  ['307 redirect', fromBody(307, ''), relayFailure('http-307')],
  ['408 from a relay', fromBody(408, ''), relayFailure('http-408')],
  // Not a relay status and no Google body: the request's, answered as the proxy's own error.
  ['400 with a non-JSON body', fromBody(400, 'Bad Request'), clientError('http-400')],
  ['413 from a relay', fromBody(413, '<html>413 Request Entity Too Large</html>'), clientError('http-413')],
  // A 401 that names no key reason is about a credential that is not the key: nobody is blamed.
  ['401 without a key reason', fromBody(401, JSON.stringify({ error: { code: 401, status: 'UNAUTHENTICATED',
    message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.' } })), otherKey('UNAUTHENTICATED')],
  ['401 CREDENTIALS_MISSING', fromBody(401, JSON.stringify({ error: { code: 401, message: 'missing', status: 'UNAUTHENTICATED',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'CREDENTIALS_MISSING' }] } })), otherKey('UNAUTHENTICATED')],
  // A 2xx the proxy could not read: the relay's, and the next relay is tried.
  ['a 2xx cut short', { kind: 'bad-answer', code: 'UND_ERR_SOCKET' },
    { name: 'bad-answer', key: 'keep', relay: 'unhealthy', next: 'next-relay', reason: 'UND_ERR_SOCKET' }],
  ['a 2xx of the wrong shape', { kind: 'bad-answer', code: 'ANSWER_BAD_SHAPE' },
    { name: 'bad-answer', key: 'keep', relay: 'unhealthy', next: 'next-relay', reason: 'ANSWER_BAD_SHAPE' }],
];

describe('classify: one row per catalogue entry', () => {
  it.each(TABLE)('%s', (_label, outcome, expected) => {
    const verdict = classify(outcome, PROXY_PATH, NOW);
    expect({
      name: verdict.name, key: verdict.key, relay: verdict.relay, next: verdict.next, reason: verdict.reason,
    }).toEqual(expected);
  });

  it.each(TABLE.filter(([, , expected]) => expected.key !== 'cool'))(
    '%s sets no cooling time', (_label, outcome) => {
      expect(classify(outcome, PROXY_PATH, NOW).coolUntilMs).toBeUndefined();
    });
});

describe('classify: key problems are told apart from request problems', () => {
  it.each([
    ['API_KEY_INVALID 400', FIXTURES.apiKeyInvalid()],
    ['401 ACCESS_TOKEN_TYPE_UNSUPPORTED', FIXTURES.unauthenticated()],
    ['403 CONSUMER_SUSPENDED', FIXTURES.suspended()],
    ['403 reported as leaked', FIXTURES.leaked()],
  ])('%s disables the key', (_label, fixture) => {
    expect(classify(fromFixture(fixture), PROXY_PATH, NOW).key).toBe('disable');
  });

  it.each([
    ['400 INVALID_ARGUMENT', FIXTURES.invalidArgument()],
    ['403 file of another project', FIXTURES.fileOfAnotherProject()],
    ['404 model', FIXTURES.modelNotFound()],
    ['413', FIXTURES.payloadTooLarge()],
  ])('%s keeps the key and returns the answer', (_label, fixture) => {
    const verdict = classify(fromFixture(fixture), PROXY_PATH, NOW);
    expect(verdict.key).toBe('keep');
    expect(verdict.next).toBe('return');
  });

  it('403 messages without ErrorInfo that name a blocked project disable the key', () => {
    for (const message of ['Your project has been denied access. Please contact support.',
      "Permission denied: Consumer 'api_key:X' has been suspended."]) {
      const body = JSON.stringify({ error: { code: 403, message, status: 'PERMISSION_DENIED' } });
      expect(classify(fromBody(403, body), PROXY_PATH, NOW).name).toBe('key-invalid');
    }
  });

  it('every key-blocking ErrorInfo reason on a 403 disables the key and is the reason', () => {
    for (const reason of ['SERVICE_DISABLED', 'BILLING_DISABLED', 'API_KEY_SERVICE_BLOCKED',
      'API_KEY_HTTP_REFERRER_BLOCKED', 'CONSUMER_INVALID', 'API_KEY_EXPIRED']) {
      const body = JSON.stringify({ error: { code: 403, message: 'blocked', status: 'PERMISSION_DENIED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason }] } });
      expect(classify(fromBody(403, body), PROXY_PATH, NOW)).toMatchObject({ name: 'key-invalid', reason });
    }
  });

  it('the second FAILED_PRECONDITION (free tier not in your country) blames the relay', () => {
    const body = JSON.stringify({ error: { code: 400, status: 'FAILED_PRECONDITION',
      message: 'Gemini API free tier is not available in your country. Please enable billing.' } });
    expect(classify(fromBody(400, body), PROXY_PATH, NOW)).toMatchObject(relayFailure('LOCATION_UNSUPPORTED'));
  });

  it('a FAILED_PRECONDITION about something else goes back to the client', () => {
    const body = JSON.stringify({ error: { code: 400, status: 'FAILED_PRECONDITION', message: 'Precondition check failed.' } });
    expect(classify(fromBody(400, body), PROXY_PATH, NOW)).toMatchObject(clientError('FAILED_PRECONDITION'));
  });
});

describe('classify: 429 cooling times', () => {
  it.each([
    ['37s', 37_000],
    ['0.5s', 500],
    ['900ms', 900],
    ['0s', 0],
    ['1.25s', 1_250],
  ])('RetryInfo %s cools until now + %i ms', (delay, ms) => {
    const verdict = classify(fromFixture(FIXTURES.quotaPerMinute(delay)), PROXY_PATH, NOW);
    expect(verdict.coolUntilMs).toBe(NOW + ms);
  });

  it('a 429 without RetryInfo cools for the 60 s default', () => {
    expect(DEFAULT_COOLDOWN_MS).toBe(60_000);
    expect(classify(fromFixture(FIXTURES.quotaBare()), PROXY_PATH, NOW).coolUntilMs).toBe(NOW + 60_000);
  });

  it('an unreadable RetryInfo delay falls back to the default', () => {
    const verdict = classify(fromFixture(FIXTURES.quotaPerMinute('soon')), PROXY_PATH, NOW);
    expect(verdict.coolUntilMs).toBe(NOW + 60_000);
  });

  it('a PerDay quota cools until the next midnight in Los Angeles', () => {
    expect(classify(fromFixture(FIXTURES.quotaPerDay()), PROXY_PATH, NOW).coolUntilMs).toBe(NEXT_PACIFIC_MIDNIGHT);
  });

  it('a PerDay quota wins over a RetryInfo delay in the same body', () => {
    const body = JSON.stringify({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'quota', details: [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' },
    ] } });
    expect(classify(fromBody(429, body), PROXY_PATH, NOW).coolUntilMs).toBe(NEXT_PACIFIC_MIDNIGHT);
  });

  it('a PerDay quota in winter resets at 08:00 UTC', () => {
    const winter = Date.UTC(2026, 0, 15, 20, 0, 0); // 12:00 PST
    expect(classify(fromFixture(FIXTURES.quotaPerDay()), PROXY_PATH, winter).coolUntilMs).toBe(Date.UTC(2026, 0, 16, 8));
  });
});

describe('classify: the relay-limit rows (the rule itself: relay-limit.test.ts)', () => {
  const withCall = (relayLimit: 'relay' | 'unsure') => ({ ...PROXY_PATH, relayLimit });

  it.each([
    ['per minute', FIXTURES.quotaPerMinute('37s')],
    ['per day', FIXTURES.quotaPerDay()],
    ['bare', FIXTURES.quotaBare()],
  ])('a %s 429 the rule calls the relay\'s: the relay backs off, coolings are lifted, the same key goes elsewhere', (_label, fixture) => {
    const verdict = classify(fromFixture(fixture), withCall('relay'), NOW);
    expect(verdict).toEqual({
      name: 'relay-limited', key: 'lift', relay: 'unhealthy', next: 'next-relay', sameKey: true, reason: 'RELAY_RATE_LIMITED',
    });
  });

  it('a 429 the rule is unsure of: nothing cooled or blamed yet; the same key goes through another relay', () => {
    const verdict = classify(fromFixture(FIXTURES.quotaPerMinute('37s')), withCall('unsure'), NOW);
    expect(verdict).toEqual({ name: 'rate-limited', key: 'keep', relay: 'keep', next: 'next-relay', sameKey: true, reason: 'RESOURCE_EXHAUSTED' });
  });

  it('without a call, a 429 is the key\'s (and its project\'s) as before', () => {
    expect(classify(fromFixture(FIXTURES.quotaPerMinute('37s')), PROXY_PATH, NOW)).toMatchObject(rateLimited);
  });

  it('a call never turns another answer into a relay limit: a relay\'s bare 429, a 503, an invalid key', () => {
    expect(classify(fromBody(429, 'Too Many Requests'), withCall('relay'), NOW)).toMatchObject(relayFailure('http-429'));
    expect(classify(fromFixture(FIXTURES.overloaded()), withCall('relay'), NOW)).toMatchObject(upstreamError('UNAVAILABLE'));
    expect(classify(fromFixture(FIXTURES.apiKeyInvalid()), withCall('unsure'), NOW)).toMatchObject(keyInvalid('API_KEY_INVALID'));
  });
});

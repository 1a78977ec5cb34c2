/**
 * Every key-related row of the error policy, through real sockets: the fake upstream answers
 * per key, the client sees what the policy says it should, /status shows the key states.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { nextPacificMidnight } from '../../src/upstream/pacific-midnight.js';
import { fail, gemini } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { generate } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const [A, B, C] = ['key-alpha', 'key-bravo', 'key-charlie'] as const;
const NOW = Date.UTC(2026, 6, 1, 12, 0, 0);

describe('error policy: keys', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;
  let now = NOW;

  const keyState = async (key: string) => (await proxy.status()).keys.find((entry) => entry.id === keyId(key));

  beforeEach(async () => {
    now = NOW;
    upstream = await FakeGemini.start();
    proxy = await startProxy({ keys: [A, B, C], relays: [upstream.url], now: () => now });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('spreads consecutive requests over the keys', async () => {
    for (let i = 0; i < 3; i++) expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([A, B, C]);
  });

  it('429 with RetryInfo: cools the key for the named delay and tries the next key', async () => {
    upstream.forKey(A, fail('quotaPerMinute', '37s'));
    const response = await generate(proxy.url);
    expect(response.status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([A, B]);
    const state = await keyState(A);
    expect(state?.state).toBe('cooling');
    expect(state?.coolingUntil).toEqual({ 'gemini-2.5-flash': new Date(NOW + 37_000).toISOString() });
    for (let i = 0; i < 4; i++) await generate(proxy.url);
    expect(upstream.withKey(A)).toHaveLength(1);
  });

  it('429 with a per-day quota: cools the key until midnight Pacific', async () => {
    upstream.forKey(A, fail('quotaPerDay'));
    expect((await generate(proxy.url)).status).toBe(200);
    const state = await keyState(A);
    expect(state?.coolingUntil?.['gemini-2.5-flash']).toBe(new Date(nextPacificMidnight(NOW)).toISOString());
  });

  it('429 without details: cools for the documented default of 60 s', async () => {
    upstream.forKey(A, fail('quotaBare'));
    expect((await generate(proxy.url)).status).toBe(200);
    expect((await keyState(A))?.coolingUntil?.['gemini-2.5-flash']).toBe(new Date(NOW + 60_000).toISOString());
  });

  it('a cooled key still serves other models (quotas are per model)', async () => {
    await proxy.close();
    proxy = await startProxy({ keys: [A], relays: [upstream.url], now: () => now });
    upstream.next(fail('quotaPerMinute', '30s'));
    expect((await generate(proxy.url)).status).toBe(429);
    expect((await generate(proxy.url)).status).toBe(429);
    expect(upstream.requests).toHaveLength(1);
    const other = await generate(proxy.url, {}, '/v1beta/models/gemini-embedding-001:countTokens');
    expect(other.status).toBe(200);
    expect(upstream.requests).toHaveLength(2);
  });

  it('every key cooling: 429 at once with Retry-After, and no upstream call', async () => {
    for (const key of [A, B, C]) upstream.forKey(key, fail('quotaPerMinute', key === B ? '10s' : '40s'));
    const first = await generate(proxy.url);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('10');
    expect(JSON.parse(first.body)).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
    const seen = upstream.requests.length;
    now += 4_000;
    const second = await generate(proxy.url);
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('6');
    expect(upstream.requests).toHaveLength(seen);
  });

  it('cooling ends when its time has passed', async () => {
    upstream.forKey(A, fail('quotaPerMinute', '5s'));
    await generate(proxy.url);
    expect((await keyState(A))?.state).toBe('cooling');
    now += 5_001;
    expect((await keyState(A))?.state).toBe('active');
  });

  it.each([
    ['400 API_KEY_INVALID', 'apiKeyInvalid', 'API_KEY_INVALID'],
    ['401 UNAUTHENTICATED', 'unauthenticated', 'ACCESS_TOKEN_TYPE_UNSUPPORTED'],
    ['403 CONSUMER_SUSPENDED', 'suspended', 'CONSUMER_SUSPENDED'],
    ['403 reported as leaked', 'leaked', 'PERMISSION_DENIED'],
  ] as const)('%s: disables the key and serves the request with the next one', async (_label, fixture, reason) => {
    upstream.forKey(A, fail(fixture));
    const response = await generate(proxy.url);
    expect(response.status).toBe(200);
    const state = await keyState(A);
    expect(state).toMatchObject({ state: 'disabled', reason });
    for (let i = 0; i < 4; i++) await generate(proxy.url);
    expect(upstream.withKey(A)).toHaveLength(1);
  });

  it('every key turning out invalid: 503 from the proxy, not Google\'s "API key not valid"', async () => {
    for (const key of [A, B, C]) upstream.forKey(key, fail('apiKeyInvalid'));
    const response = await generate(proxy.url);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ error: { details: [{ reason: 'GP_NO_KEY_AVAILABLE' }] } });
    expect(response.body).not.toContain('API key not valid');
  });

  it('an invalid key when the other keys are cooling: 429 with Retry-After', async () => {
    upstream.forKey(B, fail('quotaPerMinute', '20s')).forKey(C, fail('quotaPerMinute', '20s'));
    await generate(proxy.url); // A serves
    await generate(proxy.url); // B and C cool down; A serves
    upstream.forKey(A, fail('apiKeyInvalid'));
    const response = await generate(proxy.url);
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('20');
  });

  it('every key disabled: 503 at once, in Gemini\'s error shape', async () => {
    for (const key of [A, B, C]) upstream.forKey(key, fail('apiKeyInvalid'));
    // A request disables at most one key, so it takes three to find all three dead.
    for (let i = 0; i < 3; i++) await generate(proxy.url);
    expect((await proxy.status()).keys.every((key) => key.state === 'disabled')).toBe(true);
    const seen = upstream.requests.length;
    const response = await generate(proxy.url);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { code: 503, status: 'UNAVAILABLE', details: [{ reason: 'GP_NO_KEY_AVAILABLE' }] },
    });
    expect(upstream.requests).toHaveLength(seen);
  });

  it('a recovery probe brings a disabled key back when it works again', async () => {
    upstream.forKey(A, fail('apiKeyInvalid'));
    await generate(proxy.url);
    expect((await keyState(A))?.state).toBe('disabled');
    upstream.forKey(A, gemini());
    await proxy.daemon.prober.probeAll();
    const probe = upstream.requests.at(-1);
    expect(probe?.pathname).toBe('/v1beta/models');
    expect(probe?.key).toBe(A);
    expect((await keyState(A))?.state).toBe('active');
    expect(proxy.logs.events('key-enabled')).toHaveLength(1);
  });

  it('a probe that still fails leaves the key disabled', async () => {
    upstream.forKey(A, fail('apiKeyInvalid'));
    await generate(proxy.url);
    await proxy.daemon.prober.probeAll();
    expect((await keyState(A))?.state).toBe('disabled');
  });

  it.each([
    ['500 INTERNAL', 'internal'],
    ['503 UNAVAILABLE', 'overloaded'],
    ['504 DEADLINE_EXCEEDED', 'deadlineExceeded'],
  ] as const)('%s: retried on another key, nothing disabled or cooled', async (_label, fixture) => {
    upstream.next(fail(fixture));
    const response = await generate(proxy.url);
    expect(response.status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([A, B]);
    const states = (await proxy.status()).keys.map((key) => key.state);
    expect(states).toEqual(['active', 'active', 'active']);
  });

  it('attempts are bounded, each on a key not yet tried; the last upstream answer is returned', async () => {
    await proxy.close();
    proxy = await startProxy({
      keys: [A, B, C, 'key-delta', 'key-echo'], relays: [upstream.url], now: () => now, settings: { maxAttempts: 3 },
    });
    upstream.setDefault(fail('overloaded'));
    const response = await generate(proxy.url);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ error: { message: 'The model is overloaded. Please try again later.' } });
    const keys = upstream.requests.map((request) => request.key);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line['attempts']).toMatchObject([
      { key: keyId(A), verdict: 'upstream-error', status: 503 },
      { key: keyId(B), verdict: 'upstream-error', status: 503 },
      { key: keyId(C), verdict: 'upstream-error', status: 503 },
    ]);
  });
});

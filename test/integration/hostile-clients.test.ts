/**
 * No client can take a key or a relay out of rotation: not with text Google echoes back, not with
 * credentials or identities of its own, not with a rate-limited call that names no model, not
 * with paths Google does not serve. The fake upstream behaves as Google does in each case.
 */

import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixtures/gemini-errors.js';
import { fail, gemini, html } from '../support/behaviours.js';
import { FakeGemini, type Behaviour } from '../support/fake-gemini.js';
import { generate, rawRequest } from '../support/http.js';
import { withProxy } from '../support/harness.js';

const KEYS = ['key-one', 'key-two', 'key-three'];
const KNOWN_FIELDS = new Set(['contents', 'generationConfig', 'systemInstruction', 'tools', 'toolConfig', 'safetySettings']);
const KNOWN_PARAMS = new Set(['alt', 'pageSize', 'pageToken']);

function googleError(res: ServerResponse, status: number, rpc: string, message: string, reason?: string): void {
  const details = reason ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' }] : undefined;
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code: status, message, status: rpc, ...(details && { details }) } }));
}

/**
 * Google as it treats what a client controls: unknown names echoed in 400s, an OAuth token
 * beside a key refused with 401, a referrer or app a restricted key does not allow refused
 * with 403 API_KEY_*_BLOCKED. Anything else: Gemini as usual.
 */
const echoingGoogle: Behaviour = (request, res) => {
  if (request.query.has('access_token') || request.headers.authorization !== undefined) {
    return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', 'ACCESS_TOKEN_TYPE_UNSUPPORTED');
  }
  if (request.headers.referer !== undefined || request.headers['x-android-package'] !== undefined) {
    return googleError(res, 403, 'PERMISSION_DENIED', 'Requests from referer <x> are blocked.', 'API_KEY_HTTP_REFERRER_BLOCKED');
  }
  for (const name of request.query.keys()) {
    if (!KNOWN_PARAMS.has(name)) {
      return googleError(res, 400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`);
    }
  }
  const body = request.body ? JSON.parse(request.body) as Record<string, unknown> : {};
  const unknown = Object.keys(body).find((name) => !KNOWN_FIELDS.has(name));
  if (unknown !== undefined) {
    return googleError(res, 400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`);
  }
  return gemini()(request, res);
};

describe('hostile clients', () => {
  const h = withProxy({ keys: KEYS });

  beforeEach(() => {
    h.upstream.setDefault(echoingGoogle);
  });

  const allActive = async (): Promise<boolean> => (await h.proxy.status()).keys.every((key) => key.state === 'active');
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    rawRequest(h.proxy.url, { method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('a body field named after a key-blocking message is the client\'s 400, and no key is touched', async () => {
    for (const field of ['reported as leaked', 'has been suspended', 'project has been denied access',
      'API key not valid. Please pass a valid API key.', 'Your API key was reported as leaked. Please use another API key.']) {
      const response = await post('/v1beta/models/gemini-2.5-flash:generateContent', { contents: [], [field]: 1 });
      expect(response.status).toBe(400);
      expect(response.body).toContain('Unknown name');
    }
    expect(await allActive()).toBe(true);
    expect(h.upstream.requests).toHaveLength(5); // one attempt each: nothing was retried
  });

  it('a query parameter named after a key-blocking message is the client\'s 400, and no key is touched', async () => {
    for (const name of ['has%20been%20suspended', 'reported%20as%20leaked', 'User%20location%20is%20not%20supported%20for%20the%20API%20use.']) {
      expect((await rawRequest(h.proxy.url, { path: `/v1beta/models?${name}=1` })).status).toBe(400);
    }
    expect(await allActive()).toBe(true);
    expect((await h.proxy.status()).relays.every((relay) => relay.state === 'healthy')).toBe(true);
  });

  it('?access_token= and other credentials in the query never reach Google, so no key is blamed', async () => {
    const query = 'access_token=ya29.client&oauth_token=o&%24key=k&key=k&userProject=other&quotaUser=u';
    const response = await rawRequest(h.proxy.url, { path: `/v1beta/models?pageSize=5&${query}` });
    expect(response.status).toBe(200);
    expect(h.upstream.requests[0]?.url).toBe('/v1beta/models?pageSize=5');
    expect(await allActive()).toBe(true);
  });

  it('a Referer or app id the keys are restricted against never reaches Google', async () => {
    const response = await generate(h.proxy.url, { referer: 'https://evil.example/', 'x-android-package': 'com.evil', origin: 'https://evil.example' });
    expect(response.status).toBe(200);
    expect(h.upstream.requests[0]?.headers.referer).toBeUndefined();
    expect(h.upstream.requests[0]?.headers['x-android-package']).toBeUndefined();
    expect(await allActive()).toBe(true);
  });

  it('a request every key refuses as invalid disables one key, not the pool', async () => {
    h.upstream.setDefault(fail('apiKeyInvalid'));
    expect((await generate(h.proxy.url)).status).toBe(503);
    expect(h.upstream.requests).toHaveLength(3);
    const states = (await h.proxy.status()).keys.map((key) => key.state);
    expect(states.filter((state) => state === 'disabled')).toHaveLength(1);
  });

  it('a key an answer disabled is probed at once, and comes back when it works', async () => {
    await h.restart({ settings: { probeIntervalMs: 3_600_000 } });
    h.upstream.next(fail('apiKeyInvalid'));
    expect((await generate(h.proxy.url)).status).toBe(200);
    await h.proxy.logs.waitFor((line) => line['event'] === 'key-enabled' && line['via'] === 'confirmation probe');
    // The probe runs beside the request's next attempt, so their order is not fixed.
    expect(h.upstream.requests.map((request) => `${request.pathname} ${request.key}`).sort()).toEqual([
      '/v1beta/models key-one',
      '/v1beta/models/gemini-2.5-flash:generateContent key-one',
      '/v1beta/models/gemini-2.5-flash:generateContent key-two',
    ]);
    expect(await allActive()).toBe(true);
  });

  it('a key that is really dead stays disabled after its confirmation probe', async () => {
    await h.restart({ settings: { probeIntervalMs: 3_600_000 } });
    h.upstream.forKey('key-one', fail('apiKeyInvalid'));
    expect((await generate(h.proxy.url)).status).toBe(200);
    await h.upstream.waitForRequests(3);
    await h.proxy.daemon.prober.settled();
    expect((await h.proxy.status()).keys.map((key) => key.state)).toEqual(['disabled', 'active', 'active']);
    expect(h.upstream.requests.filter((request) => request.pathname === '/v1beta/models').map((request) => request.key)).toEqual(['key-one']);
  });

  it('a 429 on a call without a model cools that family only: generation still goes upstream', async () => {
    await h.restart({ keys: ['only-key'] });
    h.upstream.next(fail('quotaBare'));
    expect((await rawRequest(h.proxy.url, { path: '/v1beta/files' })).status).toBe(429);
    expect((await generate(h.proxy.url)).status).toBe(200);
    expect(h.upstream.requests.map((request) => request.pathname)).toEqual(['/v1beta/files', '/v1beta/models/gemini-2.5-flash:generateContent']);
    // The family itself stays cooled: the next listing is refused without going h.upstream.
    const again = await rawRequest(h.proxy.url, { path: '/v1beta/files' });
    expect(again.status).toBe(429);
    expect(again.headers['retry-after']).toBe('60');
    expect(h.upstream.requests).toHaveLength(2);
    expect((await h.proxy.status()).keys[0]?.coolingUntil).toHaveProperty(['files:*']);
  });
});

describe('paths Google does not serve', () => {
  const h = withProxy({ keys: KEYS, upstreams: 2 });
  const relays = async () => (await h.proxy.status()).relays.map((relay) => relay.state);
  const relay = (index: number): FakeGemini => {
    const upstream = h.upstreams[index];
    if (upstream === undefined) throw new Error(`no upstream ${index}`);
    return upstream;
  };
  const first = (): FakeGemini => relay(0);
  const second = (): FakeGemini => relay(1);

  it('the client\'s own unknown path, answered by a bare 404, is the client\'s 404: no relay is blamed', async () => {
    first().setDefault(html(404));
    second().setDefault(html(404));
    for (let i = 0; i < 6; i++) {
      const response = await rawRequest(h.proxy.url, { method: 'POST', path: '/v1beta/models/gemini-2.5-flash:noSuchVerb', body: '{}' });
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toContain('application/json');
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 404, details: [{ reason: 'GP_UPSTREAM_NOT_FOUND' }] } });
    }
    expect(await relays()).toEqual(['healthy', 'healthy']);
    expect(first().requests.length + second().requests.length).toBe(6);
  });

  it('a relay that answers every path with a bare 404 is found out by a known-good call', async () => {
    await h.restart({ settings: { probeIntervalMs: 3_600_000 } });
    first().setDefault(html(404));
    const response = await rawRequest(h.proxy.url, { method: 'POST', path: '/v1beta/models/gemini-2.5-flash:noSuchVerb', body: '{}' });
    expect(response.status).toBe(404);
    await h.proxy.daemon.prober.settled();
    expect(first().requests.map((request) => request.pathname)).toEqual(['/v1beta/models/gemini-2.5-flash:noSuchVerb', '/v1beta/models']);
    expect(await relays()).toEqual(['unhealthy', 'healthy']);
  });

  it('a relay that serves known-good calls stays healthy however many bad paths it refuses', async () => {
    await h.restart({ settings: { probeIntervalMs: 3_600_000 } });
    const picky: Behaviour = (request, res) => (request.pathname.endsWith(':noSuchVerb') ? html(404) : gemini())(request, res);
    first().setDefault(picky);
    second().setDefault(picky);
    for (let i = 0; i < 6; i++) {
      expect((await rawRequest(h.proxy.url, { method: 'POST', path: '/v1beta/models/gemini-2.5-flash:noSuchVerb', body: '{}' })).status).toBe(404);
    }
    await h.proxy.daemon.prober.settled();
    expect(await relays()).toEqual(['healthy', 'healthy']);
    // One check per relay, however many bad paths: the rest wait a minute.
    expect([...first().requests, ...second().requests].filter((request) => request.pathname === '/v1beta/models')).toHaveLength(2);
  });

  it('a bare 405 for a method Google does not serve is the client\'s 405', async () => {
    first().setDefault(html(405));
    const response = await rawRequest(h.proxy.url, { method: 'DELETE', path: '/v1beta/models' });
    expect(response.status).toBe(405);
    expect(await relays()).toEqual(['healthy', 'healthy']);
  });

  it('a bare 404 for a path the proxy built blames the relay, and the next relay serves', async () => {
    first().setDefault(html(404));
    const client = new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toContain('Hello');
    expect(await relays()).toEqual(['unhealthy', 'healthy']);
  });

  it('a Google 404 JSON for an unknown model stays Google\'s answer', async () => {
    first().next(fail('modelNotFound'));
    const response = await generate(h.proxy.url, {}, '/v1beta/models/nope:generateContent');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual(FIXTURES.modelNotFound().body);
  });
});

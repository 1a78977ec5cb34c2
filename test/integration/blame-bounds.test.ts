/**
 * What one request can cost the pool at most: one key condemned on an answer the request itself
 * may have caused (however many upstream calls it makes), and cooling only for the kind of call
 * it made. Credentials hidden in system parameters or form bodies never reach Google.
 */

import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { fail, gemini } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { generate, rawRequest } from '../support/http.js';
import { withProxy } from '../support/harness.js';

const KEYS = ['key-1', 'key-2', 'key-3', 'key-4', 'key-5'];

function quota(res: ServerResponse, quotaId: string): void {
  res.writeHead(429, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'You exceeded your current quota.', details: [
    { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId }] },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '40s' },
  ] } }));
}

const tokensPerMinute: Behaviour = (_request, res) => quota(res, 'GenerateContentInputTokensPerModelPerMinute-FreeTier');

describe('what one request can cost the pool', () => {
  const h = withProxy({ keys: KEYS });
  const states = async (): Promise<string[]> => (await h.proxy.status()).keys.map((key) => key.state);

  it('an embeddings request of three batches disables one key, not one per batch', async () => {
    h.upstream.setDefault(fail('apiKeyInvalid'));
    const response = await rawRequest(h.proxy.url, {
      method: 'POST', path: '/v1/embeddings', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-embedding-001', input: Array.from({ length: 250 }, (_, i) => `text ${i}`) }),
    });
    expect(response.status).toBe(503);
    expect((await states()).filter((state) => state === 'disabled')).toHaveLength(1);
    const line = await h.proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect((line['attempts'] as { condemned?: boolean }[]).filter((entry) => entry.condemned)).toHaveLength(1);
  });

  it('a request over a tokens-per-minute quota cools one key, then stops', async () => {
    h.upstream.setDefault(tokensPerMinute);
    const response = await generate(h.proxy.url);
    expect(response.status).toBe(429);
    expect(h.upstream.requests).toHaveLength(2);
    expect((await states()).filter((state) => state === 'cooling')).toHaveLength(1);
  });

  it('per-minute request quotas still cool every key that reports one; each key is asked once', async () => {
    h.upstream.setDefault(fail('quotaPerMinute'));
    expect((await generate(h.proxy.url)).status).toBe(429);
    expect((await states()).filter((state) => state === 'cooling')).toHaveLength(5);
    expect(h.upstream.requests).toHaveLength(5);
    // Now every key is cooling: the next request is refused at once, asking no one.
    expect((await generate(h.proxy.url)).status).toBe(429);
    expect(h.upstream.requests).toHaveLength(5);
  });

  it('429s that cool their keys do not spend the request\'s attempts: past three limited keys, the fourth serves', async () => {
    for (const key of KEYS.slice(0, 3)) h.upstream.forKey(key, fail('quotaPerMinute'));
    expect((await generate(h.proxy.url)).status).toBe(200);
    expect(h.upstream.requests.map((request) => request.key)).toEqual(KEYS.slice(0, 4));
  });

  it('Google\'s 401 about a credential that is not a key is the proxy\'s 502, never the client\'s 401', async () => {
    h.upstream.setDefault((_request, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
      res.end(JSON.stringify({ error: { code: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.' } }));
    });
    const response = await generate(h.proxy.url);
    expect(response.status).toBe(502);
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(response.body)).toMatchObject({ error: { details: [{ reason: 'GP_UPSTREAM_AUTH' }] } });
    expect(h.upstream.requests).toHaveLength(3);
    expect(await states()).toEqual(KEYS.map(() => 'active'));
  });

  it('a 429 on countTokens cools counting, never generation', async () => {
    await h.restart({ keys: ['only-key'] });
    h.upstream.next(fail('quotaBare'));
    expect((await generate(h.proxy.url, {}, '/v1beta/models/gemini-2.5-flash:countTokens')).status).toBe(429);
    expect((await generate(h.proxy.url)).status).toBe(200);
    expect(Object.keys((await h.proxy.status()).keys[0]?.coolingUntil ?? {})).toEqual(['gemini-2.5-flash:countTokens']);
  });
});

describe('property: no request body or query changes any key or relay', () => {
  const h = withProxy({ keys: KEYS });

  beforeEach(() => {
    h.upstream.setDefault(echo);
  });

  /** Google as it echoes a client: every 400 quotes the body and the query back. */
  const echo: Behaviour = (request, res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    const message = `Invalid JSON payload received. Unknown name ${JSON.stringify(request.body.slice(0, 500))} at '${request.url}': Cannot find field.`;
    res.end(JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message } }));
  };

  it('for any JSON body and query, keys stay active and relays healthy', async () => {
    const phrase = fc.constantFrom('reported as leaked', 'has been suspended', 'API key not valid. Please pass a valid API key.',
      'Your API key was reported as leaked. Please use another API key.', 'User location is not supported for the API use.');
    const text = fc.oneof(phrase, fc.string({ maxLength: 40 }));
    const body = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }));
    const query = fc.dictionary(text, text, { maxKeys: 3 }).map((entries) => new URLSearchParams(entries).toString());
    await fc.assert(fc.asyncProperty(body, query, async (json, search) => {
      const response = await rawRequest(h.proxy.url, {
        method: 'POST', path: `/v1beta/models/gemini-2.5-flash:generateContent${search ? `?${search}` : ''}`,
        headers: { 'content-type': 'application/json' }, body: JSON.stringify(json),
      });
      expect(response.status).toBeLessThan(500);
    }), { numRuns: 150 });
    const status = await h.proxy.status();
    expect(status.keys.map((key) => [key.state, key.failures])).toEqual(KEYS.map(() => ['active', 0]));
    expect(status.relays.map((relay) => relay.state)).toEqual(['healthy']);
  });
});

describe('credentials hidden elsewhere never reach Google', () => {
  const h = withProxy({ keys: KEYS });

  beforeEach(() => {
    h.upstream.setDefault(gemini());
  });

  it('$httpHeaders, which would set any header, is dropped with every other unknown system parameter', async () => {
    const path = '/v1beta/models?%24httpHeaders=Authorization%3ABearer%20ya29.x%0D%0AReferer%3Aevil&$userProject=other&$alt=json';
    expect((await rawRequest(h.proxy.url, { path })).status).toBe(200);
    expect(h.upstream.requests[0]?.url).toBe('/v1beta/models?%24alt=json');
  });

  it('a form body, where OAuth carries a token, is refused with 415 before any key is used', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await rawRequest(h.proxy.url, {
        method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent',
        headers: { 'content-type': type }, body: 'access_token=ya29.x',
      });
      expect(response.status).toBe(415);
      expect(JSON.parse(response.body)).toMatchObject({ error: { details: [{ reason: 'GP_UNSUPPORTED_MEDIA_TYPE' }] } });
    }
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('only the headers the Gemini API reads go upstream', async () => {
    await generate(h.proxy.url, { 'x-goog-user-project': 'other', 'x-custom': '1', 'x-goog-api-client': 'genai-js/1', authorization: 'Bearer ya29.x' });
    const headers = Object.keys(h.upstream.requests[0]?.headers ?? {}).sort();
    expect(headers).toEqual(['connection', 'content-length', 'content-type', 'host', 'x-goog-api-client', 'x-goog-api-key']);
  });
});

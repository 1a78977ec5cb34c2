/**
 * What the client sends and what it may do: body limits, proxy keys, credential and header
 * hygiene, bad paths, and the operator endpoints.
 */

import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { GENERATE_PATH, generate, rawRequest } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const POOL_KEY = 'pool-key-secret-1';
const TOKEN = 'proxy-token-abc';

describe('limits, access and hygiene', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    proxy = await startProxy({
      keys: [POOL_KEY], relays: [upstream.url], settings: { proxyKeys: [TOKEN], maxBodyBytes: 1024 },
    });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  const auth = { authorization: `Bearer ${TOKEN}` };

  it('a declared body over the limit gets 413 and reaches no upstream', async () => {
    const response = await rawRequest(proxy.url, {
      method: 'POST', path: GENERATE_PATH, headers: { ...auth, 'content-type': 'application/json' }, body: 'x'.repeat(2048),
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 413, details: [{ reason: 'GP_BODY_TOO_LARGE' }] } });
    expect(upstream.requests).toHaveLength(0);
  });

  it('a chunked body that grows over the limit gets 413 and reaches no upstream', async () => {
    const url = new URL(proxy.url);
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: GENERATE_PATH, headers: auth }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(512, 120));
      req.end();
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: { details: [{ reason: 'GP_BODY_TOO_LARGE' }] } });
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['a token of another length', { 'x-goog-api-key': `${TOKEN}-and-more` }],
    ['a non-ASCII token', { 'x-goog-api-key': 'tökén' }],
  ])('%s: 401 in Gemini\'s shape, no upstream call', async (_label, headers) => {
    const response = await generate(proxy.url, headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ['Authorization: Bearer', { authorization: `Bearer ${TOKEN}` }, GENERATE_PATH],
    ['x-goog-api-key', { 'x-goog-api-key': TOKEN }, GENERATE_PATH],
    ['?key=', {}, `${GENERATE_PATH}?key=${TOKEN}`],
  ])('accepts the proxy key as %s and strips it before going upstream', async (_label, headers, path) => {
    const response = await generate(proxy.url, headers as Record<string, string>, path);
    expect(response.status).toBe(200);
    const [request] = upstream.requests;
    expect(request?.key).toBe(POOL_KEY);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.url).not.toContain(TOKEN);
    expect(request?.url).not.toContain('key=');
  });

  it('strips hop-by-hop headers both ways and drops upstream cookies', async () => {
    upstream.next((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'a=b', 'x-upstream': 'yes', connection: 'x-secret-hop', 'x-secret-hop': '1' });
      // An answer that says something: an empty one ('{}') would go to the next key (issue 12 §4).
      res.end('{"candidates":[{"content":{"parts":[{"text":"ok"}]},"finishReason":"STOP"}]}');
    });
    const response = await generate(proxy.url, { ...auth, connection: 'x-server-timeout', 'x-server-timeout': '1', 'x-goog-api-client': 'yes' });
    expect(response.status).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['x-secret-hop']).toBeUndefined();
    expect(response.headers['x-upstream']).toBe('yes');
    const [request] = upstream.requests;
    expect(request?.headers['x-server-timeout']).toBeUndefined();
    expect(request?.headers['x-goog-api-client']).toBe('yes');
  });

  it.each([
    ['a relative segment', '/v1beta/models/../../admin:generateContent', 400],
    ['an empty segment', '/v1beta//models/x:generateContent', 400],
    ['an encoded dot', '/v1beta/models/%2e%2e/x:generateContent', 400],
    ['an unknown collection', '/v1beta/secrets/x', 404],
    ['an unknown route', '/v2/whatever', 404],
  ])('%s: refused locally in Gemini\'s shape', async (_label, path, status) => {
    const response = await rawRequest(proxy.url, { method: 'POST', path, headers: auth, body: '{}' });
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: status } });
    expect(upstream.requests).toHaveLength(0);
  });

  it('a refused request with an unread body closes the connection rather than read the body', async () => {
    const response = await rawRequest(proxy.url, { method: 'POST', path: GENERATE_PATH, body: '{"contents":[]}' });
    expect(response.status).toBe(401);
    expect(response.headers.connection).toBe('close');
  });

  it('a client that leaves mid-upload is logged as gone (499), not as an error', async () => {
    const url = new URL(proxy.url);
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: GENERATE_PATH,
      headers: { ...auth, 'content-length': '1000' } });
    req.on('error', () => undefined);
    req.write('{"contents":');
    await proxy.logs.waitFor((entry) => entry.msg === 'request started');
    req.destroy();
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line).toMatchObject({ status: 499, aborted: true });
    expect(proxy.logs.lines.some((entry) => entry.level === 'error')).toBe(false);
    expect(upstream.requests).toHaveLength(0);
  });

  it('a method Gemini does not use gets 405', async () => {
    const response = await rawRequest(proxy.url, { method: 'PUT', path: GENERATE_PATH, headers: auth, body: '{}' });
    expect(response.status).toBe(405);
  });

  it('GET /healthz needs no key', async () => {
    const response = await rawRequest(proxy.url, { path: '/healthz' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
  });

  it('GET /status needs the proxy key and names keys only by id', async () => {
    expect((await rawRequest(proxy.url, { path: '/status' })).status).toBe(401);
    const response = await rawRequest(proxy.url, { path: '/status', headers: auth });
    expect(response.status).toBe(200);
    expect(response.body).not.toContain(POOL_KEY);
    expect(JSON.parse(response.body)).toMatchObject({
      keys: [{ id: keyId(POOL_KEY), state: 'active' }],
      relays: [{ id: upstream.url, state: 'healthy' }],
    });
  });

  it('every response carries a request id that matches its log line', async () => {
    const response = await generate(proxy.url, auth);
    const id = response.headers['x-request-id'];
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request' && entry['reqId'] === id);
    expect(line).toMatchObject({ method: 'POST', path: GENERATE_PATH, protocol: 'gemini', model: 'gemini-2.5-flash', status: 200 });
    expect(line['attempts']).toMatchObject([{ key: keyId(POOL_KEY), relay: upstream.url, status: 200, verdict: 'ok' }]);
  });
});

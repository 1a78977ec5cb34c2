/**
 * Upstream faults on the translated routes are 502s with a stable code, never 500s, and another
 * relay is tried while nothing has reached the client. A relay's own pages and redirects never
 * reach the client: they become the proxy's own errors.
 */

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { html } from '../support/behaviours.js';
import { FakeGemini, type Behaviour } from '../support/fake-gemini.js';
import { generate, rawRequest } from '../support/http.js';
import { withProxy } from '../support/harness.js';
import type { TestProxy } from '../support/proxy.js';

const KEYS = ['key-one', 'key-two'];

const answer = (body: string): Behaviour => (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
};

/** Headers and half the body, then the connection is cut. */
const cutMidway: Behaviour = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
  res.write('{"candidates": [{"content": {"parts": [{"text": "half');
  setImmediate(() => res.socket?.destroy());
};

/** Headers and half the body, then silence. */
const silentMidway: Behaviour = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"candidates": [');
};

const chat = (proxy: TestProxy) => rawRequest(proxy.url, {
  method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }),
});

const embed = (proxy: TestProxy) => rawRequest(proxy.url, {
  method: 'POST', path: '/v1/embeddings', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'gemini-embedding-001', input: ['a', 'b'] }),
});

describe('upstream faults on the OpenAI routes', () => {
  const h = withProxy({ keys: KEYS, settings: { idleTimeoutMs: 300 } });

  const expect502 = async (response: { status: number; body: string }, code = 'GP_UPSTREAM_BAD_ANSWER'): Promise<void> => {
    expect(response.status).toBe(502);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'server_error', code } });
    expect(h.proxy.logs.lines.some((line) => line.level === 'error')).toBe(false);
  };

  it.each([
    ['a body cut mid-way', cutMidway],
    ['a body silent past --idle-timeout', silentMidway],
    ['null', answer('null')],
    ['a string', answer('"x"')],
    ['a null candidate', answer('{"candidates":[null]}')],
    ['candidates that are not a list', answer('{"candidates":{}}')],
    ['parts that are not objects', answer('{"candidates":[{"content":{"parts":[1,2]}}]}')],
  ] as const)('chat completion, %s: 502 with a stable code', async (_label, behaviour) => {
    h.upstream.next(behaviour);
    await expect502(await chat(h.proxy));
    const line = await h.proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line['attempts']).toMatchObject([{ verdict: 'bad-answer' }]);
  });

  it.each([
    ['a null embedding', answer('{"embeddings":[null, null]}')],
    ['fewer embeddings than inputs', answer('{"embeddings":[{"values":[1]}]}')],
    ['values that are not numbers', answer('{"embeddings":[{"values":["a"]},{"values":[1]}]}')],
  ] as const)('embeddings, %s: 502', async (_label, behaviour) => {
    h.upstream.next(behaviour);
    await expect502(await embed(h.proxy));
  });

  it('an answer the body budget has no room for is 503 GP_BUSY: no retry, nothing blamed', async () => {
    await h.restart({ settings: { maxBodyBytes: 4096, maxInflightBodyBytes: 8192 } });
    h.upstream.next(answer(JSON.stringify({ candidates: [{ content: { parts: [{ text: 'x'.repeat(20_000) }] } }] })));
    const response = await chat(h.proxy);
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'GP_BUSY' } });
    expect(h.upstream.requests).toHaveLength(1);
    expect((await h.proxy.status()).relays[0]?.state).toBe('healthy');
    // The budget was given back: the next request fits.
    expect((await chat(h.proxy)).status).toBe(200);
  });

  it('the model list is never cached from an answer it could not translate', async () => {
    h.upstream.next(answer('{"models":[null]}'));
    await expect502(await rawRequest(h.proxy.url, { path: '/v1/models' }));
    const listed = await rawRequest(h.proxy.url, { path: '/v1/models' });
    expect(listed.status).toBe(200);
    expect((JSON.parse(listed.body) as { data: unknown[] }).data.length).toBeGreaterThan(0);
  });

  it('a bad answer from one relay is retried on the next, since nothing reached the client', async () => {
    const second = await FakeGemini.start();
    await h.restart({ relays: [h.upstream.url, second.url] });
    h.upstream.next(answer('{"candidates":[null]}'));
    const client = new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] });
    expect(completion.choices[0]?.message.content).toContain('Hello');
    expect((await h.proxy.status()).relays.map((relay) => relay.state)).toEqual(['unhealthy', 'healthy']);
    expect((await h.proxy.status()).keys.every((key) => key.state === 'active')).toBe(true);
    await second.close();
  });
});

describe('a relay\'s own pages and redirects never reach the client', () => {
  const h = withProxy({ keys: KEYS });

  it.each([
    [400, 400, 'GP_UPSTREAM_REJECTED'],
    [413, 413, 'GP_BODY_TOO_LARGE'],
    [414, 400, 'GP_UPSTREAM_REJECTED'],
    [431, 400, 'GP_UPSTREAM_REJECTED'],
  ])('an nginx %i page becomes the proxy\'s own %i', async (status, expected, code) => {
    h.upstream.next(html(status));
    const response = await generate(h.proxy.url);
    expect(response.status).toBe(expected);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.body).not.toContain('<html');
    expect(JSON.parse(response.body)).toMatchObject({ error: { details: [{ reason: code }] } });
    expect((await h.proxy.status()).relays[0]?.state).toBe('healthy');
  });

  it('the same page on the OpenAI route is OpenAI-shaped', async () => {
    h.upstream.next(html(400));
    const response = await chat(h.proxy);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'GP_UPSTREAM_REJECTED' } });
  });

  it.each([301, 302, 303, 307, 308])('a %i is answered 502 without its Location', async (status) => {
    h.upstream.next((_request, res) => {
      res.writeHead(status, { location: 'https://elsewhere.example/', 'content-type': 'text/html' });
      res.end('<a href="https://elsewhere.example/">moved</a>');
    });
    const response = await generate(h.proxy.url);
    expect(response.status).toBe(502);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).not.toContain('elsewhere');
  });

  it.each([
    [429, { error: { message: 'too many requests' } }],
    [401, { error: { code: 401, message: 'relay login required', status: 'relay_auth' } }],
    [403, { error: { code: 401, message: 'Forbidden', status: 'PERMISSION_DENIED' } }],
    [307, { error: { code: 307, message: 'moved', status: 'UNAVAILABLE' } }],
  ])('a relay\'s own JSON %i (not Google\'s envelope) is the relay\'s fault: no key is touched', async (status, body) => {
    const second = await FakeGemini.start();
    await h.restart({ relays: [h.upstream.url, second.url] });
    h.upstream.next((_request, res) => {
      res.writeHead(status, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="relay"', location: 'https://elsewhere.example/' });
      res.end(JSON.stringify(body));
    });
    const response = await generate(h.proxy.url);
    expect(response.status).toBe(200);
    expect(response.headers['www-authenticate']).toBeUndefined();
    const status_ = await h.proxy.status();
    expect(status_.relays.map((relay) => relay.state)).toEqual(['unhealthy', 'healthy']);
    expect(status_.keys.every((key) => key.state === 'active')).toBe(true);
    await second.close();
  });

  it('a success that carries a Location or Refresh passes on without them', async () => {
    h.upstream.next((_request, res) => {
      res.writeHead(200, { location: 'https://elsewhere.example/', refresh: '0; url=https://elsewhere.example/', 'content-type': 'application/json' });
      res.end('{"candidates":[]}');
    });
    const response = await generate(h.proxy.url);
    expect(response.status).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers.refresh).toBeUndefined();
  });
});

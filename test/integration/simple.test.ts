/**
 * The simple endpoint on the wire (`POST /gemini/v1/chat/completions`): text, an inline image,
 * the SSE stream and its final event, every status its document names (400, 401, 403, 404, 429,
 * 500) with a JSON `{"error"}` body, no key blamed for a client's mistake, retired model names.
 */

import { describe, expect, it } from 'vitest';
import { PNG } from '../fixtures/openai-requests/media.js';
import { controlledStream, fail } from '../support/behaviours.js';
import { withProxy } from '../support/harness.js';
import { closedPort, rawRequest, type RawResponse, expectErrorMessage } from '../support/http.js';

const TOKEN = 'simple-endpoint-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const KEYS = ['key-alpha', 'key-bravo', 'key-charlie'] as const;
const PATH = '/gemini/v1/chat/completions';
const HI = { role: 'user', parts: [{ text: 'hi' }] };

function post(base: string, body: unknown, options: { headers?: Record<string, string>; path?: string } = {}): Promise<RawResponse> {
  return rawRequest(base, {
    method: 'POST',
    path: options.path ?? PATH,
    headers: { 'content-type': 'application/json', ...(options.headers ?? AUTH) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const expectError = expectErrorMessage;

describe('simple endpoint: answers', () => {
  const h = withProxy({ keys: KEYS, settings: { proxyKeys: [TOKEN] } });

  it.each([PATH, '/gemini/v1/chat/completion'])('text in, {"message"} out at %s', async (path) => {
    const response = await post(h.proxy.url, { model: 'gemini-2.5-flash', contents: [HI], temperature: 0.2, max_tokens: 50 }, { path });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toStrictEqual({ message: 'Hello from fake Gemini: hi' });
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(h.upstream.sentJson()).toStrictEqual({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      generationConfig: { temperature: 0.2, maxOutputTokens: 50 },
    });
  });

  it('no model: the default model (--session-model)', async () => {
    expect((await post(h.proxy.url, { contents: [HI] })).status).toBe(200);
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });

  it('an inline image reaches upstream as inlineData image/png', async () => {
    const contents = [{ role: 'user', parts: [{ inline_data: { mime_type: 'image/png', data: PNG } }, { text: 'What is this?' }] }];
    const response = await post(h.proxy.url, { model: 'gemini-2.5-flash', contents });
    expect(JSON.parse(response.body)).toStrictEqual({ message: 'Hello from fake Gemini: What is this?' });
    expect(h.upstream.sentJson()['contents']).toStrictEqual([
      { role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG } }, { text: 'What is this?' }] },
    ]);
  });

  it('streams {"message"} events, then the final {"done": true, "finish_reason"} event', async () => {
    const response = await post(h.proxy.url, { model: 'gemini-2.5-flash', contents: [HI], stream: true });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.body).toBe([
      'data: {"message":"Hello"}\n\n',
      'data: {"message":" from"}\n\n',
      'data: {"message":" fake Gemini: hi"}\n\n',
      'data: {"done":true,"finish_reason":"STOP"}\n\n',
    ].join(''));
    expect(h.upstream.requests[0]?.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('a stream that ends unfinished ends with an {"error"} event, not a final event', async () => {
    const upstream = controlledStream();
    h.upstream.next(upstream.behaviour);
    const pending = post(h.proxy.url, { contents: [HI], stream: true });
    await upstream.started;
    upstream.send('Hel');
    upstream.end();
    expect((await pending).body).toBe(
      'data: {"message":"Hel"}\n\ndata: {"error":"the upstream stream ended before the answer was complete"}\n\n',
    );
  });

  it('a retired model name reaches upstream as the current model; the log line shows both', async () => {
    const response = await post(h.proxy.url, { model: 'gemini-pro', contents: [HI] });
    expect(response.status).toBe(200);
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    const line = await h.proxy.logs.waitFor((entry) => entry.msg === 'request' && entry['protocol'] === 'simple');
    expect(line).toMatchObject({ model: 'gemini-2.5-flash', requestedModel: 'gemini-pro' });
  });
});

describe('simple endpoint: errors in the document\'s codes, each with {"error"}', () => {
  const h = withProxy({ keys: KEYS, settings: { proxyKeys: [TOKEN] } });
  const allActive = async (): Promise<boolean> => (await h.proxy.status(AUTH)).keys.every((key) => key.state === 'active');

  it.each([
    ['bad JSON', '{"contents": ['],
    ['a body that is not an object', '[1]'],
    ['bad contents', { contents: 'hi' }],
    ['a bad part', { contents: [{ role: 'user', parts: [{ image: 'x' }] }] }],
    ['bad inline data', { contents: [{ role: 'user', parts: [{ inline_data: { mime_type: 'image/png', data: 'not base64!' } }] }] }],
    ['a declared image that is none', { contents: [{ role: 'user', parts: [{ inline_data: { mime_type: 'image/png', data: 'aGVsbG8gd29ybGQ=' } }] }] }],
    ['a bad setting', { contents: [HI], max_tokens: -1 }],
  ])('400 for %s, before any upstream call', async (_name, body) => {
    expectError(await post(h.proxy.url, body), 400);
    expect(h.upstream.requests).toHaveLength(0);
    expect(await allActive()).toBe(true);
  });

  it('400 for the wrong method (the document has no 405)', async () => {
    const response = await rawRequest(h.proxy.url, { method: 'GET', path: PATH, headers: AUTH });
    expect(expectError(response, 400)).toMatch(/method/);
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('400 from upstream (INVALID_ARGUMENT) goes back as 400; no key blamed', async () => {
    h.upstream.next(fail('invalidArgument'));
    expect(expectError(await post(h.proxy.url, { contents: [HI] }), 400)).toMatch(/^Invalid JSON payload received/);
    expect(h.upstream.requests).toHaveLength(1);
    expect(await allActive()).toBe(true);
  });

  it.each([
    ['no proxy key', {}],
    ['a wrong proxy key', { authorization: 'Bearer not-the-token' }],
  ])('401 for %s', async (_name, headers) => {
    const response = await post(h.proxy.url, { contents: [HI] }, { headers });
    expectError(response, 401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('403 for an upstream PERMISSION_DENIED about the request (another project\'s file); no key blamed', async () => {
    h.upstream.setDefault(fail('fileOfAnotherProject'));
    expect(expectError(await post(h.proxy.url, { contents: [HI] }), 403)).toMatch(/permission to access the File/);
    expect(h.upstream.requests).toHaveLength(1);
    expect(await allActive()).toBe(true);
  });

  it.each([false, true])('404 for a model upstream does not know (stream: %s)', async (stream) => {
    expect(expectError(await post(h.proxy.url, { model: 'no-such-model', contents: [HI], stream }), 404)).toMatch(/not found/);
    expect(h.upstream.requests).toHaveLength(1);
    expect(await allActive()).toBe(true);
  });

  it('429 with Retry-After when every key is rate-limited, then at once without an upstream call', async () => {
    h.upstream.setDefault(fail('quotaPerMinute', '30s'));
    const first = await post(h.proxy.url, { contents: [HI] });
    expectError(first, 429);
    expect(first.headers['retry-after']).toBe('30');
    expect(h.upstream.requests).toHaveLength(KEYS.length);
    const second = await post(h.proxy.url, { contents: [HI] });
    expectError(second, 429);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    expect(h.upstream.requests).toHaveLength(KEYS.length);
  });

  it('500 when every key meets an overloaded upstream (Google\'s 503)', async () => {
    h.upstream.setDefault(fail('overloaded'));
    const response = await post(h.proxy.url, { contents: [HI] });
    expect(expectError(response, 500)).toMatch(/overloaded/);
    expect(response.headers['x-should-retry']).toBe('false');
    expect(await allActive()).toBe(true);
  });

  it('500 when the only relay cannot be reached (the proxy\'s 502)', async () => {
    const proxy = await h.restart({ relays: [`http://127.0.0.1:${await closedPort()}`] });
    expectError(await post(proxy.url, { contents: [HI] }), 500);
  });
});

/**
 * The Ollama API on the wire: NDJSON framing, the default-streaming rule, the probe at `/`,
 * Ollama's error shape on every route, validation before any key is used, streams that fail or
 * are left, keep-alive lines (and the OpenAI stream's keep-alive comments), and canary keys.
 */

import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { chunk, controlledStream, fail } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { rawRequest, type RawResponse, expectErrorMessage } from '../support/http.js';
import { withProxy } from '../support/harness.js';

const TOKEN = 'ollama-http-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MODEL = 'gemini-2.5-flash';
const USER = [{ role: 'user', content: 'hi' }];

/** A response read as it arrives. */
interface Opened {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Resolves with the text so far once it satisfies `predicate`; rejects if the body ends first. */
  until(predicate: (text: string) => boolean): Promise<string>;
  /** The whole body, once the response ended or was cut. */
  readonly ended: Promise<string>;
  destroy(): void;
}

function open(base: string, path: string, body: unknown, headers: Record<string, string> = AUTH): Promise<Opened> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      let waiters: { predicate: (text: string) => boolean; resolve: (text: string) => void; reject: (error: Error) => void }[] = [];
      const ended = new Promise<string>((done) => res.on('close', () => {
        for (const waiter of waiters) waiter.reject(new Error(`body ended without the awaited text: ${JSON.stringify(text)}`));
        waiters = [];
        done(text);
      }));
      res.on('error', () => undefined);
      res.setEncoding('utf8');
      res.on('data', (data: string) => {
        text += data;
        waiters = waiters.filter((waiter) => {
          if (!waiter.predicate(text)) return true;
          waiter.resolve(text);
          return false;
        });
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        until: (predicate) => (predicate(text) ? Promise.resolve(text) : new Promise((ok, no) => waiters.push({ predicate, resolve: ok, reject: no }))),
        ended,
        destroy: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** NDJSON lines: every one ends with `\n` and parses. */
function lines(text: string): Record<string, unknown>[] {
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

const hasLine = (text: string): boolean => text.includes('\n');

const expectOllamaError = expectErrorMessage;

describe('ollama API over HTTP', () => {
  const h = withProxy({ keys: ['key-a', 'key-b'], settings: { proxyKeys: [TOKEN] } });
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH): Promise<RawResponse> => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    // An explicit length: node sends a DELETE's body unframed otherwise.
    const framing = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
    return rawRequest(h.proxy.url, { method, path, headers: { ...framing, ...headers }, body: text });
  };
  const untouched = async (): Promise<void> => {
    expect(h.upstream.requests).toHaveLength(0);
    expect((await h.proxy.status(AUTH)).keys.map((key) => [key.state, key.coolingUntil])).toEqual([['active', undefined], ['active', undefined]]);
  };

  it.each([
    ['/api/chat', { model: MODEL, messages: USER }, 'message'],
    ['/api/generate', { model: MODEL, prompt: 'hi' }, 'response'],
  ])('%s streams NDJSON when `stream` is absent: partial lines, then one done line', async (path, body, field) => {
    const response = await send('POST', path, body);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const all = lines(response.body);
    expect(all.length).toBeGreaterThan(2);
    expect(all.slice(0, -1).every((line) => line['done'] === false && line['model'] === MODEL)).toBe(true);
    const text = all.map((line) => { const value = line[field]; return typeof value === 'string' ? value : (value as { content: string }).content; }).join('');
    expect(text).toBe('Hello from fake Gemini: hi');
    const final = all.at(-1) ?? {};
    expect(final).toMatchObject({ done: true, done_reason: 'stop', load_duration: 0, prompt_eval_count: 4, eval_count: 3 });
    for (const name of ['total_duration', 'prompt_eval_duration', 'eval_duration']) expect(Number.isInteger(final[name]), name).toBe(true);
    expect(typeof final['created_at']).toBe('string');
  });

  it('stream:false answers one JSON object; empty messages only load, with no upstream call', async () => {
    const whole = await send('POST', '/api/chat', { model: MODEL, messages: USER, stream: false });
    expect(whole.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(whole.body)).toMatchObject({ model: MODEL, message: { role: 'assistant', content: 'Hello from fake Gemini: hi' }, done: true, done_reason: 'stop' });
    expect(h.upstream.requests[0]?.pathname).toBe(`/v1beta/models/${MODEL}:generateContent`);
    const load = await send('POST', '/api/chat', { model: MODEL, messages: [] });
    expect(load.status).toBe(200);
    expect(JSON.parse(load.body)).toMatchObject({ model: MODEL, message: { role: 'assistant', content: '' }, done: true, done_reason: 'load' });
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('GET and HEAD / answer the probe without a proxy key; /api/ needs one', async () => {
    const get = await rawRequest(h.proxy.url, { path: '/' });
    expect(get).toMatchObject({ status: 200, body: 'Ollama is running' });
    expect(get.headers['content-type']).toMatch(/^text\/plain/);
    const head = await rawRequest(h.proxy.url, { method: 'HEAD', path: '/' });
    expect(head).toMatchObject({ status: 200, body: '' });
    expectOllamaError(await send('GET', '/api/tags', undefined, {}), 401);
  });

  it('management routes are 403, unknown routes 404, wrong methods 405: all {"error"}', async () => {
    for (const [method, path] of [['POST', '/api/pull'], ['POST', '/api/push'], ['POST', '/api/create'], ['POST', '/api/copy'], ['DELETE', '/api/delete'], ['POST', '/api/blobs/sha256:abc']] as const) {
      const message = expectOllamaError(await send(method, path, { model: 'llama3' }), 403);
      expect(message).toMatch(/models/);
      expect(message).toMatch(/upstream/);
    }
    expect((await send('HEAD', '/api/blobs/sha256:abc')).status).toBe(403);
    expectOllamaError(await send('POST', '/api/nope', {}), 404);
    expectOllamaError(await send('GET', '/api/nope'), 404);
    for (const [method, path] of [['GET', '/api/chat'], ['PUT', '/api/generate'], ['POST', '/api/tags'], ['GET', '/api/show'], ['DELETE', '/api/version'], ['GET', '/api/embed']] as const) {
      expectOllamaError(await send(method, path), 405);
    }
    await untouched();
  });

  it('bad input on every route is a 400 {"error"} before any key is used', async () => {
    const chat = (extra: Record<string, unknown>): unknown => ({ model: MODEL, messages: USER, ...extra });
    const cases: [string, unknown][] = [
      ['/api/chat', '{not json'], ['/api/chat', { messages: USER }], ['/api/chat', chat({ messages: 'hi' })],
      ['/api/chat', chat({ messages: [{ role: 'wizard', content: 'x' }] })],
      ['/api/chat', chat({ options: { temperature: 'hot' } })], ['/api/chat', chat({ options: { temperature: 5 } })],
      ['/api/chat', chat({ think: 'very' })], ['/api/chat', chat({ format: 42 })],
      ['/api/chat', chat({ messages: [{ role: 'user', content: 'x', images: ['not base64!'] }] })],
      ['/api/generate', '{not json'], ['/api/generate', { prompt: 'x' }], ['/api/generate', { model: MODEL, prompt: 'x', suffix: 'y' }],
      ['/api/generate', { model: MODEL, prompt: 'x', options: { top_p: 2 } }],
      ['/api/embed', { model: 'gemini-embedding-001', input: 42 }], ['/api/embed', { input: 'x' }],
      ['/api/embeddings', { model: 'gemini-embedding-001', prompt: 42 }], ['/api/show', {}], ['/api/show', '{not json'],
    ];
    for (const [path, body] of cases) expectOllamaError(await send('POST', path, body), 400);
    await untouched();
  });

  it('embed without input and embeddings without prompt only load the model: no upstream call', async () => {
    expect(JSON.parse((await send('POST', '/api/embed', { model: 'gemini-embedding-001' })).body)).toMatchObject({ embeddings: [] });
    expect(JSON.parse((await send('POST', '/api/embeddings', { model: 'gemini-embedding-001' })).body)).toEqual({ embedding: [] });
    await untouched();
  });

  it('show of an unknown model is 404 naming it', async () => {
    expect(expectOllamaError(await send('POST', '/api/show', { model: 'x' }), 404)).toBe("model 'x' not found");
  });

  it('every key rate-limited: 429 with Retry-After, in Ollama\'s shape', async () => {
    h.upstream.setDefault(fail('quotaPerMinute', '30s'));
    const response = await send('POST', '/api/chat', { model: MODEL, messages: USER });
    expectOllamaError(response, 429);
    expect(response.headers['retry-after']).toBe('30');
  });

  /** A stream from a controlled upstream, opened on the proxy. */
  /**
   * A stream opened through the proxy. The proxy holds the headers until the first content (or
   * the keep-alive interval): `first`, when given, is that content.
   */
  const started = async (path: string, body: unknown, first?: string) => {
    const stream = controlledStream();
    h.upstream.next(stream.behaviour);
    const opening = open(h.proxy.url, path, body);
    await stream.started;
    if (first !== undefined) stream.send(first);
    return { stream, response: await opening };
  };

  it.each([
    ['cut', 'upstream stream failed after the response started'],
    ['end', 'upstream stream ended without a finish reason'],
  ] as const)('an upstream stream that %ss before a finish reason ends with an {"error"} line and a warning', async (how, warning) => {
    const { stream, response } = await started('/api/chat', { model: MODEL, messages: USER }, 'partial');
    await response.until(hasLine);
    stream[how]();
    const all = lines(await response.ended);
    expect(all[0]).toMatchObject({ message: { content: 'partial' }, done: false });
    expect(all.at(-1)).toEqual({ error: expect.any(String) as string });
    expect(all.some((line) => line['done'] === true)).toBe(false);
    expect((await h.proxy.logs.waitFor((line) => line.msg === warning)).level).toBe('warn');
    expect((await h.proxy.status(AUTH)).keys.every((key) => key.state === 'active')).toBe(true);
  });

  it('a client that goes away mid-stream aborts the upstream request', async () => {
    const { response } = await started('/api/generate', { model: MODEL, prompt: 'hi' }, 'one');
    await response.until(hasLine);
    response.destroy();
    await h.upstream.requests[0]?.closed;
    expect(h.upstream.requests[0]?.closedEarly).toBe(true);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it.each([
    ['/api/chat', { model: MODEL, messages: USER }, { message: { role: 'assistant', content: '' } }, 'message'],
    ['/api/generate', { model: MODEL, prompt: 'hi' }, { response: '' }, 'response'],
  ])('%s sends empty partial lines while Gemini is silent (keep-alive)', async (path, body, empty, field) => {
    await h.restart({ settings: { proxyKeys: [TOKEN], keepaliveIntervalMs: 20 } });
    const { stream, response } = await started(path, body);
    const first = JSON.parse((await response.until(hasLine)).split('\n')[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(['created_at', 'done', 'model', field].sort());
    expect(first).toMatchObject({ model: MODEL, ...empty, done: false });
    stream.send('Hello', 'STOP');
    stream.end();
    const all = lines(await response.ended);
    expect(all.filter((line) => JSON.stringify(line).includes('Hello'))).toHaveLength(1);
    expect(all.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
  });

  it('the OpenAI stream sends ": keep-alive" comments while Gemini is silent', async () => {
    await h.restart({ settings: { proxyKeys: [TOKEN], keepaliveIntervalMs: 20 } });
    const { stream, response } = await started('/v1/chat/completions', { model: MODEL, messages: USER, stream: true });
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(await response.until((text) => text.includes(': keep-alive\n\n'))).toMatch(/^: keep-alive\n\n/);
    stream.send('Hello', 'STOP');
    stream.end();
    const text = await response.ended;
    expect(text).toContain('"content":"Hello"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('the openai SDK parses a stream holding keep-alive comments', async () => {
    await h.restart({ settings: { proxyKeys: [TOKEN], keepaliveIntervalMs: 20 } });
    const stream = controlledStream();
    h.upstream.next(stream.behaviour);
    let sawKeepAlive: () => void = () => undefined;
    const keptAlive = new Promise<void>((resolve) => {
      sawKeepAlive = resolve;
    });
    const tap: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (response.body === null) return response;
      const decoder = new TextDecoder();
      let seen = '';
      const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
        transform(piece, controller) {
          seen += decoder.decode(piece, { stream: true });
          if (seen.includes(': keep-alive')) sawKeepAlive();
          controller.enqueue(piece);
        },
      }));
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const client = new OpenAI({ apiKey: TOKEN, baseURL: `${h.proxy.url}/v1`, maxRetries: 0, fetch: tap });
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true });
    const reading = (async () => {
      let text = '';
      for await (const item of completion) text += item.choices[0]?.delta.content ?? '';
      return text;
    })();
    await keptAlive;
    stream.send('Hello', 'STOP');
    stream.end();
    expect(await reading).toBe('Hello');
  });
});

const canary = (): string => `CANARY-${randomBytes(12).toString('hex')}`;
const KEYS = [canary(), canary(), canary()];
const SECRET_TOKEN = canary();

describe('ollama answers never show a key', () => {
  const h = withProxy({ keys: KEYS, settings: { proxyKeys: [SECRET_TOKEN] } });
  const auth = { authorization: `Bearer ${SECRET_TOKEN}` };
  const echo = (name: 'apiKeyInvalid' | 'suspended'): Behaviour => (request, res) => fail(name, request.key ?? '')(request, res);
  const badRequest: Behaviour = (request, res) => {
    res.writeHead(400, { 'content-type': 'application/json', 'x-debug-key': request.key ?? '' });
    res.end(JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message: `Bad request for key ${request.key ?? ''}` } }));
  };
  const errorFrame: Behaviour = (request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(chunk('partial'))}\r\n\r\n`);
    res.end(`data: ${JSON.stringify({ error: { code: 500, status: 'INTERNAL', message: `Internal error for key ${request.key ?? ''}` } })}\r\n\r\n`);
  };

  it('in error answers, stream error lines, headers and logs', async () => {
    const responses: RawResponse[] = [];
    const post = async (path: string, body: unknown): Promise<void> => {
      // Keys disabled by the last echo come back, so every request reaches the upstream.
      for (const record of h.proxy.daemon.rotator.keys) {
        h.proxy.daemon.rotator.enable(record, 'test');
        record.cooling.clear();
      }
      responses.push(await rawRequest(h.proxy.url, { method: 'POST', path, headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) }));
    };
    h.upstream.next(echo('apiKeyInvalid'));
    await post('/api/chat', { model: MODEL, messages: USER, stream: false });
    h.upstream.next(echo('apiKeyInvalid'), echo('apiKeyInvalid'), echo('apiKeyInvalid'));
    await post('/api/generate', { model: MODEL, prompt: 'x' });
    h.upstream.next(badRequest);
    await post('/api/chat', { model: MODEL, messages: USER });
    h.upstream.next(echo('suspended'), echo('suspended'), echo('suspended'));
    await post('/api/embed', { model: 'gemini-embedding-001', input: 'x' });
    h.upstream.next(errorFrame);
    await post('/api/chat', { model: MODEL, messages: USER });
    expect(responses.map((response) => response.status)).toEqual([200, 503, 400, 503, 200]);
    expect(responses[2]?.body).toContain('[redacted]');
    expect(lines(responses[4]?.body ?? '').at(-1)).toEqual({ error: expect.stringContaining('[redacted]') as string });
    expect(h.upstream.requests.length).toBeGreaterThanOrEqual(9);
    const seen = [JSON.stringify(responses), h.proxy.logs.raw.join('\n')];
    expect(h.proxy.logs.lines.some((line) => line.level === 'warn')).toBe(true);
    for (const secret of [...KEYS, SECRET_TOKEN]) {
      for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), secret.slice(7)]) {
        for (const text of seen) expect(text).not.toContain(form);
      }
    }
  });
});

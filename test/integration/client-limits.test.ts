/**
 * Limits one client cannot get past: the per-client request rate (429 before any key or body is
 * touched) and the budget for request bodies held at once (503 without touching a key).
 */

import { request as httpRequest, type ClientRequest, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/config/settings.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { FakeGemini } from '../support/fake-gemini.js';
import type { LogLine } from '../support/log-sink.js';
import { GENERATE_PATH, generate, rawRequest, type RawResponse } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const POOL_KEY = 'pool-key-secret-1';
const TOKEN_A = 'proxy-token-alpha';
const TOKEN_B = 'proxy-token-beta';
const THREE_PER_MINUTE = { requests: 3, perMs: 60_000 };
const CHAT_BODY = JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

let upstream: FakeGemini;
let proxy: TestProxy;
let now = 1_750_000_000_000;

async function start(settings: Partial<Settings>): Promise<void> {
  upstream = await FakeGemini.start();
  proxy = await startProxy({ keys: [POOL_KEY], relays: [upstream.url], settings, now: () => now });
}

afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

/** `count` Gemini requests at once with these headers; their statuses, in order. */
async function burst(count: number, headers: Record<string, string>): Promise<RawResponse[]> {
  return Promise.all(Array.from({ length: count }, () => generate(proxy.url, headers)));
}

const statuses = (responses: RawResponse[]): number[] => responses.map((response) => response.status).sort();

describe('per-client rate limit', () => {
  it('lets N of N+k through to the upstream; k get 429 in Gemini\'s shape with Retry-After', async () => {
    await start({ proxyKeys: [TOKEN_A, TOKEN_B], rateLimit: THREE_PER_MINUTE });
    const responses = await burst(5, bearer(TOKEN_A));
    expect(statuses(responses)).toEqual([200, 200, 200, 429, 429]);
    expect(upstream.requests).toHaveLength(3);
    for (const refused of responses.filter((response) => response.status === 429)) {
      expect(refused.headers['retry-after']).toBe('20');
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [
        { reason: 'GP_CLIENT_RATE_LIMITED', domain: 'gemini-proxy' },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '20s' },
      ] } });
    }
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request' && entry['status'] === 429);
    expect(line).toMatchObject({ path: GENERATE_PATH, protocol: 'gemini', attempts: [], bytesIn: 0 });
  });

  it('answers in OpenAI\'s shape on /v1/chat/completions', async () => {
    await start({ proxyKeys: [TOKEN_A], rateLimit: THREE_PER_MINUTE });
    const post = (): Promise<RawResponse> => rawRequest(proxy.url, {
      method: 'POST', path: '/v1/chat/completions', headers: { ...bearer(TOKEN_A), 'content-type': 'application/json' }, body: CHAT_BODY,
    });
    const responses = await Promise.all([post(), post(), post(), post()]);
    expect(statuses(responses)).toEqual([200, 200, 200, 429]);
    expect(upstream.requests).toHaveLength(3);
    const refused = responses.find((response) => response.status === 429);
    expect(refused?.headers['retry-after']).toBe('20');
    expect(JSON.parse(refused?.body ?? '')).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
  });

  it('another proxy key has its own bucket; a wrong key is refused without spending any', async () => {
    await start({ proxyKeys: [TOKEN_A, TOKEN_B], rateLimit: THREE_PER_MINUTE });
    expect(statuses(await burst(5, bearer('not-a-token')))).toEqual([401, 401, 401, 401, 401]);
    expect(statuses(await burst(4, bearer(TOKEN_A)))).toEqual([200, 200, 200, 429]);
    expect(statuses(await burst(4, { 'x-goog-api-key': TOKEN_B }))).toEqual([200, 200, 200, 429]);
    expect(upstream.requests).toHaveLength(6);
  });

  it('refills on the clock: one request per interval, Retry-After rounded up to whole seconds', async () => {
    await start({ proxyKeys: [TOKEN_A], rateLimit: THREE_PER_MINUTE });
    await burst(3, bearer(TOKEN_A));
    now += 20_000;
    expect(statuses(await burst(2, bearer(TOKEN_A)))).toEqual([200, 429]);
    now += 19_001;
    const early = await generate(proxy.url, bearer(TOKEN_A));
    expect(early.status).toBe(429);
    expect(early.headers['retry-after']).toBe('1');
    now += 999;
    expect((await generate(proxy.url, bearer(TOKEN_A))).status).toBe(200);
    expect(upstream.requests).toHaveLength(5);
  });

  it('answers before reading the body', async () => {
    await start({ proxyKeys: [TOKEN_A], rateLimit: { requests: 1, perMs: 60_000 } });
    await generate(proxy.url, bearer(TOKEN_A));
    // A body declared but never sent: only an answer that does not wait for it can arrive.
    const { response } = send({ path: GENERATE_PATH, headers: { ...bearer(TOKEN_A), 'content-length': '500' }, body: '{"contents":', end: false });
    const refused = await response;
    expect(refused.status).toBe(429);
    expect(refused.headers.connection).toBe('close');
    expect(upstream.requests).toHaveLength(1);
  });

  it('never limits /healthz, /status or /metrics', async () => {
    await start({ proxyKeys: [TOKEN_A], rateLimit: { requests: 1, perMs: 3_600_000 } });
    expect(statuses(await burst(2, bearer(TOKEN_A)))).toEqual([200, 429]);
    for (let i = 0; i < 3; i++) {
      for (const path of ['/healthz', '/status', '/metrics']) {
        expect((await rawRequest(proxy.url, { path, headers: bearer(TOKEN_A) })).status).toBe(200);
      }
    }
  });

  it('without proxy keys, a client is its address', async () => {
    await start({ rateLimit: { requests: 2, perMs: 1_000 } });
    expect(statuses(await burst(3, {}))).toEqual([200, 200, 429]);
    const other = await send({ path: GENERATE_PATH, headers: { 'content-type': 'application/json' }, body: '{}', localAddress: '127.0.0.2' }).response;
    expect(other.status).toBe(200);
    expect(upstream.requests).toHaveLength(3);
  });

  it('is off by default', async () => {
    await start({ proxyKeys: [TOKEN_A] });
    expect(statuses(await burst(20, bearer(TOKEN_A))).every((status) => status === 200)).toBe(true);
    expect(upstream.requests).toHaveLength(20);
  });
});

/** Holds upstream answers until the test lets them go. */
function heldAnswers(): { behaviour: Behaviour; answerAll(): void } {
  const held: ServerResponse[] = [];
  return {
    behaviour: (_request, res) => void held.push(res),
    answerAll: () => {
      // An answer that says something: an empty one ('{}') would go to the next key (issue 12 §4).
      const answer = '{"candidates":[{"content":{"parts":[{"text":"ok"}]},"finishReason":"STOP"}]}';
      for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    },
  };
}

/** A request the test can leave open or cut: `end: false` sends the headers and `body` only. */
function send(options: {
  path: string; headers: Record<string, string>; body: string; end?: boolean; localAddress?: string;
}): { req: ClientRequest; response: Promise<RawResponse> } {
  const url = new URL(proxy.url);
  let req: ClientRequest | undefined;
  const response = new Promise<RawResponse>((resolve, reject) => {
    req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: options.path, headers: options.headers,
      ...(options.localAddress && { localAddress: options.localAddress }) }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
  if (req === undefined) throw new Error('no request');
  // A test that fails early leaves held requests to be cut at close: not an unhandled rejection.
  response.catch(() => undefined);
  if (options.end === false) req.write(options.body);
  else req.end(options.body);
  return { req, response };
}

/** A Gemini body of exactly `bytes` bytes. */
function bodyOf(bytes: number): string {
  const shell = JSON.stringify({ contents: [{ parts: [{ text: '' }] }] });
  return JSON.stringify({ contents: [{ parts: [{ text: 'x'.repeat(bytes - shell.length) }] }] });
}

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('the in-flight body budget', () => {
  /** Two 1 KiB bodies held by an upstream that has not answered: the whole 2 KiB budget. */
  async function holdTwoBodies(upstreamBehaviour: Behaviour): Promise<{ req: ClientRequest; response: Promise<RawResponse> }[]> {
    await start({ maxBodyBytes: 1024, maxInflightBodyBytes: 2048 });
    upstream.next(upstreamBehaviour, upstreamBehaviour);
    const held = [send({ path: GENERATE_PATH, headers: JSON_HEADERS, body: bodyOf(1024) }),
      send({ path: GENERATE_PATH, headers: JSON_HEADERS, body: bodyOf(1024) })];
    await upstream.waitForRequests(2);
    return held;
  }

  /** Resolves once the proxy has closed these requests (the budget is released before their log line). */
  async function closedByProxy(responses: RawResponse[]): Promise<void> {
    for (const response of responses) {
      await proxy.logs.waitFor((entry) => entry.msg === 'request' && entry['reqId'] === response.headers['x-request-id']);
    }
  }

  it('a body with no room gets 503 GP_BUSY, Retry-After: 1, the connection closed, and reaches no upstream', async () => {
    const answers = heldAnswers();
    const held = await holdTwoBodies(answers.behaviour);
    const refused = await send({ path: GENERATE_PATH, headers: JSON_HEADERS, body: bodyOf(100) }).response;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['x-should-retry']).toBeUndefined();
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE', details: [
      { reason: 'GP_BUSY' }, { retryDelay: '1s' },
    ] } });
    expect(upstream.requests).toHaveLength(2);
    answers.answerAll();
    await closedByProxy(await Promise.all(held.map((request) => request.response)));
    expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests).toHaveLength(3);
  });

  it('a chunked body is counted as it arrives, and refused in OpenAI\'s shape on OpenAI routes', async () => {
    const answers = heldAnswers();
    const held = await holdTwoBodies(answers.behaviour);
    const refused = await send({ path: '/v1/chat/completions', headers: { ...JSON_HEADERS, 'transfer-encoding': 'chunked' }, body: CHAT_BODY }).response;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toMatchObject({ error: { type: 'server_error', code: 'GP_BUSY' } });
    expect(upstream.requests).toHaveLength(2);
    answers.answerAll();
    expect((await Promise.all(held.map((request) => request.response))).map((response) => response.status)).toEqual([200, 200]);
  });

  it('clients that leave give their bodies back', async () => {
    const held = await holdTwoBodies(() => undefined);
    for (const { req } of held) req.destroy();
    const gone = (entry: LogLine): boolean => entry.msg === 'request' && entry['status'] === 499;
    const first = await proxy.logs.waitFor(gone);
    await proxy.logs.waitFor((entry) => gone(entry) && entry['reqId'] !== first['reqId']);
    expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests).toHaveLength(3);
  });
});

/**
 * The Live relay on the wire, with a plain `ws` client: frame types, close codes both ways, the
 * plain HTTP refusals before an upgrade, keys running out, canaries, shutdown.
 */

import { once } from 'node:events';
import { request, type IncomingHttpHeaders } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeLive, INVALID_KEY, RATE_LIMITED } from '../support/fake-live.js';
import { startProxy, type ProxyOptions, type TestProxy } from '../support/proxy.js';

const POOL_KEY = 'live-wire-pool-key-c0ffee42';
const SECOND_KEY = 'live-wire-second-key-d15ea5e';
const CLIENT_TOKEN = 'live-wire-client-token-8a8a';
const LIVE_PATH = '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';
const SETUP = JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview' } });

interface Frame {
  readonly data: Buffer;
  readonly binary: boolean;
}

interface Closed {
  readonly code: number;
  readonly reason: string;
}

interface RawSession {
  readonly ws: WebSocket;
  /** The headers of the proxy's 101 answer. */
  readonly headers: IncomingHttpHeaders;
  /** Every frame received so far. */
  readonly frames: Frame[];
  /** Resolves once `count` frames have arrived. */
  frame(count: number): Promise<Frame>;
  readonly closed: Promise<Closed>;
}

interface Refusal {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Opens a WebSocket on the proxy; rejects if the upgrade is refused. */
async function open(url: string, headers: Record<string, string> = {}): Promise<RawSession> {
  const ws = new WebSocket(url, { headers });
  const frames: Frame[] = [];
  let waiters: { count: number; resolve: (frame: Frame) => void }[] = [];
  ws.on('message', (data, binary) => {
    frames.push({ data: Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), binary });
    waiters = waiters.filter((waiter) => frames.length < waiter.count || (waiter.resolve(frames[waiter.count - 1] as Frame), false));
  });
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  // Both in one tick: listen to both first.
  const [[upgraded]] = (await Promise.all([once(ws, 'upgrade'), once(ws, 'open')])) as [[{ headers: IncomingHttpHeaders }], unknown];
  const frame = (count: number): Promise<Frame> => {
    const found = frames[count - 1];
    return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ count, resolve }));
  };
  return { ws, headers: upgraded.headers, frames, frame, closed };
}

/** The plain HTTP answer to an upgrade the proxy refuses. */
function refusal(url: string, headers: Record<string, string> = {}): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => undefined);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
  });
}

/** A raw upgrade request with the given headers; resolves with the answer's status and body. */
function rawUpgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: 'Upgrade', ...headers } });
    req.once('upgrade', () => reject(new Error('the upgrade was accepted')));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('the Live relay on the wire', () => {
  let upstream: FakeLive;
  let proxy: TestProxy | undefined;

  function liveUrl(path = LIVE_PATH, query = `?key=${CLIENT_TOKEN}`): string {
    if (proxy === undefined) throw new Error('no proxy');
    return `${proxy.url.replace('http', 'ws')}${path}${query}`;
  }

  async function restart(options: Partial<ProxyOptions> = {}): Promise<TestProxy> {
    await proxy?.close();
    proxy = await startProxy({ keys: [POOL_KEY], relays: [upstream.url], settings: { proxyKeys: [CLIENT_TOKEN] }, ...options });
    return proxy;
  }

  /** A session past its setup. */
  async function started(url = liveUrl(), headers: Record<string, string> = {}): Promise<RawSession> {
    const session = await open(url, headers);
    session.ws.send(SETUP);
    await session.frame(1);
    return session;
  }

  function sessionLine(): Promise<Record<string, unknown>> {
    if (proxy === undefined) throw new Error('no proxy');
    return proxy.logs.waitFor((line) => line['event'] === 'live-session');
  }

  beforeEach(async () => {
    upstream = await FakeLive.start([POOL_KEY, SECOND_KEY]);
    await restart();
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await upstream.close();
  });

  it('keeps each frame\'s type both ways, and counts them in the session line', async () => {
    const session = await open(liveUrl());
    session.ws.send(SETUP);
    session.ws.send(Buffer.from(JSON.stringify({ clientContent: { turns: [{ role: 'user', parts: [{ text: 'bin' }] }], turnComplete: true } })), { binary: true });
    const [setupComplete, answer] = [await session.frame(1), await session.frame(2)];
    expect(setupComplete.binary).toBe(true);
    expect(JSON.parse(setupComplete.data.toString('utf8'))).toEqual({ setupComplete: {} });
    expect(answer.binary).toBe(true);
    const connection = await upstream.connection();
    expect(connection.received.map((frame) => frame.binary)).toEqual([false, true]);
    session.ws.close(1000);
    await session.closed;
    expect(await sessionLine()).toMatchObject({ framesToUpstream: 2, framesToClient: 2, bytesToUpstream: SETUP.length + connection.received[1]!.text.length });
  });

  it('passes the client\'s close code and reason upstream', async () => {
    const session = await started();
    const connection = await upstream.connection();
    session.ws.close(4001, 'done here');
    expect(await connection.closed).toEqual({ code: 4001, reason: 'done here' });
    expect(await session.closed).toEqual({ code: 4001, reason: 'done here' });
    expect(await sessionLine()).toMatchObject({ closedBy: 'client', clientCode: 4001, upstreamCode: 4001 });
  });

  it('closes the client with 1011 when the upstream connection drops, and upstream when the client\'s does', async () => {
    const first = await started();
    (await upstream.connection(0)).drop();
    expect(await first.closed).toEqual({ code: 1011, reason: 'the upstream connection was lost' });
    const second = await started();
    second.ws.terminate();
    expect(await (await upstream.connection(1)).closed).toEqual({ code: 1011, reason: 'the client connection was lost' });
  });

  it('takes the proxy key from x-goog-api-key too, on the single-slash path', async () => {
    const session = await started(liveUrl(LIVE_PATH, ''), { 'x-goog-api-key': CLIENT_TOKEN });
    expect((await upstream.connection()).key).toBe(POOL_KEY);
    session.ws.close();
    await session.closed;
    // The 101 names the session as its log line does.
    expect(await sessionLine()).toMatchObject({ sessionId: session.headers['x-request-id'], path: LIVE_PATH, status: 101 });
  });

  it('refuses a missing or wrong proxy key with 401 in Gemini\'s error shape', async () => {
    for (const query of ['', '?key=wrong-token']) {
      const refused = await refusal(liveUrl(`/${LIVE_PATH}`, query));
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    }
    expect(upstream.refused).toEqual([]);
  });

  it('refuses 404 on any other path, and on the Live paths when Gemini is not served', async () => {
    expect((await refusal(liveUrl('/ws/google.ai.generativelanguage.v1beta.GenerativeService.StreamSomething'))).status).toBe(404);
    expect((await refusal(liveUrl('/v1beta/models'))).status).toBe(404);
    await restart({ settings: { proxyKeys: [CLIENT_TOKEN], protocols: ['openai'] } });
    expect((await refusal(liveUrl())).status).toBe(404);
    expect(upstream.refused).toEqual([]);
  });

  it('refuses a malformed handshake with 400 before dialing upstream', async () => {
    const base = { upgrade: 'websocket', 'sec-websocket-version': '13', 'x-goog-api-key': CLIENT_TOKEN };
    const url = liveUrl(LIVE_PATH, '').replace('ws:', 'http:');
    const badNonce = await rawUpgrade(url, { ...base, 'sec-websocket-key': 'short' });
    expect(badNonce.status).toBe(400);
    expect(badNonce.body).toContain('Sec-WebSocket-Key');
    const badProtocol = await rawUpgrade(url, { ...base, 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'a, a' });
    expect(badProtocol.status).toBe(400);
    expect(upstream.refused).toEqual([]);
    expect(upstream.connections).toEqual([]);
  });

  it('answers 503 when every key is refused at the handshake, 429 with Retry-After when they are cooling', async () => {
    upstream.refuseKey(POOL_KEY, INVALID_KEY).refuseKey(SECOND_KEY, INVALID_KEY);
    await restart({ keys: [POOL_KEY, SECOND_KEY], settings: { proxyKeys: [CLIENT_TOKEN], maxAttempts: 5 } });
    const invalid = await refusal(liveUrl());
    expect(invalid.status).toBe(503);
    expect(JSON.parse(invalid.body)).toMatchObject({ error: { details: [{ reason: 'GP_NO_KEY_AVAILABLE' }] } });
    expect(upstream.refused.map((refused) => refused.key)).toEqual([POOL_KEY, SECOND_KEY]);

    upstream.refuseKey(POOL_KEY, RATE_LIMITED);
    await restart();
    const cooling = await refusal(liveUrl());
    expect(cooling.status).toBe(429);
    expect(Number(cooling.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('never shows a key: not in a frame, a close reason, a refusal or a log line', async () => {
    const echo = `Consumer 'api_key:${POOL_KEY}' has been suspended.`;
    const session = await started();
    (await upstream.connection()).push({ serverContent: { turnComplete: true } });
    await session.frame(2);
    (await upstream.connection()).close(1008, echo);
    const closed = await session.closed;
    expect(closed).toEqual({ code: 1008, reason: 'Consumer \'api_key:[redacted]\' has been suspended.' });
    await sessionLine();

    // Google's own refusal goes to the client as it was sent, scrubbed.
    upstream.refuseKey(POOL_KEY, { status: 400, body: JSON.stringify({ error: { code: 400, message: `bad request for ${POOL_KEY}`, status: 'INVALID_ARGUMENT' } }) });
    const refused = await refusal(liveUrl());
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('bad request for [redacted]');

    const seen = [...session.frames.map((frame) => frame.data.toString('utf8')), closed.reason, refused.body, ...(proxy?.logs.raw ?? [])].join('\n');
    expect(seen).not.toContain(POOL_KEY);
    expect(seen).not.toContain(CLIENT_TOKEN);
    expect(proxy?.logs.raw.length).toBeGreaterThan(0);
  });

  it('closes open sessions with 1001 on shutdown, on both sides', async () => {
    const session = await started();
    const connection = await upstream.connection();
    const closing = proxy?.daemon.shutdown(0);
    proxy = undefined;
    expect(await session.closed).toMatchObject({ code: 1001 });
    expect(await connection.closed).toMatchObject({ code: 1001 });
    await closing;
  });

  it('still serves a non-WebSocket upgrade (h2c) as an ordinary request', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${proxy?.url ?? ''}/healthz`, { headers: { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQAAP__' } });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.once('error', reject);
      req.end();
    });
    expect(answer.status).toBe(200);
  });
});

/**
 * Streams: chunk by chunk with backpressure, no retry once a byte reached the client, and a
 * client that goes away takes its upstream request with it.
 */

import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlledStream, fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { GENERATE_BODY, STREAM_PATH, rawRequest } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const decoder = new TextDecoder();

describe('streaming pass-through', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    proxy = await startProxy({ keys: ['key-one', 'key-two'], relays: [upstream.url] });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  const openStream = (signal?: AbortSignal) =>
    fetch(`${proxy.url}${STREAM_PATH}`, { method: 'POST', body: GENERATE_BODY, headers: { 'content-type': 'application/json' }, signal });

  /** A stream whose first chunk was sent: the proxy holds the headers until it (issue 12 §4). */
  const openedWith = async (stream: ReturnType<typeof controlledStream>, first: string, signal?: AbortSignal) => {
    const opening = openStream(signal);
    await stream.started;
    stream.send(first);
    return opening;
  };

  it('delivers each chunk before the upstream has written the next', async () => {
    const stream = controlledStream();
    upstream.next(stream.behaviour);
    const response = await openedWith(stream, 'first');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toContain('"text":"first"');
    stream.send('second', 'STOP');
    expect(decoder.decode((await reader.read()).value)).toContain('"text":"second"');
    stream.end();
    expect((await reader.read()).done).toBe(true);
  });

  it('passes the JSON-array stream (no alt=sse) through unchanged', async () => {
    const response = await rawRequest(proxy.url, {
      method: 'POST', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', body: GENERATE_BODY,
    });
    expect(response.status).toBe(200);
    const items = JSON.parse(response.body) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    expect(items.map((item) => item.candidates[0]?.content.parts[0]?.text)).toEqual(['Hello', ' from', ' fake Gemini: hi']);
  });

  it('a 429 before the first byte is retried on the next key, transparently', async () => {
    upstream.next(fail('quotaPerMinute', '20s'));
    const response = await openStream();
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('fake Gemini: hi');
    expect(upstream.requests.map((request) => request.key)).toEqual(['key-one', 'key-two']);
  });

  it('after the first byte, an upstream failure ends the stream: no retry, no second generation', async () => {
    const stream = controlledStream();
    upstream.next(stream.behaviour);
    const response = await openedWith(stream, 'partial');
    const reader = response.body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toContain('partial');
    stream.cut();
    await expect(reader.read()).rejects.toThrow();
    expect(upstream.requests).toHaveLength(1);
    const warning = await proxy.logs.waitFor((line) => line.msg === 'upstream stream failed after the response started');
    expect(warning.level).toBe('warn');
    expect((await proxy.status()).keys.every((key) => key.state === 'active')).toBe(true);
  });

  it('a stream silent for longer than --idle-timeout is cut, and its upstream request closed', async () => {
    await proxy.close();
    proxy = await startProxy({ keys: ['key-one'], relays: [upstream.url], settings: { idleTimeoutMs: 200 } });
    const stream = controlledStream();
    upstream.next(stream.behaviour);
    const response = await openedWith(stream, 'one');
    const reader = response.body!.getReader();
    await reader.read();
    await expect(reader.read()).rejects.toThrow();
    await upstream.requests[0]?.closed;
    expect(upstream.requests[0]?.closedEarly).toBe(true);
    expect(upstream.requests).toHaveLength(1);
  });

  it('a client that goes away aborts its upstream request', async () => {
    const stream = controlledStream();
    upstream.next(stream.behaviour);
    const controller = new AbortController();
    const response = await openedWith(stream, 'one', controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await upstream.requests[0]?.closed;
    expect(upstream.requests[0]?.closedEarly).toBe(true);
    expect(upstream.requests).toHaveLength(1);
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line).toMatchObject({ status: 200, aborted: true });
  });

  it('holds back the upstream when the client stops reading (backpressure), losing nothing', async () => {
    const stream = controlledStream();
    upstream.next(stream.behaviour);
    const socket = connect(Number(new URL(proxy.url).port), '127.0.0.1');
    socket.write(`POST ${STREAM_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(GENERATE_BODY)}\r\nConnection: close\r\n\r\n${GENERATE_BODY}`);
    socket.pause();
    await stream.started;
    const payload = 'x'.repeat(64 * 1024);
    const upstreamSide = stream.response;
    let written = 0;
    // Keep writing, yielding to the event loop between writes. If the proxy honours
    // backpressure, the bytes it will not take pile up in the upstream's own socket buffer;
    // a proxy that buffered everything would drain us all the way to the cap.
    while (upstreamSide.writableLength < 8 * 1024 * 1024 && written < 256 * 1024 * 1024) {
      stream.send(payload);
      written += payload.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(upstreamSide.writableLength).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    stream.end();
    socket.resume();
    let received = '';
    for await (const data of socket) received += (data as Buffer).toString('latin1');
    expect(received.split('"text":"x').length - 1).toBe(written / payload.length);
  });
});

/** The Live frame relay over fake sockets: backpressure, frame types, close codes, the end. */

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { fitReason, HIGH_WATER_BYTES, relayFrames, type FrameSocket, type SessionEnd } from '../../src/server/live/relay.js';

/** A socket whose writes complete only when the test says so (`flush`). */
class FakeSocket extends EventEmitter implements FrameSocket {
  readyState = 1;
  bufferedAmount = 0;
  paused = false;
  readonly sent: { text: string; binary: boolean }[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;
  #pending: (() => void)[] = [];

  send(data: Buffer, options: { binary: boolean }, callback: (error?: Error) => void): void {
    this.sent.push({ text: data.toString('utf8'), binary: options.binary });
    this.bufferedAmount += data.length;
    this.#pending.push(() => {
      this.bufferedAmount -= data.length;
      callback();
    });
  }

  /** Every pending frame is written, in order. */
  flush(): void {
    for (const written of this.#pending.splice(0)) written();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }

  receive(data: string | Buffer, binary: boolean): void {
    this.emit('message', Buffer.from(data), binary);
  }

  /** The socket is closed (as ws reports it once the connection is over). */
  closed(code: number, reason = ''): void {
    this.readyState = 3;
    this.emit('close', code, Buffer.from(reason));
  }
}

function relay(): { client: FakeSocket; upstream: FakeSocket; ends: SessionEnd[] } {
  const client = new FakeSocket();
  const upstream = new FakeSocket();
  const ends: SessionEnd[] = [];
  relayFrames(client, upstream, { scrub: (text) => text.replaceAll('secret-key', '[redacted]'), onEnd: (end) => ends.push(end) });
  return { client, upstream, ends };
}

describe('the Live frame relay', () => {
  it('pauses the reading side while the other side holds too much, and resumes once it drained', () => {
    const { client, upstream } = relay();
    client.receive('small', false);
    expect(client.paused).toBe(false);
    client.receive(Buffer.alloc(HIGH_WATER_BYTES), true);
    expect(client.paused).toBe(true);
    upstream.flush();
    expect(client.paused).toBe(false);
    expect(upstream.sent).toHaveLength(2);
  });

  it('applies backpressure the other way too', () => {
    const { client, upstream } = relay();
    upstream.receive(Buffer.alloc(HIGH_WATER_BYTES + 1), true);
    expect(upstream.paused).toBe(true);
    expect(client.paused).toBe(false);
    client.flush();
    expect(upstream.paused).toBe(false);
  });

  it('keeps each frame\'s type', () => {
    const { client, upstream } = relay();
    client.receive('{"setup":{}}', false);
    upstream.receive('{"setupComplete":{}}', true);
    expect(upstream.sent).toEqual([{ text: '{"setup":{}}', binary: false }]);
    expect(client.sent).toEqual([{ text: '{"setupComplete":{}}', binary: true }]);
  });

  it('drops frames once the other side is closing', () => {
    const { client, upstream } = relay();
    upstream.readyState = 2;
    client.receive('late', false);
    expect(upstream.sent).toEqual([]);
  });

  it.each([
    { code: 4001, reason: 'done', sent: [4001, 'done'] },
    { code: 1005, reason: '', sent: [undefined, undefined] },
    { code: 1006, reason: '', sent: [1011, 'the client connection was lost'] },
  ])('closes upstream as the client closed: $code', ({ code, reason, sent }) => {
    const { client, upstream } = relay();
    client.closed(code, reason);
    expect(upstream.closedWith).toEqual(sent);
  });

  it('closes the client with the upstream\'s code and its reason scrubbed, and ends once both are closed', () => {
    const { client, upstream, ends } = relay();
    client.receive('hello', false);
    upstream.receive('answer!', true);
    upstream.closed(1007, 'API key secret-key expired');
    expect(client.closedWith).toEqual([1007, 'API key [redacted] expired']);
    expect(ends).toEqual([]);
    client.closed(1007, 'API key [redacted] expired');
    expect(ends).toEqual([{
      closedBy: 'upstream', clientCode: 1007, upstreamCode: 1007, upstreamReason: 'API key [redacted] expired',
      toUpstream: { frames: 1, bytes: 5 }, toClient: { frames: 1, bytes: 7 },
    }]);
  });

  it('resumes a paused side before closing it, so it can read the answering close frame', () => {
    const { client, upstream } = relay();
    client.receive(Buffer.alloc(HIGH_WATER_BYTES + 1), true);
    expect(client.paused).toBe(true);
    upstream.closed(1011, 'Internal error occurred.');
    expect(client.paused).toBe(false);
    expect(client.closedWith).toEqual([1011, 'Internal error occurred.']);
  });

  it('cuts a reason to the 123 bytes a close frame holds, on a character boundary', () => {
    const reason = 'é'.repeat(100);
    expect(Buffer.byteLength(fitReason(reason))).toBe(122);
    expect(fitReason('short')).toBe('short');
  });
});

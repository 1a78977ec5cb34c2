/**
 * @module One Live session's frames, both ways. Each frame goes on with its own type (text or
 * binary: Google answers JSON in binary frames, wire-formats-2 §4.2); the reading side is paused
 * while the other side's send buffer is high; a close on either side is passed to the other
 * with its code and reason. Frames are counted, never looked into.
 */

import type { RawData } from 'ws';

/** Past this many bytes waiting to be sent to one side, the other side is no longer read. */
export const HIGH_WATER_BYTES = 1024 * 1024;
/** Reading resumes once what waits has drained below this. */
export const LOW_WATER_BYTES = 256 * 1024;
/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the code. */
const MAX_REASON_BYTES = 123;
const OPEN = 1;

/** What the relay uses of a `ws` WebSocket (the unit tests drive it with fakes). */
export interface FrameSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: boolean }, callback: (error?: Error) => void): void;
  pause(): void;
  resume(): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): this;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

export interface FrameCount {
  frames: number;
  bytes: number;
}

export type Side = 'client' | 'upstream';

/** How a session ended, for its log line. */
export interface SessionEnd {
  /** The side that closed first. */
  readonly closedBy: Side;
  /** The code each side's socket closed with (1005: none given, 1006: the connection dropped). */
  readonly clientCode: number;
  readonly upstreamCode: number;
  /** Google's close reason (scrubbed of secrets): why the session ended, if it was Google. */
  readonly upstreamReason: string;
  readonly toUpstream: FrameCount;
  readonly toClient: FrameCount;
}

export interface RelayOptions {
  /** Removes every known secret from a close reason that came from upstream. */
  readonly scrub: (text: string) => string;
  readonly onEnd: (end: SessionEnd) => void;
  readonly onError?: (side: Side, error: Error) => void;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/**
 * The codes a close frame may carry (RFC 6455 §7.4). 1005 (none given) and 1006 (no close
 * frame at all) only report what happened, and ws refuses to send them.
 */
export function isSendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** `reason` cut to what a close frame holds, on a character boundary. */
export function fitReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  let fitted = reason;
  while (Buffer.byteLength(fitted) > MAX_REASON_BYTES) fitted = fitted.slice(0, -1);
  return fitted;
}

/**
 * Closes `peer` as `from` was closed. A close without a code is passed on as one (the peer
 * reads 1005, as the sender meant); a dropped connection, which has no frame to pass, becomes
 * 1011 with a reason saying so.
 */
function passClose(peer: FrameSocket, from: Side, code: number, reason: string): void {
  // A paused reader would never read the peer's answering close frame, and wait out ws's timer.
  peer.resume();
  if (peer.readyState !== OPEN) return;
  if (code === 1005) peer.close();
  else if (isSendableCode(code)) peer.close(code, fitReason(reason));
  else peer.close(1011, `${from === 'client' ? 'the client' : 'the upstream'} connection was lost`);
}

/** Sends every message of `from` to `to`, pausing `from` while `to` has too much to send. */
function pump(from: FrameSocket, to: FrameSocket, count: FrameCount): void {
  let paused = false;
  // Each send's callback runs once its frame is written: the last one finds the buffer drained.
  const written = (): void => {
    if (paused && to.bufferedAmount <= LOW_WATER_BYTES) {
      paused = false;
      from.resume();
    }
  };
  from.on('message', (data, isBinary) => {
    // A frame after the other side began closing has nowhere to go; ws drops it the same way.
    if (to.readyState !== OPEN) return;
    const frame = toBuffer(data);
    count.frames++;
    count.bytes += frame.length;
    to.send(frame, { binary: isBinary }, written);
    if (!paused && to.bufferedAmount > HIGH_WATER_BYTES) {
      paused = true;
      from.pause();
    }
  });
}

/** Relays frames between two open sockets until both have closed, then calls `onEnd` once. */
export function relayFrames(client: FrameSocket, upstream: FrameSocket, options: RelayOptions): void {
  const toUpstream: FrameCount = { frames: 0, bytes: 0 };
  const toClient: FrameCount = { frames: 0, bytes: 0 };
  pump(client, upstream, toUpstream);
  pump(upstream, client, toClient);
  let closedBy: Side | undefined;
  let clientCode: number | undefined;
  let upstreamEnd: { code: number; reason: string } | undefined;
  const settle = (): void => {
    if (closedBy === undefined || clientCode === undefined || upstreamEnd === undefined) return;
    options.onEnd({ closedBy, clientCode, upstreamCode: upstreamEnd.code, upstreamReason: upstreamEnd.reason, toUpstream, toClient });
  };
  client.on('close', (code, reason) => {
    closedBy ??= 'client';
    clientCode = code;
    passClose(upstream, 'client', code, reason.toString('utf8'));
    settle();
  });
  upstream.on('close', (code, reason) => {
    closedBy ??= 'upstream';
    // Google's reasons are fixed sentences, but a relay may echo anything: a key among it.
    const text = options.scrub(reason.toString('utf8'));
    upstreamEnd = { code, reason: text };
    passClose(client, 'upstream', code, text);
    settle();
  });
  // ws emits `close` after every `error`; the error is only worth a debug line.
  client.on('error', (error) => options.onError?.('client', error));
  upstream.on('error', (error) => options.onError?.('upstream', error));
  // Now that every listener is on: a socket may come paused (the dialer holds upstream so).
  client.resume();
  upstream.resume();
}

/**
 * @module Scrubbing the error frame of a passed-through stream. Google ends a failing stream with
 * an error frame (`data: {"error": …}`) inside the 2xx body, and its message may echo a key. A
 * chunk without the marker `"error"` passes at once (one `indexOf`). From a chunk that holds it,
 * the body is held until the event ends (a blank line after the marker), then scrubbed as a
 * whole and written, so a key split across chunks is still found and a healthy stream that
 * merely mentions "error" is held for one event at most. A body without event ends (the JSON
 * array mode) is held to its end.
 */

import { TextDecoder } from 'node:util';

const MARKER = Buffer.from('"error"');
const MARKER_BYTES = new Set(MARKER);
/** SSE ends an event with a blank line; Google writes `\r\n\r\n`. */
const EVENT_ENDS = [Buffer.from('\r\n\r\n'), Buffer.from('\n\n'), Buffer.from('\r\r')];
/** Past this much held, it is written anyway, so a body that goes on cannot pile up. */
const HOLD_LIMIT = 1024 * 1024;

export class ErrorFrameGuard {
  readonly #scrub: (text: string) => string;
  #decoder: TextDecoder | undefined;
  /** From a marker to its event's end (or the body's, without event ends). */
  #holding = false;
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** The last bytes written (fewer than the marker's), so a marker split across chunks is seen. */
  #tail: Buffer = Buffer.alloc(0);

  constructor(scrub: (text: string) => string) {
    this.#scrub = scrub;
  }

  /** What to write now for `chunk` (undefined: nothing yet). */
  push(chunk: Buffer): Buffer | undefined {
    if (this.#holding) return this.#hold(chunk, 0);
    const marker = markerAt(this.#tail, chunk);
    if (marker === -1) {
      this.#tail = tailOf(this.#tail, chunk);
      return chunk;
    }
    this.#holding = true;
    return this.#hold(chunk, marker);
  }

  /** What is still held, scrubbed, once the body has ended. */
  end(): Buffer | undefined {
    return this.#heldBytes === 0 ? undefined : this.#release(this.#heldBytes, true);
  }

  /** Holds `chunk`; at the end of the event (after `from`), releases it and lets the rest pass. */
  #hold(chunk: Buffer, from: number): Buffer | undefined {
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    const end = eventEnd(chunk, from);
    if (end === -1) return this.#heldBytes > HOLD_LIMIT ? this.#release(this.#heldBytes, false) : undefined;
    this.#holding = false;
    const out = this.#release(this.#heldBytes - chunk.length + end, false);
    const rest = chunk.subarray(end);
    const more = rest.length === 0 ? undefined : this.push(rest);
    return more === undefined ? out : Buffer.concat([out, more]);
  }

  /** Writes the first `bytes` held, scrubbed, and drops them (the rest is the caller's). */
  #release(bytes: number, final: boolean): Buffer {
    const all = Buffer.concat(this.#held, this.#heldBytes);
    this.#held = [];
    this.#heldBytes = 0;
    this.#tail = Buffer.alloc(0);
    // One decoder while holding, so a character split across releases stays whole; an event
    // ends on a line break, so nothing is pending in it when holding stops.
    this.#decoder ??= new TextDecoder();
    return Buffer.from(this.#scrub(this.#decoder.decode(all.subarray(0, bytes), { stream: !final })));
  }
}

const TAIL = MARKER.length - 1;

/** The last TAIL bytes of what was written so far, `chunk` last. */
function tailOf(tail: Buffer, chunk: Buffer): Buffer {
  if (chunk.length >= TAIL) return chunk.subarray(chunk.length - TAIL);
  const joined = Buffer.concat([tail, chunk]);
  return joined.subarray(Math.max(0, joined.length - TAIL));
}

/** Where the marker starts in `next` (0 when it began in what was written before), or -1. */
function markerAt(tail: Buffer, next: Buffer): number {
  const at = next.indexOf(MARKER);
  if (at !== -1) return at;
  // Most chunks end with an event's blank line: no part of the marker can end there.
  if (tail.length === 0 || !MARKER_BYTES.has(tail[tail.length - 1] ?? 0)) return -1;
  return Buffer.concat([tail, next.subarray(0, TAIL)]).includes(MARKER) ? 0 : -1;
}

/** The index just past the first event end in `chunk` at or after `from`, or -1. */
function eventEnd(chunk: Buffer, from: number): number {
  let found = -1;
  for (const end of EVENT_ENDS) {
    const at = chunk.indexOf(end, from);
    if (at !== -1 && (found === -1 || at + end.length < found)) found = at + end.length;
  }
  return found;
}

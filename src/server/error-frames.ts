/**
 * @module Scrubbing the error frame of a passed-through stream. Google ends a failing stream with
 * an error frame (`data: {"error": …}`) inside the 2xx body, and its message may echo a key. Until
 * a chunk holds the marker, chunks pass at once (one `indexOf` each); from that chunk on, the
 * rest of the body is held, scrubbed as a whole and written at the end, so a key split across
 * chunks is still found. A stream ends soon after its error frame, so holding costs nothing.
 */

const MARKER = Buffer.from('"error"');
const MARKER_BYTES = new Set(MARKER);
/** Held bytes past this are scrubbed and written, so a body that goes on cannot pile up. */
const HOLD_LIMIT = 64 * 1024;

export class ErrorFrameGuard {
  readonly #scrub: (text: string) => string;
  readonly #decoder = new TextDecoder();
  #held: Buffer[] | undefined;
  #heldBytes = 0;
  /** The last chunk written, so a marker split across two chunks is seen. */
  #last: Buffer | undefined;

  constructor(scrub: (text: string) => string) {
    this.#scrub = scrub;
  }

  /** What to write now for `chunk` (undefined: nothing yet). */
  push(chunk: Buffer): Buffer | undefined {
    if (this.#held === undefined && !chunk.includes(MARKER) && !splitAcross(this.#last, chunk)) {
      this.#last = chunk;
      return chunk;
    }
    (this.#held ??= []).push(chunk);
    this.#heldBytes += chunk.length;
    return this.#heldBytes > HOLD_LIMIT ? this.#release(false) : undefined;
  }

  /** What is still held, scrubbed, once the body has ended. */
  end(): Buffer | undefined {
    return this.#held === undefined ? undefined : this.#release(true);
  }

  #release(final: boolean): Buffer {
    // One decoder for the whole held part, so a character split across releases stays whole.
    const text = this.#decoder.decode(Buffer.concat(this.#held ?? [], this.#heldBytes), { stream: !final });
    this.#held = [];
    this.#heldBytes = 0;
    return Buffer.from(this.#scrub(text));
  }
}

/** Whether MARKER starts at the end of `last` and ends at the start of `next` (no copies). */
function splitAcross(last: Buffer | undefined, next: Buffer): boolean {
  // Most chunks end with an event's blank line: no part of the marker can end there.
  if (last === undefined || !MARKER_BYTES.has(last[last.length - 1] ?? 0)) return false;
  for (let head = 1; head < MARKER.length; head++) {
    if (head > last.length || MARKER.length - head > next.length) continue;
    if (last.compare(MARKER, 0, head, last.length - head) !== 0) continue;
    if (next.compare(MARKER, head, MARKER.length, 0, MARKER.length - head) === 0) return true;
  }
  return false;
}

/**
 * @module Whether a passed-through stream ended complete: an `alt=sse` stream's last event
 * carries a `finishReason` (wire-formats §1.8.1; a stream without one was cut short, §1.8.2); a
 * JSON-array stream (§1.8.4) is closed by its `]` and its last elements carry one. The stream is
 * not parsed: the last chunks are kept (references, no copies) and searched once, when the body
 * has ended, for the key itself (json-keys.ts). Pure.
 */

import { TailWindow } from '../shared/tail-window.js';
import { FINISH, hasKey } from './json-keys.js';

/**
 * Kept from the stream's end (references to the last chunks, so at most this much per stream).
 * In the last event `finishReason` comes after the answer's parts and before only the candidate's
 * metadata (safety ratings, citations, grounding), the usage and the ids: far less than this. A
 * last event larger than the window is searched within the window.
 */
const WINDOW = 64 * 1024;
/** Event ends, as in sse.ts; Google writes `\r\n\r\n`. */
const EVENT_ENDS = ['\r\n\r\n', '\n\n', '\r\r'].map((end) => Buffer.from(end));
const SPACES = new Set([0x20, 0x09, 0x0a, 0x0d]);

const CLOSE_BRACKET = 0x5d;

function isBlank(chunk: Buffer): boolean {
  for (const byte of chunk) if (!SPACES.has(byte)) return false;
  return true;
}

function endsWith(chunk: Buffer, end: Buffer): boolean {
  return chunk.length >= end.length && chunk.compare(end, 0, end.length, chunk.length - end.length) === 0;
}

export class LastEvent {
  /** The stream's end; the usage Google counted is read from it too (usage-tail.ts). */
  readonly window = new TailWindow(WINDOW);
  readonly #format: 'sse' | 'json-array';

  /**
   * `json-array`: the elements' separators are not confirmed (wire-formats §1.8.4), so rather than
   * find the last element the window is searched whole; only the last element holds the key.
   */
  constructor(format: 'sse' | 'json-array' = 'sse') {
    this.#format = format;
  }

  /** The kept bytes end where an event ends: the next chunk with content starts the last event. */
  #atEventEnd = false;

  push(chunk: Buffer): void {
    // An `alt=sse` stream keeps its last event only, not the window's worth of earlier ones:
    // Gemini sends an event per chunk, and a thousand streams held 13 MB of them (bench, scenario 4).
    if (this.#format === 'sse' && this.#atEventEnd && !isBlank(chunk)) this.window.clear();
    this.window.push(chunk);
    if (!isBlank(chunk)) this.#atEventEnd = EVENT_ENDS.some((end) => endsWith(chunk, end));
  }

  /** True when the last event (within the window) holds a `finishReason` key. */
  finished(): boolean {
    const all = this.window.bytes();
    const window = all.subarray(Math.max(0, all.length - WINDOW));
    let end = window.length;
    while (end > 0 && SPACES.has(window[end - 1] ?? 0)) end--;
    const text = window.subarray(0, end);
    if (this.#format === 'json-array') return text[text.length - 1] === CLOSE_BRACKET && hasKey(text, FINISH);
    let start = 0;
    for (const mark of EVENT_ENDS) {
      const at = text.lastIndexOf(mark);
      if (at !== -1) start = Math.max(start, at + mark.length);
    }
    return hasKey(text.subarray(start), FINISH);
  }
}

/**
 * @module Incremental parser for the body of `:streamGenerateContent?alt=sse`
 * (shared/reference/wire-formats.md §1.8). Pure: text in, items out.
 *
 * `push` takes text, not bytes. The caller decodes the body with ONE streaming decoder —
 * `decoder.decode(bytes, { stream: true })` per network chunk, then `decoder.decode()` once more
 * before `end()` — so a multi-byte UTF-8 character split across network chunks stays whole.
 * (`TextDecoder` also drops a leading byte-order mark, which SSE allows.)
 *
 * Every character is scanned a bounded number of times and an event's pieces are joined once,
 * so the cost is linear in the body however it is chunked.
 */

import { isObject } from '../shared/json.js';
import { parseGoogleError } from './google-error.js';
import type { GenerateContentResponse } from './types.js';

export type StreamItem =
  | { kind: 'response'; value: GenerateContentResponse }
  | { kind: 'error'; status: number; message: string; rpcStatus: string };

/** Events end at the earliest of these (js-genai's rule); Google itself sends `\r\n\r\n`. */
const TERMINATOR = /\r\n\r\n|\n\n|\r\r/g;
/** A terminator completed by new text starts at most this many characters before it. */
const CARRY = 3;
const LINE_BREAK = /\r\n|\r|\n/;
/** SSE fields Gemini might send; only `data` matters, the others are read and ignored. */
const FIELD = /^(data|event|id|retry)(?::|$)/;
/** Google's error tails are a few hundred bytes; past this the tail is unreadable anyway. */
const RAW_LIMIT = 64 * 1024;

/** What one event is: an item, nothing to report, or text that is not SSE at all. */
type EventOutcome = StreamItem | 'ignored' | 'raw';


function upstreamError(message: string): StreamItem {
  return { kind: 'error', status: 502, message, rpcStatus: 'UNAVAILABLE' };
}

/** An item from a Google error envelope (`{"error": …}` or `[{"error": …}]`), or undefined. */
function googleErrorItem(text: string): StreamItem | undefined {
  const error = parseGoogleError(text);
  if (!error) return undefined;
  return {
    kind: 'error',
    status: error.code ?? 502,
    message: error.message || 'The upstream stream reported an error.',
    rpcStatus: error.status || 'UNAVAILABLE',
  };
}

/** `{"error": …}`, or the array-wrapped form Google also uses (wire-formats §1.8.4). */
function isErrorEnvelope(value: unknown): boolean {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return isObject(first) && 'error' in first;
}

function parseData(data: string): StreamItem {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return upstreamError('The upstream stream sent an event that is not valid JSON.');
  }
  if (isErrorEnvelope(value)) {
    return googleErrorItem(data) ?? upstreamError('The upstream stream sent an error it did not explain.');
  }
  if (!isObject(value)) return upstreamError('The upstream stream sent an event that is not a GenerateContentResponse.');
  // The translators tolerate any missing field (proto3 omits defaults), so no deeper check.
  return { kind: 'response', value: value as GenerateContentResponse };
}

function readEvent(event: string): EventOutcome {
  const data: string[] = [];
  for (const line of event.split(LINE_BREAK)) {
    if (line === '' || line.startsWith(':')) continue;
    const field = FIELD.exec(line);
    if (!field) return 'raw';
    // One optional space after the colon belongs to the framing, not to the value (SSE spec).
    if (field[1] === 'data') data.push(line.slice(5).replace(/^ /, ''));
  }
  return data.length === 0 ? 'ignored' : parseData(data.join('\n'));
}

/** Google ends a failing 200 stream with a raw, pretty-printed error envelope instead of an event. */
function readRawTail(text: string): StreamItem {
  return googleErrorItem(text.trim()) ?? upstreamError('The upstream stream ended with text that is not an event.');
}

export class GeminiSseParser {
  /** The incomplete event so far, kept in pieces so a long event is joined only once. */
  #pieces: string[] = [];
  /** The last few characters of `#pieces`, where a terminator split across pushes begins. */
  #tail = '';
  /** Set once unframed text arrived: from there on everything is the raw error tail. */
  #raw: string[] | undefined;
  #rawLength = 0;

  /** Items for every event that `text` completes. Never throws. */
  push(text: string): StreamItem[] {
    if (this.#raw) {
      this.#keepRaw(text);
      return [];
    }
    const items: StreamItem[] = [];
    const window = this.#tail + text;
    let from = this.#tail.length;
    for (const match of window.matchAll(TERMINATOR)) {
      const event = this.#take(window, from, match.index);
      from = match.index + match[0].length;
      const outcome = readEvent(event);
      if (outcome === 'raw') {
        this.#raw = [];
        this.#keepRaw(event + window.slice(match.index));
        return items;
      }
      if (outcome !== 'ignored') items.push(outcome);
    }
    this.#keep(window, from);
    return items;
  }

  /** Items for what is left when the body has ended: a last unterminated event or the raw tail. */
  end(): StreamItem[] {
    const raw = this.#raw;
    const rest = this.#pieces.join('');
    this.#raw = undefined;
    this.#rawLength = 0;
    this.#pieces = [];
    this.#tail = '';
    if (raw) return [readRawTail(raw.join(''))];
    if (rest.trim() === '') return [];
    // Google always terminates its events; a last one without a terminator is accepted when whole.
    const outcome = readEvent(rest);
    if (outcome === 'raw') return [readRawTail(rest)];
    return outcome === 'ignored' ? [] : [outcome];
  }

  /** Keeps raw text up to RAW_LIMIT, so a relay's endless page cannot fill memory. */
  #keepRaw(text: string): void {
    if (this.#rawLength > RAW_LIMIT) return;
    this.#raw?.push(text);
    this.#rawLength += text.length;
  }

  /** The event ending at `end` of `window`; `window[0, from)` is text already in `#pieces`. */
  #take(window: string, from: number, end: number): string {
    let event: string;
    if (this.#pieces.length === 0) {
      event = window.slice(from, end);
    } else {
      const pending = this.#pieces.join('');
      // A terminator that began inside the pending text ends the event before `from`.
      event = end >= from ? pending + window.slice(from, end) : pending.slice(0, pending.length - (from - end));
    }
    this.#pieces = [];
    this.#tail = '';
    return event;
  }

  /** Keeps `window[from…]`, the start of an event that is not complete yet. */
  #keep(window: string, from: number): void {
    // Unless an event ended in this push, `window` began with the old tail, already pending.
    const pendingStart = this.#pieces.length === 0 ? from : 0;
    if (from < window.length) this.#pieces.push(window.slice(from));
    this.#tail = window.slice(Math.max(pendingStart, window.length - CARRY));
  }
}

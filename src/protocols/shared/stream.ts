/**
 * @module What a protocol supplies to stream a translated answer: text in its own framing for
 * each Gemini chunk, for the end, for a failure, and for keeping a silent connection open. The
 * server's pipeline reads Gemini's SSE, calls these, and writes the text with backpressure.
 */

import type { GenerateContentResponse } from '../gemini/types.js';

/** Why a stream that started cannot finish: shown to the client in the protocol's error frame. */
export interface StreamFailure {
  readonly message: string;
  /** A stable code (Google's rpc status, or the proxy's own such as `stream_truncated`). */
  readonly code: string;
  readonly status: number;
}

/** One streamed answer in a protocol's framing. Pure and stateful: one per request. */
export interface StreamTranslation {
  /** The response's Content-Type. */
  readonly contentType: string;
  /** The text for one Gemini chunk; '' when it adds nothing. */
  push(response: GenerateContentResponse): string;
  /** True while the answer is incomplete: no finish reason has arrived. */
  readonly truncated: boolean;
  /** The closing text, once Gemini's stream ended complete. */
  finish(): string;
  /** The closing text of a stream that failed or was cut short. */
  fail(failure: StreamFailure): string;
  /** Text clients ignore, sent while Gemini is silent (thinking) so no one times the stream out. */
  keepAlive(): string;
}

/** One Server-Sent Event carrying `value` as JSON. */
export function sseEvent(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** One NDJSON line carrying `value`. */
export function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * @module Gemini stream chunks → the simple endpoint's Server-Sent Events: `{"message": piece}`
 * for each chunk with text, then `{"done": true, "finish_reason": "<Gemini's finishReason>"}`.
 * A failure is one `{"error": message}` event. Pure and stateful: one per streamed answer.
 *
 * An answer that never finished is not finished here: `truncated` tells the server, which ends
 * the stream with `fail()` instead of inventing a finish reason. Total like answer.ts.
 */

import type { GenerateContentResponse } from '../gemini/types.js';
import { isObject } from '../shared/json.js';
import { sseEvent, type StreamFailure, type StreamTranslation } from '../shared/stream.js';
import { firstCandidate } from '../gemini/answer-parts.js';
import { candidateText } from './answer.js';

/** Gemini's reason for refusing the prompt (it then sends no candidates), if it gave one. */
function blockReason(response: GenerateContentResponse): string | undefined {
  const feedback: unknown = response.promptFeedback;
  const reason = isObject(feedback) ? feedback['blockReason'] : undefined;
  return typeof reason === 'string' ? reason : undefined;
}

export class SimpleStream implements StreamTranslation {
  readonly contentType = 'text/event-stream; charset=utf-8';
  /** Set once candidate 0 finished, or the prompt was blocked (its block reason); nothing is said after it. */
  #finishReason: string | undefined;

  get truncated(): boolean {
    return this.#finishReason === undefined;
  }

  push(response: GenerateContentResponse): string {
    if (!isObject(response) || this.#finishReason !== undefined) return '';
    const candidate = firstCandidate(response);
    if (candidate === undefined) {
      this.#finishReason = blockReason(response);
      return '';
    }
    // The last chunk often carries text and the finish reason together.
    if (typeof candidate.finishReason === 'string') this.#finishReason = candidate.finishReason;
    const text = candidateText(candidate);
    return text === '' ? '' : sseEvent({ message: text });
  }

  finish(): string {
    return sseEvent({ done: true, finish_reason: this.#finishReason ?? 'STOP' });
  }

  fail(failure: StreamFailure): string {
    return sseEvent({ error: failure.message });
  }

  /** An SSE comment: EventSource and SSE parsers skip it. */
  keepAlive(): string {
    return ': keep-alive\n\n';
  }
}

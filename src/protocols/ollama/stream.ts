/**
 * @module Gemini stream chunks → Ollama's NDJSON stream (wire-formats §3.2, wire-formats-2 §6.4):
 * one `done: false` line per chunk that says something, then one `done: true` line with the
 * done_reason and metrics. Pure and stateful: one per streamed answer.
 *
 * An answer that never finished is not finished here: `truncated` tells the server, which ends
 * the stream with `fail()` (an `{"error"}` line, as Ollama does after a 200) instead of
 * inventing a done_reason. Total like answer.ts: what is not usable in a chunk is skipped.
 */

import { firstCandidate, partsOf, promptBlocked } from '../gemini/answer-parts.js';
import type { GenerateContentResponse } from '../gemini/types.js';
import { isObject } from '../shared/json.js';
import { ndjsonLine, type StreamFailure, type StreamTranslation } from '../shared/stream.js';
import type { SourcesOption } from '../shared/grounding.js';
import { deltaFields, doneReasonFor, EMPTY_DELTA, groundingList, isEmpty, readDelta, sourcesText, stamp, type Delta } from './answer.js';
import { metrics } from './metrics.js';
import type { OllamaAnswerContext, OllamaRequest } from './types.js';

export class OllamaStream implements StreamTranslation {
  readonly contentType = 'application/x-ndjson';
  readonly #request: OllamaRequest;
  readonly #ctx: OllamaAnswerContext;
  /** Gemini's usage is cumulative, so the last one seen is the total. */
  #usage: unknown;
  /** When the first chunk arrived: the end of the prompt's evaluation, as far as a client can tell. */
  #firstChunkAt: number | undefined;
  /** Set once candidate 0 finished (or the prompt was blocked); nothing is said after it. */
  #doneReason: 'stop' | 'length' | undefined;
  /** Tool calls sent so far: the next call's `index`. */
  #toolCalls = 0;
  #finished = false;
  readonly #options: SourcesOption;
  /** Every `groundingMetadata` candidate 0 came with: its sources end the answer when asked for. */
  readonly #grounding: unknown[] = [];

  constructor(request: OllamaRequest, ctx: OllamaAnswerContext, options: SourcesOption = {}) {
    this.#request = request;
    this.#ctx = ctx;
    this.#options = options;
  }

  get truncated(): boolean {
    return this.#doneReason === undefined;
  }

  push(response: GenerateContentResponse): string {
    if (!isObject(response)) return '';
    this.#firstChunkAt ??= this.#ctx.now();
    if (isObject(response.usageMetadata)) this.#usage = response.usageMetadata;
    if (this.#doneReason !== undefined) return '';
    const candidate = firstCandidate(response);
    if (candidate === undefined) {
      // Gemini reports a blocked prompt once, in a chunk without candidates; Ollama can only say `stop`.
      if (promptBlocked(response)) this.#doneReason = 'stop';
      return '';
    }
    this.#grounding.push(...groundingList(candidate));
    let delta = readDelta(partsOf(candidate), this.#request, this.#ctx, this.#toolCalls);
    this.#toolCalls += delta.toolCalls.length;
    if (typeof candidate.finishReason === 'string') {
      this.#doneReason = doneReasonFor(candidate.finishReason);
      delta = { ...delta, content: delta.content + sourcesText(this.#grounding, this.#options) };
    }
    return isEmpty(delta) ? '' : this.#line(delta);
  }

  /** The `done: true` line; '' if already sent. */
  finish(): string {
    if (this.#finished) return '';
    this.#finished = true;
    const now = this.#ctx.now();
    return ndjsonLine({
      ...stamp(this.#request, now),
      ...deltaFields(this.#request, EMPTY_DELTA),
      done: true,
      done_reason: this.#doneReason ?? 'stop',
      ...metrics(this.#usage, { startedAt: this.#ctx.startedAt, firstChunkAt: this.#firstChunkAt, endedAt: now }),
    });
  }

  fail(failure: StreamFailure): string {
    return ndjsonLine({ error: failure.message });
  }

  /** An empty `done: false` line: the ollama client warns about lines that are not JSON. */
  keepAlive(): string {
    return this.#line(EMPTY_DELTA);
  }

  #line(delta: Delta): string {
    return ndjsonLine({ ...stamp(this.#request, this.#ctx.now()), ...deltaFields(this.#request, delta), done: false });
  }
}

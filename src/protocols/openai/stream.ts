/**
 * @module Gemini stream chunks → OpenAI `chat.completion.chunk`s (shared/reference/wire-formats.md
 * §2.5). Pure and stateful: one translator per streamed completion; the caller frames the chunks
 * as SSE and writes `data: [DONE]`.
 *
 * The sequence satisfies openai-node's strict accumulator (`chat.completions.stream()`): every
 * choice opens with `{role: 'assistant', content: ''}`; each Gemini functionCall part (Gemini
 * sends calls whole) becomes one chunk holding one complete tool call — `index`, `id`, `type`,
 * `function.name`, `function.arguments` — so nothing about a call ever changes later; a choice
 * closes with `delta: {}` and its finish reason. Adjacent text parts of one Gemini chunk are
 * merged into one delta; text and tool calls never share a delta, because hand-written clients
 * often read only one of them.
 *
 * An image part is one delta of its own: its Markdown in `content`, and `images` holding it
 * (response.ts). A grounded answer's `annotations` ride on the delta of the choice's finishing
 * chunk (the SDK's chunk type has none; its `chat.completions.stream()` copies unknown delta
 * fields onto the message), their offsets counted in the whole content streamed; with
 * `searchSources` a content delta with the sources comes just before it. Grounding metadata that
 * arrives after the candidate's finish is not carried: Gemini sends it with the finish.
 *
 * A stream that never finishes is not finished here: `truncated` tells the caller, who ends the
 * stream with an error event instead of inventing a finish reason.
 *
 * Events are not checked as a whole (a stream cannot be retried once it started), so the
 * translator is total like response.ts: what is not usable in an event is skipped.
 */

import type { Candidate, GenerateContentResponse } from '../gemini/types.js';
import { isObject } from '../shared/json.js';
import {
  candidateIndex, candidatesOf, groundingOf, partsOf, promptBlocked, readImage, readPart, type FunctionCallPart,
} from '../gemini/answer-parts.js';
import { AnswerText, imageEntry } from '../shared/answer-images.js';
import type { SourcesOption } from '../shared/grounding.js';
import { groundedAnnotations, mapFinishReason, toToolCall, toUsage } from './response.js';
import { sseEvent, type StreamFailure, type StreamTranslation } from '../shared/stream.js';
import { errorEvent, KEEP_ALIVE_COMMENT } from './errors.js';
import type { ChatCompletionChunk, ChunkDelta, ChunkToolCall, CompletionContext, FinishReason } from './types.js';

type ChunkChoice = ChatCompletionChunk['choices'][number];

export interface StreamOptions extends SourcesOption {
  /** `stream_options.include_usage`: `usage: null` on every chunk, then one usage-only chunk. */
  includeUsage: boolean;
  /** Thought summaries as `delta.reasoning_content`; dropped otherwise. */
  includeReasoning: boolean;
}

interface ChoiceState {
  /** Tool calls sent so far: the next call's `index`, and whether the finish is `tool_calls`. */
  toolCalls: number;
  finished: boolean;
  /** The content streamed so far, as grounding offsets are mapped onto it. */
  readonly text: AnswerText;
  /** Every `groundingMetadata` the candidate came with. */
  readonly grounding: unknown[];
}

export class ChatStreamTranslator {
  readonly #ctx: CompletionContext;
  readonly #options: StreamOptions;
  /** Choices by OpenAI index, in the order they first appeared. */
  readonly #choices = new Map<number, ChoiceState>();
  /** Gemini's usage is cumulative, so the last one seen is the total. */
  #usage: unknown;
  #finishes = 0;
  #closed = false;

  constructor(ctx: CompletionContext, options: StreamOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** True when no finish reason arrived, or a choice that started never got one. */
  get truncated(): boolean {
    return this.#finishes === 0 || [...this.#choices.values()].some((choice) => !choice.finished);
  }

  /** The chunks for one Gemini stream chunk (possibly none). */
  push(response: GenerateContentResponse): ChatCompletionChunk[] {
    if (!isObject(response)) return [];
    if (isObject(response.usageMetadata)) this.#usage = response.usageMetadata;
    const candidates = candidatesOf(response);
    // Gemini reports a blocked prompt once, in a chunk without candidates (wire-formats §1.7).
    if (candidates.length === 0 && promptBlocked(response)) return this.#blocked();
    return candidates.flatMap(([candidate, position]) => this.#candidate(candidate, position));
  }

  /** The usage-only chunk when usage was asked for; call once, after the last `push`. */
  finish(): ChatCompletionChunk[] {
    if (this.#closed || !this.#options.includeUsage) return [];
    this.#closed = true;
    return [{ ...this.#chunk([]), usage: toUsage(this.#usage) }];
  }

  #candidate(candidate: Candidate, position: number): ChatCompletionChunk[] {
    const index = candidateIndex(candidate, position);
    const [state, chunks] = this.#open(index);
    // Anything after a choice's finish would contradict it; Gemini does not send it anyway.
    if (state.finished) return chunks;
    const metadata = groundingOf(candidate);
    if (metadata !== undefined) state.grounding.push(metadata);
    for (const delta of this.#deltas(state, partsOf(candidate))) chunks.push(this.#choiceChunk(index, delta));
    if (typeof candidate.finishReason === 'string') {
      const reason = mapFinishReason(candidate.finishReason, state.toolCalls > 0);
      if (state.grounding.length === 0) {
        chunks.push(this.#close(index, state, reason));
        return chunks;
      }
      const { annotations, sources } = groundedAnnotations(state.text, state.grounding, this.#options.searchSources);
      if (sources !== '') chunks.push(this.#choiceChunk(index, { content: sources }));
      chunks.push(this.#close(index, state, reason, { annotations }));
    }
    return chunks;
  }

  #blocked(): ChatCompletionChunk[] {
    const [state, chunks] = this.#open(0);
    if (!state.finished) chunks.push(this.#close(0, state, 'content_filter'));
    return chunks;
  }

  /** The choice's state, with its opening chunk when the choice is new. */
  #open(index: number): [ChoiceState, ChatCompletionChunk[]] {
    const known = this.#choices.get(index);
    if (known) return [known, []];
    const state: ChoiceState = { toolCalls: 0, finished: false, text: new AnswerText(), grounding: [] };
    this.#choices.set(index, state);
    return [state, [this.#choiceChunk(index, { role: 'assistant', content: '' })]];
  }

  #close(index: number, state: ChoiceState, reason: FinishReason, delta: ChunkDelta = {}): ChatCompletionChunk {
    state.finished = true;
    this.#finishes += 1;
    return this.#choiceChunk(index, delta, reason);
  }

  /** Deltas in part order: one per tool call or image, adjacent text (or thought) parts merged. */
  #deltas(state: ChoiceState, parts: readonly unknown[]): ChunkDelta[] {
    const deltas: ChunkDelta[] = [];
    // The run of adjacent text (or thought) parts being merged, joined once when it ends.
    let run: { kind: 'text' | 'thought'; texts: string[] } | undefined;
    const endRun = (): void => {
      if (run === undefined) return;
      const text = run.texts.join('');
      deltas.push(run.kind === 'text' ? { content: state.text.text(text) } : { reasoning_content: text });
      run = undefined;
    };
    for (const part of parts) {
      const image = readImage(part);
      if (image !== undefined) {
        endRun();
        deltas.push({ content: state.text.image(image), images: [imageEntry(image)] });
        continue;
      }
      const content = readPart(part);
      if (content === undefined) continue;
      if (content.kind === 'call') {
        endRun();
        deltas.push({ tool_calls: [this.#toolCall(state, content.part)] });
        continue;
      }
      if (content.text === '' || (content.kind === 'thought' && !this.#options.includeReasoning)) continue;
      if (run?.kind !== content.kind) endRun();
      run ??= { kind: content.kind, texts: [] };
      run.texts.push(content.text);
    }
    endRun();
    return deltas;
  }

  #toolCall(state: ChoiceState, part: FunctionCallPart): ChunkToolCall {
    const index = state.toolCalls;
    state.toolCalls += 1;
    return { index, ...toToolCall(part, this.#ctx.newToken()) };
  }

  #choiceChunk(index: number, delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
    return this.#chunk([{ index, delta, logprobs: null, finish_reason: finishReason }]);
  }

  #chunk(choices: ChunkChoice[]): ChatCompletionChunk {
    const { id, created, model } = this.#ctx;
    const chunk: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model, choices };
    // With include_usage OpenAI puts `usage: null` on every chunk; without it, no field at all.
    if (this.#options.includeUsage) chunk.usage = null;
    return chunk;
  }
}

/** The chunks framed as Server-Sent Events, ending with `data: [DONE]` as OpenAI's do. */
export class ChatStream implements StreamTranslation {
  readonly contentType = 'text/event-stream; charset=utf-8';
  readonly #translator: ChatStreamTranslator;

  constructor(ctx: CompletionContext, options: StreamOptions) {
    this.#translator = new ChatStreamTranslator(ctx, options);
  }

  get truncated(): boolean {
    return this.#translator.truncated;
  }

  push(response: GenerateContentResponse): string {
    return frames(this.#translator.push(response));
  }

  finish(): string {
    return `${frames(this.#translator.finish())}data: [DONE]\n\n`;
  }

  fail(failure: StreamFailure): string {
    return errorEvent(failure);
  }

  /** An SSE comment: every SSE parser skips it. */
  keepAlive(): string {
    return KEEP_ALIVE_COMMENT;
  }
}

function frames(chunks: readonly ChatCompletionChunk[]): string {
  let text = '';
  for (const chunk of chunks) text += sseEvent(chunk);
  return text;
}

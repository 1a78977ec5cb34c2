/**
 * @module Gemini stream chunks → the Responses API's typed SSE events (wire-formats-2 §2.6–2.8).
 * Pure and stateful: one per streamed response.
 *
 * Every frame carries an `event:` line and `data: {type, …, sequence_number}`, the numbers
 * growing from 0. The sequence is what the `openai` SDK's `responses.stream()` accepts and what
 * Codex reads: `response.created` and `response.in_progress` at the first chunk; then each
 * output item opened with `response.output_item.added` at the next `output_index`, filled, and
 * closed with `response.output_item.done` carrying the whole item (Codex builds its history from
 * these alone), one item at a time; then `response.completed` with the whole response.
 *
 * - A message: `content_part.added` (content_index 0), `output_text.delta`s, `output_text.done`,
 *   `content_part.done`. Thought summaries, when asked for, likewise as a reasoning item:
 *   `reasoning_summary_part.added` (summary_index 0), `reasoning_summary_text.delta`s, `.done`,
 *   `reasoning_summary_part.done`. A change of kind closes the open item.
 * - Gemini sends each function call whole: its item is added, given all its arguments in one
 *   `function_call_arguments.delta`, then `.done`, and closed at once. A custom tool's call
 *   likewise, its raw input in one `custom_tool_call_input.delta`, then `.done` (the events the
 *   SDK's accumulator fills a `custom_tool_call` from).
 * - An image part is Markdown in the message's text (response.ts), as one more text delta.
 * - A grounded answer: Gemini sends its grounding with the finish, which closes the open message
 *   with its annotations: one `response.output_text.annotation.added` per annotation (the SDK's
 *   accumulator fills `annotations` from them) before `output_text.done`, and all of them in the
 *   `content_part.done` part, the `output_item.done` item and `response.completed`. A message
 *   closed before (a call came after it) keeps none. With `searchSources` the sources are one
 *   more delta before the close.
 * - The last event is always `response.completed`, even for an `incomplete` response (its
 *   `status` says so): Codex treats a stream without `response.completed` as broken.
 * - Until Gemini gives a finish reason (or says the prompt was blocked) the response is
 *   `truncated`; the caller then ends it with `fail`, a `response.failed` carrying
 *   `error: {code, message}` and the items finished so far.
 * - `keepAlive` is an SSE comment: the SDK throws on event types it does not know.
 */

import {
  candidatesOf, firstCandidate, groundingOf, partsOf, promptBlocked, readImage, readPart, type FunctionCallPart,
} from '../../gemini/answer-parts.js';
import type { GenerateContentResponse } from '../../gemini/types.js';
import { AnswerText } from '../../shared/answer-images.js';
import { renderSources, type Citation, type SourcesOption } from '../../shared/grounding.js';
import { isObject, type Json } from '../../shared/json.js';
import { sseEvent, type StreamFailure, type StreamTranslation } from '../../shared/stream.js';
import {
  annotationsWithin, COMPLETED, ending, messageItem, reasoningItem, responseObject, toolCallItem, toUsage, type AnswerRequest,
} from './response.js';
import type { Ending, OutputItem, ResponseErrorCode, ResponseObject, ResponsesContext, ToolCallItem } from './types.js';

/** The item being filled: a message or a reasoning item, at `index` in `output`. */
interface OpenItem {
  readonly kind: 'message' | 'reasoning';
  readonly id: string;
  readonly index: number;
  readonly texts: string[];
  /** A message's start in the answer text shown (where its annotations count from). */
  readonly from: number;
}

/** The SDK's error code for a failure's HTTP status (Codex retries `rate_limit_exceeded` after a pause). */
export function failureCode(status: number): ResponseErrorCode {
  if (status === 429) return 'rate_limit_exceeded';
  return status >= 400 && status < 500 ? 'invalid_prompt' : 'server_error';
}

export class ResponsesStream implements StreamTranslation {
  readonly contentType = 'text/event-stream; charset=utf-8';
  readonly #request: AnswerRequest;
  readonly #ctx: ResponsesContext;
  #sequence = 0;
  #started = false;
  /** The items closed so far, in order: `output` of the final response. */
  readonly #output: OutputItem[] = [];
  #open: OpenItem | undefined;
  /** Set once Gemini gave a finish reason or said the prompt was blocked. */
  #ending: Ending | undefined;
  /** Gemini's usage is cumulative, so the last one seen is the total. */
  #usage: unknown;
  readonly #options: SourcesOption;
  /** The messages' text as shown, as grounding offsets are mapped onto it. */
  readonly #answer = new AnswerText();
  /** Every `groundingMetadata` the answer came with. */
  readonly #grounding: unknown[] = [];
  /** The answer's citations, once its grounding was read at the finish. */
  #citations: readonly Citation[] = [];

  constructor(request: AnswerRequest, ctx: ResponsesContext, options: SourcesOption = {}) {
    this.#request = request;
    this.#ctx = ctx;
    this.#options = options;
  }

  get truncated(): boolean {
    return this.#ending === undefined;
  }

  push(response: GenerateContentResponse): string {
    if (!isObject(response)) return '';
    if (isObject(response.usageMetadata)) this.#usage = response.usageMetadata;
    let text = this.#start();
    // Anything after the finish would contradict it; only the usage is still taken.
    if (this.#ending !== undefined) return text;
    const candidate = firstCandidate(response);
    if (candidate === undefined) {
      // Gemini reports a blocked prompt once, in a chunk without candidates.
      if (candidatesOf(response).length === 0 && promptBlocked(response)) this.#ending = ending(undefined, true);
      return text;
    }
    const metadata = groundingOf(candidate);
    if (metadata !== undefined) this.#grounding.push(metadata);
    for (const part of partsOf(candidate)) text += this.#part(part);
    if (typeof candidate.finishReason === 'string') {
      text += this.#ground() + this.#close();
      this.#ending = ending(candidate.finishReason, false);
    }
    return text;
  }

  finish(): string {
    const response = this.#response({ ...(this.#ending ?? COMPLETED), error: null, usage: toUsage(this.#usage) });
    return this.#start() + this.#close() + this.#event('response.completed', { response });
  }

  fail({ message, status }: StreamFailure): string {
    const error = { code: failureCode(status), message };
    const response = this.#response({ status: 'failed', incomplete_details: null, error, usage: toUsage(this.#usage) });
    return this.#start() + this.#event('response.failed', { response });
  }

  /** An SSE comment, which every SSE parser skips. */
  keepAlive(): string {
    return ': keep-alive\n\n';
  }

  /** One frame: the event line, then its data with the same `type` and the next sequence number. */
  #event(type: string, fields: Json): string {
    const frame = `event: ${type}\n${sseEvent({ type, ...fields, sequence_number: this.#sequence })}`;
    this.#sequence += 1;
    return frame;
  }

  #response(state: Omit<Parameters<typeof responseObject>[2], 'output'>): ResponseObject {
    return responseObject(this.#request, this.#ctx, { ...state, output: this.#output });
  }

  #start(): string {
    if (this.#started) return '';
    this.#started = true;
    const response = this.#response({ status: 'in_progress', incomplete_details: null, error: null });
    return this.#event('response.created', { response }) + this.#event('response.in_progress', { response });
  }

  #part(value: unknown): string {
    const image = readImage(value);
    if (image !== undefined) return this.#message(() => this.#answer.image(image));
    const content = readPart(value);
    if (content === undefined) return '';
    if (content.kind === 'call') return this.#close() + this.#call(content.part);
    if (content.text === '' || (content.kind === 'thought' && !this.#request.includeReasoning)) return '';
    const { text } = content;
    return content.kind === 'text' ? this.#message(() => this.#answer.text(text)) : this.#text('reasoning', text);
  }

  /**
   * Answer text for a message. Another open item is closed first, so the answer text knows a
   * new block starts before it says what to show.
   */
  #message(shown: () => string): string {
    const closing = this.#open?.kind === 'message' ? '' : this.#close();
    return closing + this.#text('message', shown());
  }

  /** Reads the grounding, if any, at the finish; the sources as one more delta when asked for. */
  #ground(): string {
    if (this.#grounding.length === 0) return '';
    const { citations, sources } = this.#answer.grounding(this.#grounding);
    this.#citations = citations;
    const rendered = this.#options.searchSources ? renderSources(sources) : '';
    if (rendered === '') return '';
    // Not the answer's text: a message it opens starts after all of it.
    if (this.#open?.kind !== 'message') return this.#text('message', rendered.trimStart(), this.#answer.length);
    return this.#text('message', rendered);
  }

  /** A text delta for the open item of `kind`, or a new one starting at `from` in the answer text. */
  #text(kind: OpenItem['kind'], delta: string, from = this.#answer.length - delta.length): string {
    const current = this.#open;
    const [open, opening] = current?.kind === kind ? [current, ''] : this.#begin(kind, from);
    open.texts.push(delta);
    const at = { item_id: open.id, output_index: open.index };
    return opening + (kind === 'message'
      ? this.#event('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] })
      : this.#event('response.reasoning_summary_text.delta', { ...at, summary_index: 0, delta }));
  }

  /** Closes the open item and opens one of `kind`: the new item and the frames for both. */
  #begin(kind: OpenItem['kind'], from: number): [OpenItem, string] {
    const closing = this.#close();
    const id = `${kind === 'message' ? 'msg' : 'rs'}_${this.#ctx.newToken()}`;
    const open: OpenItem = { kind, id, index: this.#output.length, texts: [], from };
    this.#open = open;
    const at = { item_id: id, output_index: open.index };
    const opening = kind === 'message'
      ? this.#event('response.output_item.added', { output_index: open.index, item: { ...messageItem(id, ''), status: 'in_progress', content: [] } }) +
        this.#event('response.content_part.added', { ...at, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } })
      : this.#event('response.output_item.added', { output_index: open.index, item: { ...reasoningItem(id, ''), summary: [] } }) +
        this.#event('response.reasoning_summary_part.added', { ...at, summary_index: 0, part: { type: 'summary_text', text: '' } });
    return [open, closing + opening];
  }

  /** Closes the open item, if any, and adds it to `output`. */
  #close(): string {
    const open = this.#open;
    if (open === undefined) return '';
    this.#open = undefined;
    // What follows starts a new block of text: no image separator carries over.
    this.#answer.break();
    const text = open.texts.join('');
    const at = { item_id: open.id, output_index: open.index };
    let frames: string;
    let item: OutputItem;
    if (open.kind === 'message') {
      const annotations = annotationsWithin(this.#citations, open.from, open.from + text.length);
      item = messageItem(open.id, text, annotations);
      frames = annotations.map((annotation, index) => this.#event('response.output_text.annotation.added', {
        ...at, content_index: 0, annotation_index: index, annotation,
      })).join('') +
        this.#event('response.output_text.done', { ...at, content_index: 0, text, logprobs: [] }) +
        this.#event('response.content_part.done', { ...at, content_index: 0, part: item.content[0] });
    } else {
      item = reasoningItem(open.id, text);
      frames = this.#event('response.reasoning_summary_text.done', { ...at, summary_index: 0, text }) +
        this.#event('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: item.summary[0] });
    }
    this.#output.push(item);
    return frames + this.#event('response.output_item.done', { output_index: open.index, item });
  }

  #call(part: FunctionCallPart): string {
    const item = toolCallItem(part, this.#ctx.newToken(), this.#request.toolNames);
    const index = this.#output.length;
    this.#output.push(item);
    return this.#event('response.output_item.added', { output_index: index, item: opened(item) }) +
      this.#callBody(item, { item_id: item.id, output_index: index }) +
      this.#event('response.output_item.done', { output_index: index, item });
  }

  /** A whole call's arguments (or a custom tool's input) as one delta, then done. */
  #callBody(item: ToolCallItem, at: { item_id: string; output_index: number }): string {
    if (item.type === 'custom_tool_call') {
      return this.#event('response.custom_tool_call_input.delta', { ...at, delta: item.input }) +
        this.#event('response.custom_tool_call_input.done', { ...at, input: item.input });
    }
    return this.#event('response.function_call_arguments.delta', { ...at, delta: item.arguments }) +
      this.#event('response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments });
  }
}

/** A call item as `output_item.added` shows it: in progress, its arguments or input still empty. */
function opened(item: ToolCallItem): ToolCallItem {
  return item.type === 'custom_tool_call' ? { ...item, status: 'in_progress', input: '' } : { ...item, status: 'in_progress', arguments: '' };
}

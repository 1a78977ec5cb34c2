/**
 * @module Gemini stream chunks → Anthropic's SSE events (wire-formats-2 §1.5). Pure and
 * stateful: one per streamed message.
 *
 * Every frame carries both an `event:` line and `data: {type, …}`: `@anthropic-ai/sdk` routes by
 * the event name and drops frames without one. The sequence is what its MessageStream accepts:
 * `message_start` (at the first chunk, with the usage known then) once; then each block opened
 * with `content_block_start`, filled with `content_block_delta`s, closed with
 * `content_block_stop`, one block at a time with indexes 0, 1, 2, …; then `message_delta` (stop
 * reason and the final usage) and `message_stop`.
 *
 * - Text and thoughts arrive in pieces across chunks: a run of one kind stays one block, a
 *   change of kind closes it. Thoughts (only when asked for) close with a `signature_delta`,
 *   the last thoughtSignature seen on them or ''.
 * - Gemini sends each function call whole, so a tool_use block is opened, given all of its
 *   input as one `input_json_delta`, and closed at once.
 * - Until Gemini gives a finish reason (or says the prompt was blocked) the message is
 *   `truncated`: the caller then ends it with `fail`, an `error` event, rather than a made-up stop.
 */

import { candidatesOf, firstCandidate, partsOf, promptBlocked, readPart, type FunctionCallPart } from '../gemini/answer-parts.js';
import type { GenerateContentResponse, Part } from '../gemini/types.js';
import { isObject, type Json } from '../shared/json.js';
import { sseEvent, type StreamFailure, type StreamTranslation } from '../shared/stream.js';
import { errorType } from './errors.js';
import { stopReason, toolUseBlock, toUsage } from './response.js';
import type { AnthropicRequest, MessageContext, StopReason } from './types.js';

/** The block being filled: text, or thoughts with the signature to close them with. */
type OpenBlock = { kind: 'text' } | { kind: 'thinking'; signature: string };

/** One frame: the event line, then its data with the same `type`. */
export function anthropicEvent(type: string, fields: Json = {}): string {
  return `event: ${type}\n${sseEvent({ type, ...fields })}`;
}

export class AnthropicStream implements StreamTranslation {
  readonly contentType = 'text/event-stream; charset=utf-8';
  readonly #request: Pick<AnthropicRequest, 'requestedModel' | 'includeThinking'>;
  readonly #ctx: MessageContext;
  #started = false;
  /** The index of the open block, or of the next one to open. */
  #index = 0;
  #open: OpenBlock | undefined;
  #toolUse = false;
  #stopReason: StopReason | undefined;
  /** Gemini's usage is cumulative, so the last one seen is the total. */
  #usage: unknown;

  constructor(request: Pick<AnthropicRequest, 'requestedModel' | 'includeThinking'>, ctx: MessageContext) {
    this.#request = request;
    this.#ctx = ctx;
  }

  get truncated(): boolean {
    return this.#stopReason === undefined;
  }

  push(response: GenerateContentResponse): string {
    if (!isObject(response)) return '';
    if (isObject(response.usageMetadata)) this.#usage = response.usageMetadata;
    let text = this.#start();
    // Anything after the finish would contradict it; only the usage is still taken.
    if (this.#stopReason !== undefined) return text;
    const candidate = firstCandidate(response);
    if (candidate === undefined) {
      // Gemini reports a blocked prompt once, in a chunk without candidates.
      if (candidatesOf(response).length === 0 && promptBlocked(response)) this.#stopReason = 'refusal';
      return text;
    }
    for (const part of partsOf(candidate)) text += this.#part(part);
    if (typeof candidate.finishReason === 'string') {
      text += this.#close();
      this.#stopReason = stopReason(candidate.finishReason, this.#toolUse);
    }
    return text;
  }

  finish(): string {
    return this.#start() + this.#close() +
      anthropicEvent('message_delta', { delta: { stop_reason: this.#stopReason ?? 'end_turn', stop_sequence: null }, usage: toUsage(this.#usage) }) +
      anthropicEvent('message_stop');
  }

  fail({ message, code, status }: StreamFailure): string {
    return anthropicEvent('error', { error: { type: errorType(status, code), message } });
  }

  /** A `ping`, which every Anthropic client skips. */
  keepAlive(): string {
    return anthropicEvent('ping');
  }

  #start(): string {
    if (this.#started) return '';
    this.#started = true;
    const message = {
      id: this.#ctx.id, type: 'message', role: 'assistant', model: this.#request.requestedModel,
      content: [], stop_reason: null, stop_sequence: null, usage: toUsage(this.#usage),
    };
    return anthropicEvent('message_start', { message });
  }

  #part(value: unknown): string {
    const content = readPart(value);
    if (content === undefined) return '';
    if (content.kind === 'call') return this.#close() + this.#call(content.part);
    if (content.kind === 'text') return content.text === '' ? '' : this.#text(content.text);
    return this.#request.includeThinking ? this.#thought(content.text, (value as Part).thoughtSignature) : '';
  }

  #text(text: string): string {
    const opening = this.#open?.kind === 'text' ? '' : this.#close() + this.#begin({ kind: 'text' }, { type: 'text', text: '' });
    return opening + this.#delta({ type: 'text_delta', text });
  }

  #thought(text: string, signature: string | undefined): string {
    if (text === '' && !signature) return '';
    let frames = '';
    if (this.#open?.kind !== 'thinking') {
      frames = this.#close() + this.#begin({ kind: 'thinking', signature: '' }, { type: 'thinking', thinking: '', signature: '' });
    }
    if (signature && this.#open?.kind === 'thinking') this.#open.signature = signature;
    return text === '' ? frames : frames + this.#delta({ type: 'thinking_delta', thinking: text });
  }

  #call(part: FunctionCallPart): string {
    this.#toolUse = true;
    const { input, ...block } = toolUseBlock(part, this.#ctx.newToken());
    const frames = anthropicEvent('content_block_start', { index: this.#index, content_block: { ...block, input: {} } }) +
      this.#delta({ type: 'input_json_delta', partial_json: JSON.stringify(input) }) +
      anthropicEvent('content_block_stop', { index: this.#index });
    this.#index += 1;
    return frames;
  }

  #begin(block: OpenBlock, contentBlock: Json): string {
    this.#open = block;
    return anthropicEvent('content_block_start', { index: this.#index, content_block: contentBlock });
  }

  #delta(delta: Json): string {
    return anthropicEvent('content_block_delta', { index: this.#index, delta });
  }

  /** Closes the open block, if any: thoughts with their signature first. */
  #close(): string {
    const open = this.#open;
    if (open === undefined) return '';
    const signature = open.kind === 'thinking' ? this.#delta({ type: 'signature_delta', signature: open.signature }) : '';
    const frames = signature + anthropicEvent('content_block_stop', { index: this.#index });
    this.#open = undefined;
    this.#index += 1;
    return frames;
  }
}

/**
 * @module A Gemini answer → an OpenAI `response` object (wire-formats-2 §2.5), and the pieces
 * the stream translator shares with it. Pure and total, like the other translators: what is not
 * usable in the answer is skipped.
 *
 * - `output` in part order: adjacent thoughts make one `reasoning` item with one summary part
 *   (only when `reasoning.summary` was asked for), adjacent text one `message` with one
 *   `output_text` part, each function call a `function_call` item, or a `custom_tool_call` item
 *   (its `input` the call's string argument `input`) when it calls a custom tool. Item ids are
 *   `rs_`, `msg_`, `fc_` and `ctc_` + a fresh token; a call's `call_id` is `call_` + the same
 *   token, carrying the call's thought signature (shared/signature.ts), and a namespaced tool is
 *   answered by its `name` and `namespace` apart, as declared. Reasoning items carry no
 *   `encrypted_content`, even when `include` asks for it: the only signatures Gemini validates
 *   ride in call ids.
 * - An image part (an image model's answer) is Markdown with a `data:` URL in the message's text,
 *   in its own paragraph (shared/answer-images.ts): the Responses API has no image output part
 *   for a model's own images.
 * - A grounded answer (Google Search): each message's `output_text.annotations` holds the flat
 *   `url_citation`s that start in its text, offsets in UTF-16 code units into that text
 *   (shared/grounding.ts); with `searchSources` the sources follow as a numbered Markdown list.
 * - `status`: a MAX_TOKENS finish is `incomplete` (`max_output_tokens`), a filtered answer or a
 *   blocked prompt `incomplete` (`content_filter`), the rest `completed` (OpenAI's finish
 *   mapping, openai/response.ts).
 * - `usage`: OpenAI's `input_tokens` include the cached ones, which the details repeat (Gemini
 *   reports no cache writes: 0); output counts thoughts, which the details repeat as reasoning
 *   tokens.
 */

import {
  firstCandidate, groundingOf, partsOf, promptBlocked, readImage, readPart, tokenCounts, type FunctionCallPart,
} from '../../gemini/answer-parts.js';
import type { Candidate, GenerateContentResponse } from '../../gemini/types.js';
import { AnswerText } from '../../shared/answer-images.js';
import { renderSources, type Citation, type SourcesOption } from '../../shared/grounding.js';
import { isObject } from '../../shared/json.js';
import { encodeToolCallId } from '../../shared/signature.js';
import { mapFinishReason } from '../response.js';
import { customInput } from './custom.js';
import type {
  Ending, MessageItem, OutputItem, ReasoningItem, ResponseObject, ResponsesContext, ResponsesRequest, ResponseUsage, ToolCallItem,
  UrlCitation,
} from './types.js';

/** What the answer translators read of the request. */
export type AnswerRequest = Pick<ResponsesRequest, 'requestedModel' | 'includeReasoning' | 'toolNames' | 'echo'>;

export const COMPLETED: Ending = { status: 'completed', incomplete_details: null };

/** The response's status for Gemini's finish reason, or for a blocked prompt. */
export function ending(finishReason: unknown, blocked: boolean): Ending {
  const reason = blocked ? 'content_filter' : mapFinishReason(finishReason, false);
  if (reason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return COMPLETED;
}

/** Responses usage from Gemini's `usageMetadata`; absent counts are 0. */
export function toUsage(usage: unknown): ResponseUsage {
  const { prompt, completion, reasoning, cached } = tokenCounts(usage);
  return {
    input_tokens: prompt,
    input_tokens_details: { cached_tokens: cached, cache_write_tokens: 0 },
    output_tokens: completion,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: prompt + completion,
  };
}

export function messageItem(id: string, text: string, annotations: UrlCitation[] = []): MessageItem {
  return { id, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations }] };
}

/**
 * The annotations of a message whose text is [from, to) of the answer text shown: the citations
 * starting in it, offsets made relative to it (a span running past it is cut at its end).
 */
export function annotationsWithin(citations: readonly Citation[], from: number, to: number): UrlCitation[] {
  return citations
    .filter(({ startIndex }) => startIndex >= from && startIndex < to)
    .map(({ url, title, startIndex, endIndex }) => (
      { type: 'url_citation', url, title, start_index: startIndex - from, end_index: Math.min(endIndex, to) - from }
    ));
}

export function reasoningItem(id: string, text: string): ReasoningItem {
  return { id, type: 'reasoning', summary: [{ type: 'summary_text', text }] };
}

/**
 * The item for a functionCall part, named as the client declared it: a `custom_tool_call` with
 * the raw input when it calls a custom tool, else a `function_call`. Either kind's `call_id`
 * carries the call's thought signature.
 */
export function toolCallItem(part: FunctionCallPart, token: string, toolNames: AnswerRequest['toolNames']): ToolCallItem {
  const flat = part.functionCall.name;
  const declared = toolNames.get(flat);
  const common = {
    call_id: encodeToolCallId(token, part.thoughtSignature),
    name: declared?.name ?? flat,
    ...(declared?.namespace !== undefined && { namespace: declared.namespace }),
  };
  if (declared?.custom) {
    return { id: `ctc_${token}`, type: 'custom_tool_call', status: 'completed', ...common, input: customInput(part.functionCall.args) };
  }
  return { id: `fc_${token}`, type: 'function_call', status: 'completed', ...common, arguments: JSON.stringify(part.functionCall.args ?? {}) };
}

/** The whole `response` object around `output`. */
export function responseObject(
  request: AnswerRequest,
  ctx: ResponsesContext,
  state: Ending & Pick<ResponseObject, 'error' | 'output' | 'usage'>,
): ResponseObject {
  const { status, error, incomplete_details: incomplete, output, usage } = state;
  return {
    id: ctx.id,
    object: 'response',
    created_at: ctx.createdAt,
    status,
    error,
    incomplete_details: incomplete,
    model: request.requestedModel,
    output,
    ...request.echo,
    ...(usage && { usage }),
  };
}

/** A message item and the span [from, to) of the answer text shown that its text covers. */
interface PlacedMessage {
  readonly item: MessageItem;
  readonly from: number;
  to: number;
}

/** Output items being built from one candidate's parts, in order (see the module comment). */
class OutputBuilder {
  readonly items: OutputItem[] = [];
  readonly text = new AnswerText();
  readonly #messages: PlacedMessage[] = [];
  readonly #ctx: ResponsesContext;

  constructor(ctx: ResponsesContext) {
    this.#ctx = ctx;
  }

  /** Text shown in a message: the open one, or a new one. */
  show(shown: string): void {
    const last = this.#messages.at(-1);
    const part = last !== undefined && this.items.at(-1) === last.item ? last.item.content[0] : undefined;
    if (last !== undefined && part !== undefined) {
      part.text += shown;
      last.to = this.text.length;
    } else if (shown !== '') {
      const item = messageItem(`msg_${this.#ctx.newToken()}`, shown);
      this.items.push(item);
      this.#messages.push({ item, from: this.text.length - shown.length, to: this.text.length });
    }
  }

  /** Any other item: it closes the open message. */
  add(item: OutputItem): void {
    this.text.break();
    this.items.push(item);
  }

  /** The grounding as each message's annotations, then the sources (when asked for) after the answer. */
  ground(metadata: unknown, options: SourcesOption): void {
    const { citations, sources } = this.text.grounding([metadata]);
    for (const { item, from, to } of this.#messages) {
      const [part] = item.content;
      if (part !== undefined) part.annotations = annotationsWithin(citations, from, to);
    }
    const rendered = options.searchSources ? renderSources(sources) : '';
    if (rendered !== '') this.show(this.items.at(-1)?.type === 'message' ? rendered : rendered.trimStart());
  }
}

/** The output items of one candidate, in part order (see the module comment). */
function outputItems(candidate: Candidate, request: AnswerRequest, ctx: ResponsesContext, options: SourcesOption): OutputItem[] {
  const output = new OutputBuilder(ctx);
  for (const value of partsOf(candidate)) {
    const image = readImage(value);
    if (image !== undefined) {
      output.show(output.text.image(image));
      continue;
    }
    const content = readPart(value);
    if (content === undefined) continue;
    if (content.kind === 'call') {
      output.add(toolCallItem(content.part, ctx.newToken(), request.toolNames));
    } else if (content.kind === 'text') {
      output.show(output.text.text(content.text));
    } else if (request.includeReasoning) {
      const last = output.items.at(-1);
      const summary = last?.type === 'reasoning' ? last.summary[0] : undefined;
      if (summary !== undefined) summary.text += content.text;
      else if (content.text !== '') output.add(reasoningItem(`rs_${ctx.newToken()}`, content.text));
    }
  }
  const metadata = groundingOf(candidate);
  if (metadata !== undefined) output.ground(metadata, options);
  return output.items;
}

/** A whole `response` for Gemini's answer (its first candidate). */
export function toResponse(
  response: GenerateContentResponse,
  request: AnswerRequest,
  ctx: ResponsesContext,
  options: SourcesOption = {},
): ResponseObject {
  const first = firstCandidate(response);
  const output = first === undefined ? [] : outputItems(first, request, ctx, options);
  const blocked = first === undefined && promptBlocked(response);
  return responseObject(request, ctx, {
    ...ending(first?.finishReason, blocked),
    error: null,
    output,
    usage: toUsage(isObject(response) ? response.usageMetadata : undefined),
  });
}

/**
 * @module Gemini's GenerateContentResponse as an OpenAI `chat.completion`
 * (shared/reference/wire-formats.md §2.4, §4.1, §4.2), and the mappings the stream translator
 * shares with it. Pure: the id, the timestamp and tool-call tokens come from the context.
 *
 * Decisions:
 * - `content` is the concatenated non-thought text; `null` when there is no text but there are
 *   tool calls (what OpenAI sends) or when the prompt was blocked; `''` otherwise, so clients that
 *   call string methods on an empty answer (a SAFETY stop, a MAX_TOKENS spent on thinking) keep
 *   working.
 * - An image part (an image model's answer) is shown in `content` as Markdown with a `data:`
 *   URL, in its own paragraph, and listed in `images` (`[{type: 'image_url', image_url: {url}}]`,
 *   OpenRouter's extension) (shared/answer-images.ts). Other parts (audio, code execution) are
 *   not carried.
 * - A grounded answer (Google Search) has `annotations`: one `url_citation` per cited span and
 *   source, offsets in UTF-16 code units into `content` (shared/grounding.ts); without grounding
 *   metadata there is no `annotations` field. With `searchSources` the sources follow the answer
 *   as a numbered Markdown list.
 * - A thought signature on a text part is dropped: OpenAI messages have no place for it and
 *   Gemini only requires the signatures of function calls back.
 * - A response without candidates still has one choice (clients read `choices[0]`).
 * - Total: whatever the upstream sent, nothing here throws. A candidate that is not an object,
 *   or a part with a field of the wrong kind (see gemini/answers.ts), is skipped; a finish
 *   reason, index or token count of the wrong kind counts as absent.
 */

import {
  candidateIndex, candidatesOf, groundingOf, partsOf, promptBlocked, readImage, readPart, tokenCounts, type FunctionCallPart,
} from '../gemini/answer-parts.js';
import type { Candidate, GenerateContentResponse } from '../gemini/types.js';
import { AnswerText, imageEntry } from '../shared/answer-images.js';
import { renderSources, type SourcesOption } from '../shared/grounding.js';
import { isObject } from '../shared/json.js';
import { encodeToolCallId } from '../shared/signature.js';
import type {
  ChatCompletion, ChatMessageOut, ChatToolCall, ChatUsage, CompletionContext, FinishReason, ImageUrlEntry, UrlCitationAnnotation,
} from './types.js';

/** What the answer translators read of the request and the settings. */
export interface AnswerOptions extends SourcesOption {
  /** Thought summaries as `reasoning_content`; dropped otherwise. */
  readonly includeReasoning: boolean;
}

type Choice = ChatCompletion['choices'][number];

/** Gemini finish reasons that mean "the answer was filtered" (wire-formats §4.1). */
const CONTENT_FILTER: ReadonlySet<string> = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * OpenAI's finish reason for Gemini's. Gemini says STOP when the model called functions, and
 * agents wait for `tool_calls` before running them, so STOP (or no reason at all) with a call
 * becomes `tool_calls`. Everything unknown, MALFORMED_FUNCTION_CALL included, is `stop`.
 */
export function mapFinishReason(reason: unknown, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (typeof reason === 'string' && CONTENT_FILTER.has(reason)) return 'content_filter';
  const plainStop = reason === undefined || reason === 'STOP' || reason === 'FINISH_REASON_UNSPECIFIED';
  return plainStop && hasToolCalls ? 'tool_calls' : 'stop';
}

/**
 * OpenAI usage from Gemini's (wire-formats §4.2). OpenAI counts reasoning as completion tokens;
 * the total is recomputed so it always equals prompt + completion. Absent counts are 0.
 */
export function toUsage(usage: unknown): ChatUsage {
  const { prompt, completion, reasoning, cached } = tokenCounts(usage);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/**
 * An OpenAI tool call for a functionCall part. The thought signature rides in the id (clients
 * echo ids back) and in Google's own `extra_content` convention.
 */
export function toToolCall(part: FunctionCallPart, token: string): ChatToolCall {
  const signature = part.thoughtSignature;
  return {
    id: encodeToolCallId(token, signature),
    type: 'function',
    function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
    ...(signature ? { extra_content: { google: { thought_signature: signature } } } : {}),
  };
}

/**
 * The annotations of an answer shown as `text`, from the grounding metadata it came with, and
 * the sources as `searchSources` renders them ('' when off or without sources).
 */
export function groundedAnnotations(
  text: AnswerText,
  metadata: readonly unknown[],
  searchSources: boolean | undefined,
): { annotations: UrlCitationAnnotation[]; sources: string } {
  const { citations, sources } = text.grounding(metadata);
  const annotations = citations.map(({ url, title, startIndex, endIndex }): UrlCitationAnnotation => (
    { type: 'url_citation', url_citation: { url, title, start_index: startIndex, end_index: endIndex } }
  ));
  return { annotations, sources: searchSources ? renderSources(sources) : '' };
}

function toMessage(candidate: Candidate, ctx: CompletionContext, options: AnswerOptions): ChatMessageOut {
  const text = new AnswerText();
  const shown: string[] = [];
  const images: ImageUrlEntry[] = [];
  const thoughts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const part of partsOf(candidate)) {
    const image = readImage(part);
    if (image !== undefined) {
      shown.push(text.image(image));
      images.push(imageEntry(image));
      continue;
    }
    const content = readPart(part);
    if (content?.kind === 'call') toolCalls.push(toToolCall(content.part, ctx.newToken()));
    else if (content?.kind === 'text') shown.push(text.text(content.text));
    else if (content?.kind === 'thought') thoughts.push(content.text);
  }
  const metadata = groundingOf(candidate);
  const grounded = metadata === undefined ? undefined : groundedAnnotations(text, [metadata], options.searchSources);
  const body = shown.join('') + (grounded?.sources ?? '');
  const reasoning = thoughts.join('');
  const message: ChatMessageOut = {
    role: 'assistant',
    content: body === '' && toolCalls.length > 0 ? null : body,
    refusal: null,
  };
  // OpenAI omits tool_calls when there are none; some clients treat `[]` as "call nothing, then loop".
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (options.includeReasoning && reasoning !== '') message.reasoning_content = reasoning;
  if (grounded !== undefined) message.annotations = grounded.annotations;
  if (images.length > 0) message.images = images;
  return message;
}

function toChoice(candidate: Candidate, position: number, ctx: CompletionContext, options: AnswerOptions): Choice {
  const message = toMessage(candidate, ctx, options);
  return {
    index: candidateIndex(candidate, position),
    message,
    logprobs: null,
    finish_reason: mapFinishReason(candidate.finishReason, message.tool_calls !== undefined),
  };
}

/** The one choice of a response without candidates: a blocked prompt, or (oddly) nothing at all. */
function emptyChoice(response: GenerateContentResponse): Choice {
  const blocked = promptBlocked(response);
  return {
    index: 0,
    message: { role: 'assistant', content: blocked ? null : '', refusal: null },
    logprobs: null,
    finish_reason: blocked ? 'content_filter' : 'stop',
  };
}

/** A whole `chat.completion`; one choice per candidate, always with usage. */
export function toChatCompletion(
  response: GenerateContentResponse,
  ctx: CompletionContext,
  options: AnswerOptions,
): ChatCompletion {
  const choices = candidatesOf(response).map(([candidate, position]) => toChoice(candidate, position, ctx, options));
  if (choices.length === 0) choices.push(emptyChoice(response));
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    choices,
    usage: toUsage(isObject(response) ? response.usageMetadata : undefined),
  };
}

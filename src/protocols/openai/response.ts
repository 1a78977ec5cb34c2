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
 * - Parts other than text and function calls (inline images, code execution) are not carried.
 * - A thought signature on a text part is dropped: OpenAI messages have no place for it and
 *   Gemini only requires the signatures of function calls back.
 * - A response without candidates still has one choice (clients read `choices[0]`).
 * - Total: whatever the upstream sent, nothing here throws. A candidate that is not an object,
 *   or a part with a field of the wrong kind (see gemini/answers.ts), is skipped; a finish
 *   reason, index or token count of the wrong kind counts as absent.
 */

import { candidateIndex, candidatesOf, partsOf, promptBlocked, readPart, tokenCounts, type FunctionCallPart } from '../gemini/answer-parts.js';
import type { Candidate, GenerateContentResponse } from '../gemini/types.js';
import { isObject } from '../shared/json.js';
import { encodeToolCallId } from '../shared/signature.js';
import type { ChatCompletion, ChatMessageOut, ChatToolCall, ChatUsage, CompletionContext, FinishReason } from './types.js';

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

function toMessage(parts: readonly unknown[], ctx: CompletionContext, includeReasoning: boolean): ChatMessageOut {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const part of parts) {
    const content = readPart(part);
    if (content?.kind === 'call') toolCalls.push(toToolCall(content.part, ctx.newToken()));
    else if (content?.kind === 'text') texts.push(content.text);
    else if (content?.kind === 'thought') thoughts.push(content.text);
  }
  const text = texts.join('');
  const reasoning = thoughts.join('');
  const message: ChatMessageOut = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  // OpenAI omits tool_calls when there are none; some clients treat `[]` as "call nothing, then loop".
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (includeReasoning && reasoning !== '') message.reasoning_content = reasoning;
  return message;
}

function toChoice(candidate: Candidate, position: number, ctx: CompletionContext, includeReasoning: boolean): Choice {
  const message = toMessage(partsOf(candidate), ctx, includeReasoning);
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
  options: { includeReasoning: boolean },
): ChatCompletion {
  const choices = candidatesOf(response).map(([candidate, position]) => toChoice(candidate, position, ctx, options.includeReasoning));
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

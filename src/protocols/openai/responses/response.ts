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
 * - `status`: a MAX_TOKENS finish is `incomplete` (`max_output_tokens`), a filtered answer or a
 *   blocked prompt `incomplete` (`content_filter`), the rest `completed` (OpenAI's finish
 *   mapping, openai/response.ts).
 * - `usage`: OpenAI's `input_tokens` include the cached ones, which the details repeat (Gemini
 *   reports no cache writes: 0); output counts thoughts, which the details repeat as reasoning
 *   tokens.
 */

import { firstCandidate, partsOf, promptBlocked, readPart, tokenCounts, type FunctionCallPart } from '../../gemini/answer-parts.js';
import type { GenerateContentResponse } from '../../gemini/types.js';
import { isObject } from '../../shared/json.js';
import { encodeToolCallId } from '../../shared/signature.js';
import { mapFinishReason } from '../response.js';
import { customInput } from './custom.js';
import type {
  Ending, MessageItem, OutputItem, ReasoningItem, ResponseObject, ResponsesContext, ResponsesRequest, ResponseUsage, ToolCallItem,
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

export function messageItem(id: string, text: string): MessageItem {
  return { id, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
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

/** The output items of one candidate's parts, in order (see the module comment). */
function outputItems(parts: readonly unknown[], request: AnswerRequest, ctx: ResponsesContext): OutputItem[] {
  const items: OutputItem[] = [];
  for (const value of parts) {
    const content = readPart(value);
    if (content === undefined) continue;
    const last = items.at(-1);
    if (content.kind === 'call') {
      items.push(toolCallItem(content.part, ctx.newToken(), request.toolNames));
    } else if (content.kind === 'text') {
      const part = last?.type === 'message' ? last.content[0] : undefined;
      if (part !== undefined) part.text += content.text;
      else if (content.text !== '') items.push(messageItem(`msg_${ctx.newToken()}`, content.text));
    } else if (request.includeReasoning) {
      const summary = last?.type === 'reasoning' ? last.summary[0] : undefined;
      if (summary !== undefined) summary.text += content.text;
      else if (content.text !== '') items.push(reasoningItem(`rs_${ctx.newToken()}`, content.text));
    }
  }
  return items;
}

/** A whole `response` for Gemini's answer (its first candidate). */
export function toResponse(response: GenerateContentResponse, request: AnswerRequest, ctx: ResponsesContext): ResponseObject {
  const first = firstCandidate(response);
  const output = first === undefined ? [] : outputItems(partsOf(first), request, ctx);
  const blocked = first === undefined && promptBlocked(response);
  return responseObject(request, ctx, {
    ...ending(first?.finishReason, blocked),
    error: null,
    output,
    usage: toUsage(isObject(response) ? response.usageMetadata : undefined),
  });
}

/**
 * @module A Gemini answer → an Anthropic `message` (wire-formats-2 §1.4). Pure and total, like
 * the other translators: what is not usable in the answer is skipped.
 *
 * - Content in part order: adjacent text parts make one `text` block, adjacent thoughts one
 *   `thinking` block (only when thoughts were asked for; its `signature` is the thought's
 *   thoughtSignature, or ''), each function call a `tool_use` block whose id carries the call's
 *   thought signature, as on the OpenAI path.
 * - `stop_reason` by OpenAI's finish mapping (wire-formats §4.1): MAX_TOKENS is `max_tokens`, a
 *   filtered answer or a blocked prompt `refusal`, a call `tool_use`, the rest `end_turn`. Gemini
 *   says STOP for a matched stop sequence too, not which one: `stop_sequence` is never reported.
 * - `usage`: Gemini's prompt count includes its cached tokens, Anthropic's `input_tokens` does
 *   not, so cached tokens move to `cache_read_input_tokens`; output counts thoughts too.
 */

import { firstCandidate, partsOf, promptBlocked, readPart, tokenCounts, type FunctionCallPart } from '../gemini/answer-parts.js';
import type { GenerateContentResponse, Part } from '../gemini/types.js';
import { mapFinishReason } from '../openai/response.js';
import type { FinishReason } from '../openai/types.js';
import { isObject } from '../shared/json.js';
import { encodeToolCallId } from '../shared/signature.js';
import type { AnthropicMessage, AnthropicRequest, AnthropicUsage, ContentBlock, MessageContext, StopReason, ToolUseBlock } from './types.js';

/** Anthropic's tool_use ids start so; the signature mark after the token reads the same either way. */
export const TOOL_USE_PREFIX = 'toolu_';

/**
 * A tool_use id: shared/signature.ts's `call_<token>[.ts.<signature>]` with Anthropic's prefix.
 * signatureFromToolCallId looks for the mark, not the prefix, so it reads these back.
 */
export function toolUseId(token: string, thoughtSignature: string | undefined): string {
  return encodeToolCallId(token, thoughtSignature).replace(/^call_/, TOOL_USE_PREFIX);
}

const STOP_REASONS: Readonly<Record<FinishReason, StopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/** Anthropic's stop reason for Gemini's finish reason (see the module comment). */
export function stopReason(finishReason: unknown, hasToolUse: boolean): StopReason {
  return STOP_REASONS[mapFinishReason(finishReason, hasToolUse)];
}

/** Anthropic usage from Gemini's `usageMetadata`; absent counts are 0. */
export function toUsage(usage: unknown): AnthropicUsage {
  const { prompt, completion, cached } = tokenCounts(usage);
  return {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: completion,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  };
}

export function toolUseBlock(part: FunctionCallPart, token: string): ToolUseBlock {
  return { type: 'tool_use', id: toolUseId(token, part.thoughtSignature), name: part.functionCall.name, input: part.functionCall.args ?? {} };
}

/** The blocks of one candidate's parts, in order (see the module comment). */
function contentBlocks(parts: readonly unknown[], includeThinking: boolean, ctx: MessageContext): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  for (const value of parts) {
    const content = readPart(value);
    if (content === undefined) continue;
    const last = blocks.at(-1);
    if (content.kind === 'call') {
      blocks.push(toolUseBlock(content.part, ctx.newToken()));
    } else if (content.kind === 'text') {
      if (last?.type === 'text') last.text += content.text;
      else if (content.text !== '') blocks.push({ type: 'text', text: content.text });
    } else if (includeThinking) {
      const signature = (value as Part).thoughtSignature;
      if (last?.type === 'thinking') {
        last.thinking += content.text;
        if (signature) last.signature = signature;
      } else if (content.text !== '' || signature) {
        blocks.push({ type: 'thinking', thinking: content.text, signature: signature ?? '' });
      }
    }
  }
  return blocks;
}

/** A whole `message` for Gemini's answer (its first candidate). */
export function toAnthropicMessage(
  response: GenerateContentResponse,
  request: Pick<AnthropicRequest, 'requestedModel' | 'includeThinking'>,
  ctx: MessageContext,
): AnthropicMessage {
  const first = firstCandidate(response);
  const content = first === undefined ? [] : contentBlocks(partsOf(first), request.includeThinking, ctx);
  const hasToolUse = content.some((block) => block.type === 'tool_use');
  const blocked = first === undefined && promptBlocked(response);
  return {
    id: ctx.id,
    type: 'message',
    role: 'assistant',
    model: request.requestedModel,
    content,
    stop_reason: blocked ? 'refusal' : stopReason(first?.finishReason, hasToolUse),
    stop_sequence: null,
    usage: toUsage(isObject(response) ? response.usageMetadata : undefined),
  };
}

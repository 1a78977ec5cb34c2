/**
 * @module The Anthropic Messages shapes the proxy writes (shared/reference/wire-formats-2.md §1),
 * and what a translated request carries to the route. Answers are type aliases, not interfaces,
 * so they are plain JSON objects (`Json`) as well.
 */

import type { GenerateContentRequest } from '../gemini/types.js';
import type { ImageLink } from '../shared/media.js';

/** A translated `POST /v1/messages`. */
export interface AnthropicRequest {
  /** The Gemini model id (no `models/` prefix). */
  readonly model: string;
  /** The model name as the client gave it, echoed in answers. */
  readonly requestedModel: string;
  readonly stream: boolean;
  /** Thought summaries were asked for: they become `thinking` blocks. */
  readonly includeThinking: boolean;
  readonly body: GenerateContentRequest;
  /** Image links to fetch into their parts before sending (only when fetching is on). */
  readonly imageLinks: readonly ImageLink[];
}


/** What every answer of one message shares: its id, and fresh random tokens for tool_use ids. */
export interface MessageContext {
  readonly id: string;
  readonly newToken: () => string;
}

/** `stop_sequence` is never sent: Gemini does not say which sequence stopped it. */
export type StopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'refusal';

export type TextBlock = { type: 'text'; text: string };
export type ThinkingBlock = { type: 'thinking'; thinking: string; signature: string };
export type ToolUseBlock = { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };
export type ContentBlock = TextBlock | ThinkingBlock | ToolUseBlock;

export type AnthropicUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
};

export type AnthropicMessage = {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: null;
  usage: AnthropicUsage;
};

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export type AnthropicError = { type: 'error'; error: { type: AnthropicErrorType; message: string } };

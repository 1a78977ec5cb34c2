/**
 * @module The OpenAI Responses shapes the proxy writes (shared/reference/wire-formats-2.md §2.5),
 * and what a translated request carries to the route. Answers are type aliases, not interfaces,
 * so they are plain JSON objects (`Json`) as well. Field names and value sets follow the `openai`
 * SDK's `Response` type (src/resources/responses/responses.ts).
 */

import type { GenerateContentRequest } from '../../gemini/types.js';
import type { ImageLink } from '../../shared/media.js';

/**
 * A declared tool as the client named it: `namespace` set for one nested in a `namespace` tool,
 * `custom` for a free-form `custom` tool (declared to Gemini as a function taking one string,
 * custom.ts), whose calls are answered as `custom_tool_call` items.
 */
export type ToolName = { readonly namespace?: string; readonly name: string; readonly custom?: true };

/**
 * What the response object repeats of the request, as OpenAI's does: the SDK's `Response` type
 * requires these fields, and clients (Codex among them) may read them back.
 */
export type ResponseEcho = {
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, unknown>;
  parallel_tool_calls: boolean;
  reasoning: Record<string, unknown> | null;
  temperature: number | null;
  text: Record<string, unknown>;
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
};

/** A translated `POST /v1/responses`. */
export interface ResponsesRequest {
  /** The Gemini model id (no `models/` prefix). */
  readonly model: string;
  /** The model name as the client gave it, echoed in answers. */
  readonly requestedModel: string;
  readonly stream: boolean;
  /** `reasoning.summary` was asked for: thought summaries become `reasoning` items. */
  readonly includeReasoning: boolean;
  readonly body: GenerateContentRequest;
  /** Image links to fetch into their parts before sending (only when fetching is on). */
  readonly imageLinks: readonly ImageLink[];
  /** The name Gemini sees for each declared function → the name (and namespace) the client declared. */
  readonly toolNames: ReadonlyMap<string, ToolName>;
  readonly echo: ResponseEcho;
}

/** What every answer of one response shares: its id, its creation time, fresh tokens for item ids. */
export interface ResponsesContext {
  /** `resp_…`. */
  readonly id: string;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly newToken: () => string;
}

/** A web citation (Google Search grounding), flat as the Responses API has it: UTF-16 offsets into `text`, end exclusive. */
export type UrlCitation = { type: 'url_citation'; url: string; title: string; start_index: number; end_index: number };

export type OutputText = { type: 'output_text'; text: string; annotations: UrlCitation[] };
export type SummaryText = { type: 'summary_text'; text: string };

export type MessageItem = {
  id: string;
  type: 'message';
  role: 'assistant';
  status: 'in_progress' | 'completed';
  content: OutputText[];
};

export type ReasoningItem = { id: string; type: 'reasoning'; summary: SummaryText[] };

export type FunctionCallItem = {
  /** `fc_…`: the SDK's stream helper wants an item id distinct from the call id. */
  id: string;
  type: 'function_call';
  status: 'in_progress' | 'completed';
  /** `call_…`, carrying Gemini's thought signature (shared/signature.ts). */
  call_id: string;
  name: string;
  /** The namespace of a function declared inside a `namespace` tool (Codex routes by both). */
  namespace?: string;
  /** The arguments as a JSON string. */
  arguments: string;
};

export type CustomToolCallItem = {
  /** `ctc_…`, distinct from the call id, as for function calls. */
  id: string;
  type: 'custom_tool_call';
  status: 'in_progress' | 'completed';
  /** `call_…`, carrying Gemini's thought signature, as a function call's does. */
  call_id: string;
  name: string;
  namespace?: string;
  /** The raw free-form input. */
  input: string;
};

/** A tool call of either kind. */
export type ToolCallItem = FunctionCallItem | CustomToolCallItem;

export type OutputItem = MessageItem | ReasoningItem | ToolCallItem;

export type ResponseUsage = {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
};

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** Codes from the SDK's `ResponseError['code']` that the proxy uses. */
export type ResponseErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';

/** How an answer ended: the response's `status` and, when incomplete, why. */
export type Ending = {
  status: ResponseStatus;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
};

/**
 * The `response` object. `output_text` is left out on purpose: the API does not send it, the
 * SDKs compute it from `output`.
 */
export type ResponseObject = Ending & ResponseEcho & {
  id: string;
  object: 'response';
  created_at: number;
  error: { code: ResponseErrorCode; message: string } | null;
  model: string;
  output: OutputItem[];
  usage?: ResponseUsage;
};

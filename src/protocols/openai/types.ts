/**
 * @module The OpenAI Chat Completions, Embeddings and Models shapes the proxy reads and writes
 * (shared/reference/wire-formats.md §2). Request types describe what arrives after validation.
 */

import type { ImageUrlEntry } from '../shared/answer-images.js';

export type { ImageUrlEntry } from '../shared/answer-images.js';

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  /** Google's own convention for the Gemini 3 thought signature; read and written. */
  extra_content?: { google?: { thought_signature?: string } };
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** A web citation (Google Search grounding): UTF-16 offsets into the message's content, end exclusive. */
export interface UrlCitationAnnotation {
  type: 'url_citation';
  url_citation: { url: string; title: string; start_index: number; end_index: number };
}

export interface ChatMessageOut {
  role: 'assistant';
  content: string | null;
  refusal: null;
  tool_calls?: ChatToolCall[];
  /** Thought summaries, when the request asked for them (a widely read extension). */
  reasoning_content?: string;
  /** Only when the answer was grounded with Google Search. */
  annotations?: UrlCitationAnnotation[];
  /** The answer's images (OpenRouter's extension), also shown as Markdown in `content`. */
  images?: ImageUrlEntry[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: ChatMessageOut; logprobs: null; finish_reason: FinishReason }[];
  usage?: ChatUsage;
}

export interface ChunkToolCall {
  index: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  extra_content?: { google?: { thought_signature?: string } };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: ChunkToolCall[];
  /** On the finishing delta of a grounded answer; not in the SDK's chunk type. */
  annotations?: UrlCitationAnnotation[];
  /** On the delta whose `content` shows these images. */
  images?: ImageUrlEntry[];
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: number; delta: ChunkDelta; logprobs: null; finish_reason: FinishReason | null }[];
  usage?: ChatUsage | null;
}

/** What every response of one completion shares. `newToken` gives fresh random tool-call tokens. */
export interface CompletionContext {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly newToken: () => string;
}

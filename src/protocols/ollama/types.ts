/**
 * @module The Ollama shapes the proxy reads and writes (shared/reference/wire-formats.md §3,
 * wire-formats-2.md §6), and what the server passes to the translators. Answer shapes are type
 * aliases, so they are plain JSON objects.
 */

import type { Content, GenerateContentRequest } from '../gemini/types.js';
import type { EmbedBatch } from '../shared/embed.js';

/** Why an answer ended: `load`/`unload` only for a request with nothing to generate. */
export type DoneReason = 'stop' | 'length' | 'load' | 'unload';

/** The conversation part of a Gemini body, from `messages` or `prompt`. */
export interface Prompt {
  readonly contents: Content[];
  readonly systemInstruction?: Content;
}

/** A translated `/api/chat` or `/api/generate` request. */
export interface OllamaRequest {
  readonly kind: 'chat' | 'generate';
  /** The Gemini model id (no `models/` prefix). */
  readonly model: string;
  /** The model as the client named it; echoed in every answer's `model`. */
  readonly requestedModel: string;
  /** Ollama streams by default: only an explicit `stream: false` turns it off. */
  readonly stream: boolean;
  /** Thoughts are returned (`think` was truthy). */
  readonly includeThinking: boolean;
  /**
   * The Gemini body; undefined when there is nothing to generate (empty `messages`, or an empty
   * `prompt` without images): Ollama then answers at once with `doneReason`.
   */
  readonly body: GenerateContentRequest | undefined;
  /** `load`, or `unload` when keep_alive is 0; set exactly when `body` is undefined. */
  readonly doneReason?: 'load' | 'unload';
}

/** Per-request context from the server: the clock and randomness the translators may use. */
export interface OllamaAnswerContext {
  /** When the request arrived, ms since the epoch. */
  readonly startedAt: number;
  /** The time now, ms since the epoch. */
  readonly now: () => number;
  /** A fresh random token for a tool-call id. */
  readonly newToken: () => string;
}

/** A translated `/api/embed` (or legacy `/api/embeddings`) request. */
export interface OllamaEmbedRequest {
  /** The Gemini model id (no `models/` prefix). */
  readonly model: string;
  readonly requestedModel: string;
  /** One `batchEmbedContents` body per group of inputs, in order; none for a load request. */
  readonly batches: readonly EmbedBatch[];
  /** `/api/embeddings`: one `prompt` in, `{embedding}` out. */
  readonly legacy: boolean;
}

/** A tool call out: `arguments` is an object, and `index` is always written. */
export type OllamaToolCall = {
  id: string;
  function: { index: number; name: string; arguments: Record<string, unknown> };
};

export type OllamaMessage = {
  role: 'assistant';
  content: string;
  thinking?: string;
  tool_calls?: OllamaToolCall[];
};

/** The metrics of a finished answer; durations in integer nanoseconds. */
export type OllamaMetrics = {
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
};

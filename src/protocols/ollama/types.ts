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

/**
 * What ties a tool call to its conversation, so a thought signature kept for it is found again
 * only in the same conversation: the model, the `contents` before the model turn holding the
 * call, and the call itself. For a call in an answer, `contentsBefore` is the request's
 * `body.contents`; for a call in an assistant message, what the messages before it translate
 * to. It is the translator's own list, still being built: read it during the call, do not keep it.
 */
export interface CallKey {
  /** The Gemini model id. */
  readonly model: string;
  readonly contentsBefore: readonly Content[];
  readonly name: string;
  readonly args: unknown;
}

/** The signature the server remembers for a call, if any. */
export type SignatureLookup = (key: CallKey) => string | undefined;

/** Tells the server the signature Gemini sent with a call. */
export type SignatureRecorder = (key: CallKey, signature: string) => void;

/** Per-request context from the server: the clock and randomness the translators may use. */
export interface OllamaAnswerContext {
  /** When the request arrived, ms since the epoch. */
  readonly startedAt: number;
  /** The time now, ms since the epoch. */
  readonly now: () => number;
  /** A fresh random token for a tool-call id. */
  readonly newToken: () => string;
  /** Called for each tool call that comes with a thought signature (chat only). */
  readonly remember?: SignatureRecorder;
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
  /** The answer's images, bare base64 (no `data:` prefix), as Ollama's images are. */
  images?: string[];
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

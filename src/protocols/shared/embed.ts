/**
 * @module Embedding inputs as every protocol takes them (OpenAI's and Ollama's `input`): checked
 * against the caps before anything is built, then grouped into Gemini `batchEmbedContents`
 * bodies, one request per input, order kept. Pure.
 */

import type { EmbedContentRequest } from '../gemini/types.js';
import { badRequest } from './read.js';

/** Gemini takes at most this many inputs in one `batchEmbedContents` call. */
export const EMBED_BATCH_SIZE = 100;

/**
 * Inputs in one request: OpenAI's own cap. With batches of EMBED_BATCH_SIZE, one client request
 * makes at most 21 upstream calls.
 */
export const MAX_EMBEDDING_INPUTS = 2048;

/**
 * Characters in all inputs of one request. OpenAI caps a request at 300,000 tokens; at about
 * four characters a token (English text; other scripts take fewer per token) that is 1.2 million
 * characters, and each input is also capped far lower upstream (2,048 tokens for Gemini's
 * embedding models). The cap bounds the upstream bodies and the memory one request holds.
 */
export const MAX_EMBEDDING_CHARS = 1_200_000;

/** One `batchEmbedContents` body. */
export interface EmbedBatch {
  requests: EmbedContentRequest[];
}

function isTokens(item: unknown): boolean {
  return typeof item === 'number' || Array.isArray(item);
}

/**
 * The input strings (one string or a list of them), checked against the caps before anything is
 * built from them; anything else is a 400 naming `param`.
 */
export function embedTexts(value: unknown, param: string): string[] {
  const shape = `${param} must be a non-empty string or a non-empty array of non-empty strings`;
  const tokens = `${param} as token arrays is not supported; send strings`;
  const list: unknown = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) throw badRequest(param, shape);
  // One token array (a list of numbers) may be longer than the cap on inputs: say what it is first.
  if (isTokens(list[0])) throw badRequest(param, tokens);
  if (list.length > MAX_EMBEDDING_INPUTS) {
    throw badRequest(param, `${param} may hold at most ${MAX_EMBEDDING_INPUTS} strings; split it over several requests`);
  }
  let chars = 0;
  for (const item of list) {
    if (isTokens(item)) throw badRequest(param, tokens);
    if (typeof item !== 'string' || item === '') throw badRequest(param, shape);
    chars += item.length;
  }
  if (chars > MAX_EMBEDDING_CHARS) {
    throw badRequest(param, `${param} may hold at most ${MAX_EMBEDDING_CHARS} characters in all; split it over several requests`);
  }
  return list as string[];
}

/** The `batchEmbedContents` bodies for `texts` on `model` (a Gemini id), EMBED_BATCH_SIZE at a time. */
export function embedBatches(model: string, texts: readonly string[], dimensions: number | undefined): EmbedBatch[] {
  const requests = texts.map((text) => ({
    model: `models/${model}`,
    content: { parts: [{ text }] },
    ...(dimensions !== undefined && { outputDimensionality: dimensions }),
  }));
  const batches: EmbedBatch[] = [];
  for (let start = 0; start < requests.length; start += EMBED_BATCH_SIZE) {
    batches.push({ requests: requests.slice(start, start + EMBED_BATCH_SIZE) });
  }
  return batches;
}

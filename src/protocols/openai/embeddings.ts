/**
 * @module OpenAI embeddings ↔ Gemini `batchEmbedContents`: one request per input, order kept;
 * `encoding_format: "base64"` (what the openai SDK asks for by default) is little-endian float32.
 * Gemini reports no token usage, so usage is 0. Pure.
 */

import type { BatchEmbedContentsResponse, EmbedContentRequest } from '../gemini/types.js';
import { badRequest, readNumber, readString, type Json } from './read.js';
import { resolveModelName, type ModelResolver } from './request.js';

/** Gemini takes at most this many inputs in one `batchEmbedContents` call. */
const EMBED_BATCH_SIZE = 100;

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

export interface EmbeddingsRequest {
  readonly model: string;
  readonly requestedModel: string;
  readonly base64: boolean;
  /** One `batchEmbedContents` body per group of up to EMBED_BATCH_SIZE inputs, in order. */
  readonly batches: { requests: EmbedContentRequest[] }[];
}

const INPUT_SHAPE = 'input must be a non-empty string or a non-empty array of non-empty strings';
const TOKENS = 'input as token arrays is not supported; send strings';

function isTokens(item: unknown): boolean {
  return typeof item === 'number' || Array.isArray(item);
}

/** The input strings, checked against the caps before anything is built from them. */
function inputs(value: unknown): string[] {
  const list: unknown = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) throw badRequest('input', INPUT_SHAPE);
  // One token array (a list of numbers) may be longer than the cap on inputs: say what it is first.
  if (isTokens(list[0])) throw badRequest('input', TOKENS);
  if (list.length > MAX_EMBEDDING_INPUTS) {
    throw badRequest('input', `input may hold at most ${MAX_EMBEDDING_INPUTS} strings; split it over several requests`);
  }
  let chars = 0;
  for (const item of list) {
    if (isTokens(item)) throw badRequest('input', TOKENS);
    if (typeof item !== 'string' || item === '') throw badRequest('input', INPUT_SHAPE);
    chars += item.length;
  }
  if (chars > MAX_EMBEDDING_CHARS) {
    throw badRequest('input', `input may hold at most ${MAX_EMBEDDING_CHARS} characters in all; split it over several requests`);
  }
  return list as string[];
}

export function translateEmbeddingsRequest(body: Json, resolve: ModelResolver): EmbeddingsRequest {
  const { model, requested } = resolveModelName(body['model'], resolve);
  const texts = inputs(body['input']);
  const format = readString(body['encoding_format'], 'encoding_format') ?? 'float';
  if (format !== 'float' && format !== 'base64') throw badRequest('encoding_format', 'encoding_format must be float or base64');
  const dimensions = readNumber(body['dimensions'], 'dimensions', { integer: true, min: 1 });
  const requests = texts.map((text) => ({
    model: `models/${model}`,
    content: { parts: [{ text }] },
    ...(dimensions !== undefined && { outputDimensionality: dimensions }),
  }));
  const batches = [];
  for (let start = 0; start < requests.length; start += EMBED_BATCH_SIZE) {
    batches.push({ requests: requests.slice(start, start + EMBED_BATCH_SIZE) });
  }
  return { model, requestedModel: requested, base64: format === 'base64', batches };
}

function encode(values: readonly number[]): string {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString('base64');
}

/** The answers of every batch (checked by gemini/answers.ts), in order, as one OpenAI list. */
export function toEmbeddingsResponse(responses: readonly BatchEmbedContentsResponse[], request: EmbeddingsRequest): Json {
  const data = responses.flatMap((response) => response.embeddings ?? []).map((embedding, index) => {
    const values = embedding.values ?? [];
    return { object: 'embedding', index, embedding: request.base64 ? encode(values) : values };
  });
  return { object: 'list', data, model: request.requestedModel, usage: { prompt_tokens: 0, total_tokens: 0 } };
}

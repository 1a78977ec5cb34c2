/**
 * @module OpenAI embeddings ↔ Gemini `batchEmbedContents`: one request per input, order kept;
 * `encoding_format: "base64"` (what the openai SDK asks for by default) is little-endian float32.
 * Gemini reports no token usage, so usage is 0. Pure.
 */

import type { BatchEmbedContentsResponse } from '../gemini/types.js';
import { embedBatches, embedTexts, type EmbedBatch } from '../shared/embed.js';
import { badRequest, readNumber, readString, type Json } from '../shared/read.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';

/** The caps live with the shared input checks; re-exported where OpenAI's callers look for them. */
export { MAX_EMBEDDING_CHARS, MAX_EMBEDDING_INPUTS } from '../shared/embed.js';

export interface EmbeddingsRequest {
  readonly model: string;
  readonly requestedModel: string;
  readonly base64: boolean;
  /** One `batchEmbedContents` body per group of up to EMBED_BATCH_SIZE inputs, in order. */
  readonly batches: EmbedBatch[];
}

export function translateEmbeddingsRequest(body: Json, resolve: ModelResolver): EmbeddingsRequest {
  const { model, requested } = resolveModelName(body['model'], resolve);
  const texts = embedTexts(body['input'], 'input');
  const format = readString(body['encoding_format'], 'encoding_format') ?? 'float';
  if (format !== 'float' && format !== 'base64') throw badRequest('encoding_format', 'encoding_format must be float or base64');
  const dimensions = readNumber(body['dimensions'], 'dimensions', { integer: true, min: 1 });
  const batches = embedBatches(model, texts, dimensions);
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

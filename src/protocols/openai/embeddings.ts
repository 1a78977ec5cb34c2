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

export interface EmbeddingsRequest {
  readonly model: string;
  readonly requestedModel: string;
  readonly base64: boolean;
  /** One `batchEmbedContents` body per group of up to EMBED_BATCH_SIZE inputs, in order. */
  readonly batches: { requests: EmbedContentRequest[] }[];
}

function inputs(value: unknown): string[] {
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item !== '')) return value as string[];
  if (Array.isArray(value) && value.some((item) => typeof item === 'number' || Array.isArray(item))) {
    throw badRequest('input', 'input as token arrays is not supported; send strings');
  }
  throw badRequest('input', 'input must be a non-empty string or a non-empty array of non-empty strings');
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

/** The answers of every batch, in order, as one OpenAI list. */
export function toEmbeddingsResponse(responses: readonly BatchEmbedContentsResponse[], request: EmbeddingsRequest): Json {
  const data = responses.flatMap((response) => response.embeddings ?? []).map((embedding, index) => {
    const values = embedding.values ?? [];
    return { object: 'embedding', index, embedding: request.base64 ? encode(values) : values };
  });
  return { object: 'list', data, model: request.requestedModel, usage: { prompt_tokens: 0, total_tokens: 0 } };
}

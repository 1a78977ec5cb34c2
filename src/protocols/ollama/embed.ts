/**
 * @module Ollama embeddings ↔ Gemini `batchEmbedContents` (wire-formats §3.4): `/api/embed`
 * (`input`: a string or a list) and the legacy `/api/embeddings` (`prompt`). An empty input only
 * loads the model, as in Ollama: no batches, no embeddings. `truncate` is accepted and ignored:
 * Gemini truncates long inputs itself. Gemini reports no token usage, so counts are 0. Pure.
 */

import type { BatchEmbedContentsResponse } from '../gemini/types.js';
import { embedBatches, embedTexts } from '../shared/embed.js';
import { isObject, type Json } from '../shared/json.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { readBoolean, readNumber, readObject, readString } from '../shared/read.js';
import { nanoseconds } from './metrics.js';
import { isUnload } from './request.js';
import type { OllamaAnswerContext, OllamaEmbedRequest } from './types.js';

function isNothing(input: unknown): boolean {
  return input === undefined || input === null || input === '' || (Array.isArray(input) && input.length === 0);
}

/** Checks the fields both endpoints accept and ignore. */
function checkIgnored(body: Json): void {
  readObject(body['options'], 'options');
  isUnload(body['keep_alive']);
}

/** `/api/embed` → one Gemini request per input, in batches. */
export function translateOllamaEmbed(body: Json, resolve: ModelResolver): OllamaEmbedRequest {
  const { model, requested } = resolveModelName(body['model'], resolve, { tagged: true });
  const input = body['input'];
  const texts = isNothing(input) ? [] : embedTexts(input, 'input');
  const dimensions = readNumber(body['dimensions'], 'dimensions', { integer: true, min: 1 });
  readBoolean(body['truncate'], 'truncate');
  checkIgnored(body);
  return { model, requestedModel: requested, batches: embedBatches(model, texts, dimensions), legacy: false };
}

/** The legacy `/api/embeddings` → one Gemini request for `prompt`. */
export function translateOllamaEmbeddings(body: Json, resolve: ModelResolver): OllamaEmbedRequest {
  const { model, requested } = resolveModelName(body['model'], resolve, { tagged: true });
  const prompt = readString(body['prompt'], 'prompt') ?? '';
  checkIgnored(body);
  const texts = prompt === '' ? [] : embedTexts(prompt, 'prompt');
  return { model, requestedModel: requested, batches: embedBatches(model, texts, undefined), legacy: true };
}

/** The embeddings of every batch, in order; an embedding without values is empty. */
function vectors(responses: readonly BatchEmbedContentsResponse[]): number[][] {
  return responses.flatMap((response) => (isObject(response) && Array.isArray(response.embeddings) ? response.embeddings : []))
    .map((embedding) => (isObject(embedding) && Array.isArray(embedding.values) ? embedding.values : []));
}

/** The answer: `{model, embeddings, …metrics}`, or the legacy `{embedding}`. */
export function toOllamaEmbed(responses: readonly BatchEmbedContentsResponse[], request: OllamaEmbedRequest, ctx: OllamaAnswerContext): Json {
  const embeddings = vectors(responses);
  if (request.legacy) return { embedding: embeddings[0] ?? [] };
  const totalDuration = nanoseconds(ctx.now() - ctx.startedAt);
  return { model: request.requestedModel, embeddings, total_duration: totalDuration, load_duration: 0, prompt_eval_count: 0 };
}

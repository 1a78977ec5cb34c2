/**
 * @module Shape checks for Gemini's 2xx answers to the translated APIs, so an odd answer is
 * refused as the upstream's fault instead of crashing a translator. They check what the
 * translators read (src/protocols/openai/response.ts, stream.ts, embeddings.ts, models.ts) and
 * let everything else through; each runs in one pass without copying. Pure.
 */

import { isObject, withinDepth } from '../shared/json.js';
import type { BatchEmbedContentsResponse, GenerateContentResponse, ListModelsResponse } from './types.js';

/**
 * Deepest function-call arguments taken. The translators re-serialize them with JSON.stringify,
 * which recurses and overflows the stack a few thousand levels down; tool schemas the proxy
 * sends are at most 128 deep.
 */
export const MAX_ARGS_DEPTH = 256;

type Check = (value: unknown) => boolean;

function optional(value: unknown, check: Check): boolean {
  return value === undefined || check(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A position in a list (proto3 omits it when 0). */
export function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isListOf(value: unknown, check: Check): value is unknown[] {
  return Array.isArray(value) && value.every((item) => check(item));
}

function isFunctionCall(value: unknown): boolean {
  return isObject(value) && isString(value['name']) && optional(value['id'], isString) &&
    optional(value['args'], (args) => isObject(args) && withinDepth(args, MAX_ARGS_DEPTH));
}

function isInlineData(value: unknown): boolean {
  return isObject(value) && isString(value['data']) && optional(value['mimeType'], isString);
}

/** A part whose fields the translators read are each of the right kind (or absent). */
export function isPart(value: unknown): boolean {
  return isObject(value) &&
    optional(value['text'], isString) &&
    optional(value['thought'], isBoolean) &&
    optional(value['thoughtSignature'], isString) &&
    optional(value['functionCall'], isFunctionCall) &&
    optional(value['inlineData'], isInlineData);
}

function isContent(value: unknown): boolean {
  return isObject(value) && optional(value['role'], isString) && optional(value['parts'], (parts) => isListOf(parts, isPart));
}

function isCandidate(value: unknown): boolean {
  return isObject(value) &&
    optional(value['content'], isContent) &&
    optional(value['finishReason'], isString) &&
    optional(value['index'], isIndex);
}

const USAGE_COUNTS = [
  'promptTokenCount', 'candidatesTokenCount', 'thoughtsTokenCount', 'toolUsePromptTokenCount',
  'cachedContentTokenCount', 'totalTokenCount',
] as const;

function isUsage(value: unknown): boolean {
  return isObject(value) && USAGE_COUNTS.every((name) => optional(value[name], isCount));
}

function isPromptFeedback(value: unknown): boolean {
  return isObject(value) && optional(value['blockReason'], isString);
}

/** A `generateContent` answer the chat translators can read whole. */
export function isGenerateContentResponse(value: unknown): value is GenerateContentResponse {
  return isObject(value) &&
    optional(value['candidates'], (candidates) => isListOf(candidates, isCandidate)) &&
    optional(value['usageMetadata'], isUsage) &&
    optional(value['promptFeedback'], isPromptFeedback);
}

function isEmbedding(value: unknown): boolean {
  return isObject(value) && isListOf(value['values'], isCount);
}

/**
 * A `batchEmbedContents` answer with exactly one embedding per input: with fewer (or more) the
 * embeddings would be matched to the wrong inputs.
 */
export function isBatchEmbedContentsResponse(value: unknown, expectedCount: number): value is BatchEmbedContentsResponse {
  if (!isObject(value)) return false;
  const embeddings = value['embeddings'];
  return Array.isArray(embeddings) && embeddings.length === expectedCount && isListOf(embeddings, isEmbedding);
}

function isModel(value: unknown): boolean {
  return isObject(value) && isString(value['name']);
}

/** A models list whose entries each have a name. */
export function isListModelsResponse(value: unknown): value is ListModelsResponse {
  return isObject(value) && optional(value['models'], (models) => isListOf(models, isModel)) &&
    optional(value['nextPageToken'], isString);
}

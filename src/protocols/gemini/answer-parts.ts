/**
 * @module Reading a GenerateContentResponse the way every translator does: its candidates, their
 * parts, the images among them, their grounding, a blocked prompt, token counts. Total: whatever the upstream sent, nothing here throws;
 * a candidate that is not an object, or a part with a field of the wrong kind (see answers.ts),
 * is skipped, and a count of the wrong kind counts as 0.
 */

import { isIndex, isPart } from './answers.js';
import type { Candidate, FunctionCall, GenerateContentResponse, InlineData, Part, UsageMetadata } from './types.js';
import { isObject } from '../shared/json.js';

/** A candidate's index (the choice it answers); proto3 omits `index` when it is 0. */
export function candidateIndex(candidate: Candidate, position: number): number {
  return isIndex(candidate.index) ? candidate.index : position;
}

/** The candidates that are objects, each with its position in the list. */
export function candidatesOf(response: GenerateContentResponse): [Candidate, number][] {
  const list: unknown = isObject(response) ? response.candidates : undefined;
  if (!Array.isArray(list)) return [];
  const candidates: [Candidate, number][] = [];
  list.forEach((candidate: unknown, position) => {
    if (isObject(candidate)) candidates.push([candidate, position]);
  });
  return candidates;
}

/** Candidate 0 (proto3 omits its index), the one answer of protocols that take one; undefined when absent. */
export function firstCandidate(response: GenerateContentResponse): Candidate | undefined {
  return candidatesOf(response).find(([candidate, position]) => candidateIndex(candidate, position) === 0)?.[0];
}

/** A candidate's parts, or none when its content is not an object holding a list. */
export function partsOf(candidate: Candidate): readonly unknown[] {
  const content: unknown = candidate.content;
  const parts = isObject(content) ? content['parts'] : undefined;
  return Array.isArray(parts) ? parts : [];
}

/** Whether the prompt was blocked (Gemini then sends no candidates). */
export function promptBlocked(response: GenerateContentResponse): boolean {
  const feedback: unknown = isObject(response) ? response.promptFeedback : undefined;
  return isObject(feedback) && typeof feedback['blockReason'] === 'string';
}

export type FunctionCallPart = Part & { functionCall: FunctionCall };

/** What one part contributes to an answer: a function call, text, or a thought. */
export type PartContent = { kind: 'call'; part: FunctionCallPart } | { kind: 'text' | 'thought'; text: string };

function hasFunctionCall(part: Part): part is FunctionCallPart {
  return part.functionCall !== undefined;
}

/** What a part contributes; undefined for parts no translator carries (inline data, code), or not well formed. */
export function readPart(value: unknown): PartContent | undefined {
  if (!isPart(value)) return undefined;
  const part = value as Part;
  if (hasFunctionCall(part)) return { kind: 'call', part };
  if (typeof part.text !== 'string') return undefined;
  return { kind: part.thought === true ? 'thought' : 'text', text: part.text };
}

/** An image type a data: URL can carry and markdown can show: `image/`, then a plain subtype. */
const IMAGE_TYPE = /^image\/[a-z0-9.+-]{1,64}$/i;

/**
 * The image a part holds (an image model's answer): `inlineData` with an image type. A thought's
 * draft image (`thought: true`, Gemini 3 image models) is not the answer, and audio is not an
 * image: both are undefined, as is a part that is not well formed.
 */
export function readImage(value: unknown): InlineData | undefined {
  if (!isPart(value)) return undefined;
  const part = value as Part;
  const image = part.inlineData;
  if (image === undefined || part.thought === true || !IMAGE_TYPE.test(image.mimeType ?? '')) return undefined;
  return image;
}

/** A candidate's `groundingMetadata` (Google Search), as sent: shared/grounding.ts reads it. */
export function groundingOf(candidate: Candidate): unknown {
  return isObject(candidate) ? candidate['groundingMetadata'] : undefined;
}

/** Token counts from `usageMetadata`; the prompt includes tool-use tokens, the completion thoughts. */
export interface TokenCounts {
  readonly prompt: number;
  readonly completion: number;
  readonly reasoning: number;
  readonly cached: number;
}

export function tokenCounts(usage: unknown): TokenCounts {
  const count = (name: keyof UsageMetadata): number => {
    const value: unknown = isObject(usage) ? usage[name] : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  const reasoning = count('thoughtsTokenCount');
  return {
    prompt: count('promptTokenCount') + count('toolUsePromptTokenCount'),
    completion: count('candidatesTokenCount') + reasoning,
    reasoning,
    cached: count('cachedContentTokenCount'),
  };
}

/**
 * @module Gemini's answer → the simple endpoint's `{"message": "<text>"}`: the text parts of
 * candidate 0, thoughts left out. Total like answer-parts.ts: what is not usable is skipped, so
 * a blocked prompt or an answer without text is an empty message. Pure.
 */

import { candidateIndex, candidatesOf, partsOf, readPart } from '../gemini/answer-parts.js';
import type { Candidate, GenerateContentResponse } from '../gemini/types.js';

export interface SimpleAnswer {
  readonly message: string;
}

/** Candidate 0 (by its index, which proto3 omits when it is 0), if the response has one. */
export function firstCandidate(response: GenerateContentResponse): Candidate | undefined {
  return candidatesOf(response).find(([candidate, position]) => candidateIndex(candidate, position) === 0)?.[0];
}

/** The text of a candidate's parts, thoughts and function calls left out. */
export function candidateText(candidate: Candidate): string {
  let text = '';
  for (const part of partsOf(candidate)) {
    const read = readPart(part);
    if (read?.kind === 'text') text += read.text;
  }
  return text;
}

export function toSimpleAnswer(response: GenerateContentResponse): SimpleAnswer {
  const candidate = firstCandidate(response);
  return { message: candidate === undefined ? '' : candidateText(candidate) };
}

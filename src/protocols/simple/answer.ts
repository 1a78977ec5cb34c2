/**
 * @module Gemini's answer → the simple endpoint's `{"message": "<text>"}`: the text parts of
 * candidate 0, thoughts left out. Total like answer-parts.ts: what is not usable is skipped, so
 * a blocked prompt or an answer without text is an empty message. Pure.
 */

import { firstCandidate, partsOf, readPart } from '../gemini/answer-parts.js';
import type { Candidate, GenerateContentResponse } from '../gemini/types.js';

export interface SimpleAnswer {
  readonly message: string;
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

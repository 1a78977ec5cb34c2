/**
 * @module A chat's history: the exchange a message adds, and trimming to a size bound. Pure.
 *
 * The history alternates a user turn and the model's answer, oldest first. Trimming drops whole
 * exchanges from the front, so what remains still starts with a question and never splits one
 * from its answer.
 */

import { firstCandidate, partsOf, readPart } from '../gemini/answer-parts.js';
import type { Content, GenerateContentResponse, Part } from '../gemini/types.js';
import { jsonSize } from '../shared/json.js';

/** The answer's text, and the model turn to keep: its parts without thoughts (signatures kept). */
export interface Answer {
  readonly text: string;
  readonly turn: Content | undefined;
}

/** Candidate 0's answer; no turn when it said nothing (an empty model turn would be refused later). */
export function readAnswer(response: GenerateContentResponse): Answer {
  const candidate = firstCandidate(response);
  const parts: Part[] = [];
  let text = '';
  for (const part of candidate === undefined ? [] : partsOf(candidate)) {
    const read = readPart(part);
    if (read === undefined || read.kind === 'thought') continue;
    if (read.kind === 'text') text += read.text;
    parts.push(part as Part);
  }
  return { text, turn: parts.length === 0 ? undefined : { role: 'model', parts } };
}

/** The user's turn for a message. */
export function userTurn(message: string): Content {
  return { role: 'user', parts: [{ text: message }] };
}

/**
 * The history after one exchange, trimmed to `maxBytes` (its JSON size): oldest exchanges go
 * first, two turns at a time. An exchange the model did not answer is not kept at all.
 */
export function afterExchange(history: readonly Content[], question: Content, answer: Content | undefined, maxBytes: number): Content[] {
  if (answer === undefined) return [...history];
  const next = [...history, question, answer];
  let size = jsonSize(next);
  let from = 0;
  while (size > maxBytes && from < next.length) {
    size -= jsonSize(next[from]) + jsonSize(next[from + 1]) + 2;
    from += 2;
  }
  return next.slice(from);
}

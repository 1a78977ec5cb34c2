/**
 * @module Whether a GenerateContentResponse (an answer, or one chunk of a stream) says anything.
 * Google sometimes answers 200 with nothing in it: no candidate, or candidates without a part
 * and without a finish reason. That is a failed attempt, not an answer (issue 12 §4). A finish
 * reason of any value (`SAFETY`, `RECITATION`, `MAX_TOKENS` with only thoughts) and a blocked
 * prompt (`promptFeedback.blockReason`, no candidates) are real answers: another key would get
 * the same. Pure and total: whatever the value, nothing here throws.
 */

import { isObject } from '../shared/json.js';
import { promptBlocked } from './answer-parts.js';
import type { GenerateContentResponse } from './types.js';

/** A candidate that holds a part, or says why it ended. */
function candidateSays(candidate: unknown): boolean {
  if (!isObject(candidate)) return false;
  if (typeof candidate['finishReason'] === 'string') return true;
  const content = candidate['content'];
  const parts = isObject(content) ? content['parts'] : undefined;
  return Array.isArray(parts) && parts.length > 0;
}

/**
 * True when `value` holds a part, a finish reason or a blocked prompt. A value that is not an
 * answer's shape (not an object, `candidates` not a list) is not judged here: it says something
 * (shape checks are the translators' business; the pass-through passes it on as it came).
 */
export function saysSomething(value: unknown): boolean {
  if (!isObject(value)) return true;
  const candidates = value['candidates'];
  if (candidates !== undefined && !Array.isArray(candidates)) return true;
  if (promptBlocked(value as GenerateContentResponse)) return true;
  return Array.isArray(candidates) && candidates.some(candidateSays);
}

/** A whole answer that holds nothing: the attempt failed (the policy's `empty-answer` row). */
export function isEmptyAnswer(value: unknown): boolean {
  return !saysSomething(value);
}

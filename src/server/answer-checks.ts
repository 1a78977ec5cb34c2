/**
 * @module What the routes ask the dispatcher to read of a 2xx before the proxy commits to it
 * (issue 12 §4): a generateContent answer must say something, and a stream's headers wait for
 * its first content. An answer that fails either goes to another key (the policy's
 * `empty-answer` row), since nothing has reached the client yet.
 */

import { ProxyError } from '../errors.js';
import { isEmptyAnswer } from '../protocols/gemini/empty-answer.js';
import { JsonAnswerScanner, SseStartScanner } from '../protocols/gemini/stream-start.js';
import type { JsonCheck } from '../upstream/answer.js';
import type { JsonResult } from '../upstream/dispatch.js';
import { HeldStream, type HoldCheck } from '../upstream/held-stream.js';

/** A generateContent answer of `shape` that also says something; an empty one fails the attempt. */
export function sayingAnswer(shape: (value: unknown) => boolean): JsonCheck {
  return (value) => {
    if (!shape(value)) return false;
    return isEmptyAnswer(value) ? 'ANSWER_EMPTY' : true;
  };
}

/**
 * An `alt=sse` stream: its headers wait for the first event with content, at most `holdMs` (the
 * keep-alive interval, so a slow first token never leaves a silent connection). None when
 * keep-alives are off: headers then go at once, as Gemini sends them.
 */
export function sseStartHold(holdMs: number): HoldCheck | undefined {
  if (holdMs <= 0) return undefined;
  return { kind: 'hold', holdMs, scanner: () => new SseStartScanner() };
}

/**
 * A non-streamed answer passed through as it came: held whole (it arrives at once, after the
 * generation) up to HOLD_LIMIT, and judged when it ends. Larger answers pass unjudged.
 */
export const JSON_ANSWER_HOLD: HoldCheck = { kind: 'hold', holdMs: undefined, scanner: () => new JsonAnswerScanner() };

/** The held body of a request sent with a HoldCheck. */
export function heldBody(result: JsonResult): HeldStream {
  if (result.value instanceof HeldStream) return result.value;
  throw new ProxyError('GP_INTERNAL', 'a held answer was expected');
}

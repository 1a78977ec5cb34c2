/**
 * @module Reading a non-streamed 2xx answer inside the retry loop, for the translated APIs: the
 * whole body, parsed and checked. A body cut short, silent past the idle timeout, not JSON or not
 * the shape its translator needs is the attempt's failure, not the client's and not a bug.
 */

import type { AnswerCheck, ByteBudget, ResponseBody } from './attempt.js';
import { failureCode } from './attempt.js';

/** The largest answer read whole (generated images arrive inline, base64). */
export const ANSWER_LIMIT = 64 * 1024 * 1024;

export type AnswerRead =
  | { readonly ok: true; readonly value: unknown }
  /** `code`: the transport's (`UND_ERR_SOCKET`, `UND_ERR_BODY_TIMEOUT`) or ANSWER_* below. */
  | { readonly ok: false; readonly code: string };

/** Answers that were too large to hold: over ANSWER_LIMIT, or over what the budget has room for. */
type Oversized = 'ANSWER_TOO_LARGE' | 'ANSWER_OVER_BUDGET';

async function readAll(body: ResponseBody, budget: ByteBudget | undefined): Promise<Buffer | Oversized> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the rest of the body.
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > ANSWER_LIMIT) return 'ANSWER_TOO_LARGE';
    if (budget !== undefined && !budget.reserve(chunk.length)) return 'ANSWER_OVER_BUDGET';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads and checks `body`, counting it against `budget`. Throws only when `signal` (the
 * client's) aborted the read.
 */
export async function readAnswer(body: ResponseBody, check: AnswerCheck, signal: AbortSignal, budget?: ByteBudget): Promise<AnswerRead> {
  let raw: Buffer | Oversized;
  try {
    raw = await readAll(body, budget);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return { ok: false, code: failureCode(error) };
  }
  if (typeof raw === 'string') return { ok: false, code: raw };
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, code: 'ANSWER_NOT_JSON' };
  }
  return check(value) ? { ok: true, value } : { ok: false, code: 'ANSWER_BAD_SHAPE' };
}

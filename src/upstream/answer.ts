/**
 * @module Reading a 2xx answer inside the retry loop, before the proxy commits to it: a
 * non-streamed answer of the translated APIs read whole, parsed and checked; or the start of an
 * answer held until it shows content (held-stream.ts). A body cut short, silent past the idle
 * timeout, not JSON, not the shape its translator needs, or holding nothing is the attempt's
 * failure, not the client's and not a bug.
 */

import type { ByteBudget, ResponseBody } from './attempt.js';
import { failureCode } from './attempt.js';
import type { ClientSignal } from './client-signal.js';
import { readHeld, type HoldCheck } from './held-stream.js';

/** The largest answer read whole (generated images arrive inline, base64). */
export const ANSWER_LIMIT = 64 * 1024 * 1024;

/**
 * Whether a 2xx answer read as JSON is what its caller needs: true; false when it is not the
 * shape; `ANSWER_EMPTY` when it is, but holds nothing (src/protocols/gemini/empty-answer.ts).
 */
export type JsonCheck = (value: unknown) => boolean | 'ANSWER_EMPTY';

/** What the dispatcher reads of a 2xx before it commits: the whole JSON, or a held start. */
export type AnswerCheck = JsonCheck | HoldCheck;

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
  for await (const chunk of body) {
    size += chunk.length;
    if (size > ANSWER_LIMIT) return 'ANSWER_TOO_LARGE';
    if (budget !== undefined && !budget.reserve(chunk.length)) return 'ANSWER_OVER_BUDGET';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads and checks `body`, counting an answer read whole against `budget` (a held start is
 * bounded by HOLD_LIMIT instead). Throws only when `signal` (the client's) aborted the read.
 */
export function readAnswer(body: ResponseBody, check: AnswerCheck, signal: ClientSignal, budget?: ByteBudget): Promise<AnswerRead> {
  return typeof check === 'function' ? readWhole(body, check, signal, budget) : readHeld(body, check, signal);
}

async function readWhole(body: ResponseBody, check: JsonCheck, signal: ClientSignal, budget: ByteBudget | undefined): Promise<AnswerRead> {
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
  const verdict = check(value);
  if (verdict === true) return { ok: true, value };
  return { ok: false, code: verdict === false ? 'ANSWER_BAD_SHAPE' : verdict };
}

/**
 * @module Reading a non-streamed 2xx answer inside the retry loop, for the translated APIs: the
 * whole body, parsed and checked. A body cut short, silent past the idle timeout, not JSON or not
 * the shape its translator needs is the attempt's failure, not the client's and not a bug.
 */

import type { AnswerCheck, ResponseBody } from './attempt.js';
import { failureCode } from './attempt.js';

/** The largest answer read whole (generated images arrive inline, base64). */
export const ANSWER_LIMIT = 64 * 1024 * 1024;

export type AnswerRead =
  | { readonly ok: true; readonly value: unknown }
  /** `code`: the transport's (`UND_ERR_SOCKET`, `UND_ERR_BODY_TIMEOUT`) or ANSWER_* below. */
  | { readonly ok: false; readonly code: string };

async function readAll(body: ResponseBody): Promise<Buffer | 'ANSWER_TOO_LARGE'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > ANSWER_LIMIT) return 'ANSWER_TOO_LARGE'; // leaving the loop destroys the body
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Reads and checks `body`. Throws only when `signal` (the client's) aborted the read. */
export async function readAnswer(body: ResponseBody, check: AnswerCheck, signal: AbortSignal): Promise<AnswerRead> {
  let raw: Buffer | 'ANSWER_TOO_LARGE';
  try {
    raw = await readAll(body);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return { ok: false, code: failureCode(error) };
  }
  if (raw === 'ANSWER_TOO_LARGE') return { ok: false, code: raw };
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, code: 'ANSWER_NOT_JSON' };
  }
  return check(value) ? { ok: true, value } : { ok: false, code: 'ANSWER_BAD_SHAPE' };
}

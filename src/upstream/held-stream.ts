/**
 * @module Holding the start of a 2xx body inside the retry loop, before the proxy commits to it
 * (issue 12 §4). The response headers wait until a scanner has seen content, the body has ended
 * whole, the hold has lasted `holdMs` or holds HOLD_LIMIT bytes: whichever comes first. An answer
 * that ends holding nothing, or breaks before content, is the attempt's failure, and another key
 * or relay may still answer, since nothing has reached the client. What was held is passed on
 * first, then the rest of the body as it comes: the client sees the same bytes, only later.
 */

import { failureCode, type ResponseBody } from './attempt.js';
import type { ClientSignal } from './client-signal.js';

/** Past this much held the body is passed on unjudged: no empty answer is ever this large. */
export const HOLD_LIMIT = 64 * 1024;

/** Reads one body's start. */
export interface StartScanner {
  /** True once `chunk` completed something that carries content. */
  push(chunk: Buffer): boolean;
  /** At the body's end, before content was seen: true when the whole still carries some. */
  end(): boolean;
}

/** Asks the dispatcher to hold a 2xx body's start (see AnswerCheck in answer.ts). */
export interface HoldCheck {
  readonly kind: 'hold';
  /** The longest the headers wait, in ms; undefined: until content, the end or HOLD_LIMIT. */
  readonly holdMs: number | undefined;
  /** A fresh scanner for one attempt's body. */
  scanner(): StartScanner;
}

export type HoldRead =
  | { readonly ok: true; readonly value: HeldStream }
  /** `ANSWER_EMPTY`: the body ended without content; else the transport's code. */
  | { readonly ok: false; readonly code: string };

const DONE: IteratorResult<Buffer> = { done: true, value: undefined };

/**
 * A body whose start was held: the held chunks, then the rest as it arrives. Read once. The
 * iterator hands the body's own reads through (no generator in between, so a long stream pays
 * nothing per chunk for having been held), and a reader that stops early lets the body go, as
 * `for await` over the body itself would.
 */
export class HeldStream implements AsyncIterable<Buffer> {
  readonly #head: Buffer[];
  readonly #rest: AsyncIterator<Buffer> | undefined;
  /** A read of the rest already under way when the hold ended on time. */
  #pending: Promise<IteratorResult<Buffer>> | undefined;

  constructor(head: Buffer[], rest?: AsyncIterator<Buffer>, pending?: Promise<IteratorResult<Buffer>>) {
    this.#head = head;
    this.#rest = rest;
    this.#pending = pending;
  }

  /** Whether held chunks are still to be read: the answer's start is here already. */
  get started(): boolean {
    return this.#head.length > 0;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => this.#next(),
      return: async () => {
        await this.#rest?.return?.();
        return DONE;
      },
    };
  }

  #next(): Promise<IteratorResult<Buffer>> {
    const held = this.#head.shift();
    if (held !== undefined) return Promise.resolve({ done: false, value: held });
    const pending = this.#pending;
    this.#pending = undefined;
    return pending ?? this.#rest?.next() ?? Promise.resolve(DONE);
  }
}

const RELEASE = Symbol('release');

/** Resolves with RELEASE after `ms`; `cancel` stops the timer. */
function releaseAfter(ms: number): { promise: Promise<typeof RELEASE>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<typeof RELEASE>((resolve) => {
    timer = setTimeout(resolve, ms, RELEASE);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** The next chunk, or RELEASE when the hold's time ran out first. */
function nextWithin(pending: Promise<IteratorResult<Buffer>>, release: Promise<typeof RELEASE> | undefined) {
  return release === undefined ? pending : Promise.race([pending, release]);
}

/**
 * Holds the start of `body` as `check` asks. Throws only when `signal` (the client's) aborted
 * the read.
 */
export async function readHeld(body: ResponseBody, check: HoldCheck, signal: ClientSignal): Promise<HoldRead> {
  const rest = body[Symbol.asyncIterator]();
  const scanner = check.scanner();
  const head: Buffer[] = [];
  let held = 0;
  // No timer for a hold without a time bound (a non-streamed answer, which comes at once).
  const release = check.holdMs === undefined ? undefined : releaseAfter(check.holdMs);
  try {
    for (;;) {
      const pending = rest.next();
      const next = await nextWithin(pending, release?.promise);
      if (next === RELEASE) {
        // The reader awaits it later; until then its failure must not go unhandled.
        pending.catch(() => undefined);
        return { ok: true, value: new HeldStream(head, rest, pending) };
      }
      if (next.done === true) {
        return scanner.end() ? { ok: true, value: new HeldStream(head) } : { ok: false, code: 'ANSWER_EMPTY' };
      }
      head.push(next.value);
      held += next.value.length;
      if (scanner.push(next.value) || held > HOLD_LIMIT) return { ok: true, value: new HeldStream(head, rest) };
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return { ok: false, code: failureCode(error) };
  } finally {
    release?.cancel();
  }
}

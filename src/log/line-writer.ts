/**
 * @module Log lines to a file descriptor (stdout), written off the event loop. The lines of one
 * turn of the loop go out together in one write; while a write is under way the next batch
 * gathers. It replaces pino.destination (sonic-boom), which measured the gathered text again at
 * every line: one copy of the whole batch per line, ~4 KB per request at 50 connections, and the
 * largest allocation of the pass-through. Pass-through: +2 % requests/s, −3 % CPU per request
 * (bench/ab.sh, 8 rounds). Unbounded, as sonic-boom was: a reader that stalls holds lines in memory.
 */

import { write } from 'node:fs';

/** A pipe whose reader is slow (non-blocking stdout): wait, then try the same bytes again. */
const EAGAIN_RETRY_MS = 100;

export class LineWriter {
  readonly #fd: number;
  #waiting: string[] = [];
  /** A batch is being written, or one is scheduled for the end of this turn. */
  #busy = false;
  /** The reader went away (EPIPE and the like): lines are dropped from then on. */
  #broken = false;
  /** What end() returned while a batch was under way, and its resolver. */
  #whenIdle: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  constructor(fd: number) {
    this.#fd = fd;
  }

  write(line: string): void {
    if (this.#broken) return;
    this.#waiting.push(line);
    if (this.#busy) return;
    this.#busy = true;
    setImmediate(this.#next);
  }

  /** Resolves once every line written so far has reached the descriptor (or could not). */
  end(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    this.#whenIdle ??= new Promise((resolve) => {
      this.#idle = resolve;
    });
    return this.#whenIdle;
  }

  readonly #next = (): void => {
    if (this.#waiting.length === 0) {
      this.#busy = false;
      this.#idle?.();
      this.#idle = undefined;
      this.#whenIdle = undefined;
      return;
    }
    this.#send(Buffer.from(this.#take()));
  };

  #take(): string {
    const text = this.#waiting.length === 1 ? (this.#waiting[0] ?? '') : this.#waiting.join('');
    this.#waiting = [];
    return text;
  }

  #send(bytes: Buffer): void {
    write(this.#fd, bytes, 0, bytes.length, null, (error, written) => {
      if (error?.code === 'EAGAIN') {
        setTimeout(() => this.#send(bytes), EAGAIN_RETRY_MS);
      } else if (error !== null) {
        this.#broken = true;
        this.#waiting = [];
        this.#next();
      } else if (written < bytes.length) {
        this.#send(bytes.subarray(written));
      } else {
        this.#next();
      }
    });
  }
}

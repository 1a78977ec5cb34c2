/**
 * @module The interaction log of the session API: one JSON line per message, to stdout with the
 * other logs and, when `--interaction-log` names a file, appended to it. The file is reopened on
 * SIGHUP so logrotate can move it away, and a file that fails never stops the daemon.
 */

import { once } from 'node:events';
import { SonicBoom } from 'sonic-boom';
import { errorCode } from '../errors.js';
import type { Logger } from './logger.js';

/** One message of a chat and what came of it. */
export interface Interaction {
  readonly userId: string;
  readonly message: string;
  readonly outputLength: number;
  /** The HTTP status of a failed call. */
  readonly status?: number;
}

export interface InteractionLogOptions {
  readonly log: Logger;
  /** Where lines are appended; '' for stdout only. */
  readonly file: string;
  readonly now: () => number;
  /** Removes the secrets known now from free text. */
  readonly scrub: (text: string) => string;
}

type FileDestination = SonicBoom;

/** A message longer than this is logged cut, with `truncated: true`: one request may carry 20 MiB. */
const MAX_LOGGED_MESSAGE = 8 * 1024;
/** Bytes the file's buffer may hold while the disk is slow; past it lines are dropped (stdout has them). */
const MAX_BUFFERED = 16 * 1024 * 1024;

export class InteractionLog {
  readonly #log: Logger;
  readonly #file: string;
  readonly #now: () => number;
  readonly #scrub: (text: string) => string;
  /** Where lines go now; undefined when there is no file, it failed (until the next reopen), or after close. */
  #destination: FileDestination | undefined;
  /**
   * The reopen under way. Ending a SonicBoom whose reopen waits on a write in flight never closes
   * it (sonic-boom 4.2), so reopens run one at a time and close waits for the last.
   */
  #reopening: Promise<void> | undefined;
  /** A reopen asked for while one was under way: the file may have moved again. */
  #reopenAgain = false;
  #closed = false;

  constructor(options: InteractionLogOptions) {
    this.#log = options.log;
    this.#file = options.file;
    this.#now = options.now;
    this.#scrub = options.scrub;
    this.#destination = this.#open();
  }

  /**
   * One JSON line `{timestamp, user_id, message, output_length, status?}` to the logger and, when
   * a file is set, appended to it. The message is scrubbed of secrets: users paste anything.
   */
  record(interaction: Interaction): void {
    const long = interaction.message.length > MAX_LOGGED_MESSAGE;
    const line = {
      timestamp: new Date(this.#now()).toISOString(),
      user_id: interaction.userId,
      // Scrubbed whole first: a secret across the cut is not left half in the line.
      message: long ? this.#scrub(interaction.message).slice(0, MAX_LOGGED_MESSAGE) : this.#scrub(interaction.message),
      ...(long && { truncated: true }),
      output_length: interaction.outputLength,
      ...(interaction.status !== undefined && { status: interaction.status }),
    };
    this.#destination?.write(`${JSON.stringify(line)}\n`);
    this.#log.info({ event: 'interaction', ...line }, 'interaction');
  }

  /**
   * Reopens the file (after logrotate moved it); never truncates. Lines recorded before still go
   * to the old file. A file that failed is tried again.
   */
  reopen(): void {
    if (this.#closed) return;
    const destination = this.#destination;
    if (destination === undefined) this.#destination = this.#open();
    else if (this.#reopening !== undefined) this.#reopenAgain = true;
    else this.#reopening = this.#reopenNow(destination);
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#reopening;
    const destination = this.#destination;
    this.#destination = undefined;
    if (destination === undefined) return;
    await new Promise<void>((resolve) => {
      destination.once('close', () => resolve());
      // A file failing now cannot be flushed; its lines are on stdout all the same.
      destination.once('error', () => resolve());
      destination.end();
    });
  }

  async #reopenNow(destination: FileDestination): Promise<void> {
    // SonicBoom writes what it holds to the old file first, then opens the path anew.
    const reopened = once(destination, 'ready').catch(() => undefined);
    destination.reopen();
    await reopened;
    if (this.#reopenAgain && destination === this.#destination) {
      this.#reopenAgain = false;
      return this.#reopenNow(destination);
    }
    this.#reopenAgain = false;
    this.#reopening = undefined;
  }

  #open(): FileDestination | undefined {
    if (this.#file === '') return undefined;
    // Asynchronous, like stdout: a slow disk never holds a request. SonicBoom itself rather than
    // pino.destination, whose exit hook throws at exit for a file that never opened.
    const destination = new SonicBoom({ dest: this.#file, append: true, sync: false, mkdir: true, maxLength: MAX_BUFFERED });
    destination.on('error', (error: unknown) => this.#failed(destination, error));
    return destination;
  }

  /**
   * A file that cannot be opened or written is given up until the next reopen, with one error
   * line: every write would fail the same way, and stdout still has every interaction.
   */
  #failed(destination: FileDestination, error: unknown): void {
    if (destination !== this.#destination) return;
    this.#destination = undefined;
    destination.destroy();
    this.#log.error({ event: 'interaction-log-failed', file: this.#file, code: errorCode(error) },
      `cannot write the interaction log ${this.#file}; interactions go to stdout only until it is reopened (SIGHUP)`);
  }
}

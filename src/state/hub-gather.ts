/**
 * @module The primary's half of gathering under `--workers` (gather.ts is the workers' half): it
 * asks every worker that provides a topic for its value and answers with the values that came
 * within the time allowed. A worker that stays silent is left out, and reported the first time
 * only (the primary logs it); one that dies meanwhile is simply left out. No I/O: a worker is
 * asked through a callback, and the clock is a timer function tests fire themselves.
 */

/** Long enough for a worker busy with a burst, short enough for a Prometheus scrape's timeout. */
export const GATHER_TIMEOUT_MS = 1_000;

/** Calls `fire` after `ms` unless the returned cancel is called first. */
export type Timer = (ms: number, fire: () => void) => () => void;

/** A timer that does not keep the process alive. */
export function unrefTimer(ms: number, fire: () => void): () => void {
  const handle = setTimeout(fire, ms);
  handle.unref();
  return () => clearTimeout(handle);
}

export interface CollectorOptions {
  readonly timeoutMs?: number;
  readonly timer?: Timer;
  /** The first time a worker does not answer in time (once per worker, however often it stays silent). */
  readonly onSilent?: (workerId: number, topic: string) => void;
}

interface Collection {
  readonly topic: string;
  readonly waiting: Set<number>;
  readonly values: unknown[];
  readonly finish: () => void;
}

export class Collector {
  readonly #open = new Map<number, Collection>();
  readonly #reported = new Set<number>();
  readonly #timeoutMs: number;
  readonly #timer: Timer;
  readonly #onSilent: (workerId: number, topic: string) => void;
  #nextId = 1;

  constructor(options: CollectorOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? GATHER_TIMEOUT_MS;
    this.#timer = options.timer ?? unrefTimer;
    this.#onSilent = options.onSilent ?? (() => undefined);
  }

  /**
   * Asks each of `workers` (through `ask`, with the collection's id) for its value of `topic`;
   * resolves with the values given, in order of arrival, once all answered or the time is up.
   */
  collect(topic: string, workers: readonly number[], ask: (workerId: number, id: number) => void): Promise<unknown[]> {
    if (workers.length === 0) return Promise.resolve([]);
    const id = this.#nextId++;
    return new Promise<unknown[]>((resolve) => {
      const collection: Collection = {
        topic, waiting: new Set(workers), values: [],
        finish: () => {
          cancel();
          this.#open.delete(id);
          resolve(collection.values);
        },
      };
      const cancel = this.#timer(this.#timeoutMs, () => this.#expire(id));
      this.#open.set(id, collection);
      for (const workerId of workers) ask(workerId, id);
    });
  }

  /** A worker's answer; `value` undefined: it had nothing to give (no provider, or its provider failed). */
  answer(workerId: number, id: number, value: unknown): void {
    const collection = this.#open.get(id);
    if (collection === undefined || !collection.waiting.delete(workerId)) return;
    if (value !== undefined) collection.values.push(value);
    if (collection.waiting.size === 0) collection.finish();
  }

  /** A worker is gone: nothing more is awaited from it. */
  left(workerId: number): void {
    this.#reported.delete(workerId);
    for (const collection of [...this.#open.values()]) {
      if (collection.waiting.delete(workerId) && collection.waiting.size === 0) collection.finish();
    }
  }

  #expire(id: number): void {
    const collection = this.#open.get(id);
    if (collection === undefined) return;
    for (const workerId of collection.waiting) {
      if (this.#reported.has(workerId)) continue;
      this.#reported.add(workerId);
      this.#onSilent(workerId, collection.topic);
    }
    collection.finish();
  }
}

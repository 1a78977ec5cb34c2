/**
 * @module This process's usage counting: each finished request's attempts (and, for the one that
 * answered, the tokens Google counted) go into the usage book (usage.ts), into this process's own
 * counters by model (for /metrics, which counts what this process did), and, when the state is
 * shared, into a batch of deltas published at most once a second (an unref'd timer, so an idle
 * process does nothing). Other processes' batches are added to the book; a snapshot's totals are
 * merged by maximum. /status finds the ledger by the rotator whose keys it counts.
 */

import type { SharedChange } from '../state/link.js';
import type { UsageMetadata } from '../protocols/gemini/types.js';
import type { AttemptTrail } from './dispatch.js';
import { parseUsageDoc, tokenCount, UsageBook } from './usage.js';

export type UsageChange = Extract<SharedChange, { type: 'usage' }>;

/** The gather topic (src/state/gather.ts) of every worker's own counters, for /metrics. */
export const USAGE_TOPIC = 'usage';
/** How often at most a process sends its batch of counts to the others. */
export const PUBLISH_EVERY_MS = 1_000;
/** Models this process keeps counters for in /metrics; more are counted as `other`. */
export const MAX_METRIC_MODELS = 100;

/** This process's own counts of one model since it started, for /metrics. */
export interface ModelCounters {
  requests: number;
  prompt: number;
  candidates: number;
  thoughts: number;
  cached: number;
}

export interface UsageLedgerOptions {
  readonly now: () => number;
  /**
   * Every process's own counters (ownCounters) for /metrics; absent: this process's alone. Under
   * `--workers` the daemon gathers them from every worker (src/state/gather.ts).
   */
  readonly gather?: (() => Promise<readonly unknown[]>) | undefined;
  /** Sends a batch to the other processes; absent when nothing is shared (no batch is kept). */
  readonly publish?: ((change: UsageChange) => void) | undefined;
  /** Told after counts changed (the state file saves them at its own pace). */
  readonly changed?: (() => void) | undefined;
}

export class UsageLedger {
  readonly book = new UsageBook();
  /** Model → this process's own counters. */
  readonly ownByModel = new Map<string, ModelCounters>();
  readonly #now: () => number;
  readonly #publish: ((change: UsageChange) => void) | undefined;
  readonly #changed: (() => void) | undefined;
  readonly #gather: () => Promise<readonly unknown[]>;
  /** Counts not yet sent to the others. */
  readonly #batch = new UsageBook();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: UsageLedgerOptions) {
    this.#now = options.now;
    this.#publish = options.publish;
    this.#changed = options.changed;
    this.#gather = options.gather ?? (async () => [this.ownCounters()]);
  }

  /** This process's own counters since it started: model → [requests, prompt, candidates, thoughts, cached]. JSON-safe. */
  ownCounters(): Record<string, number[]> {
    const doc = Object.create(null) as Record<string, number[]>;
    for (const [model, c] of this.ownByModel) doc[model] = [c.requests, c.prompt, c.candidates, c.thoughts, c.cached];
    return doc;
  }

  /** Every process's own counters (see the `gather` option), as each gave them (unchecked). */
  gatherCounters(): Promise<readonly unknown[]> {
    return this.#gather();
  }

  /**
   * One finished request: each attempt is a request its key sent for `model`; `usage` (what Google
   * counted for the answer) goes to the last attempt that succeeded.
   */
  record(model: string, attempts: readonly AttemptTrail[], usage: UsageMetadata | undefined): void {
    if (attempts.length === 0) return;
    const nowMs = this.#now();
    let answered = -1;
    if (usage !== undefined) {
      for (let i = attempts.length - 1; i >= 0 && answered === -1; i--) if (attempts[i]?.verdict === 'ok') answered = i;
    }
    const shared = this.#publish !== undefined;
    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i];
      if (attempt === undefined) continue;
      const tokens = i === answered ? usage : undefined;
      this.book.count(attempt.key, model, attempt.verdict, tokens, nowMs);
      if (shared) this.#batch.count(attempt.key, model, attempt.verdict, tokens, nowMs);
      this.#countOwn(model, tokens);
    }
    this.#changed?.();
    if (shared) this.#schedule();
  }

  /** Another process's change: a batch of its counts (added), or totals (merged by maximum). */
  apply(change: UsageChange): void {
    const doc = parseUsageDoc(change.counts);
    if (doc === undefined) return;
    this.book.merge(doc, change.whole ? 'max' : 'add', this.#now());
    this.#changed?.();
  }

  /** Sends what is still unsent now (at shutdown); stops the timer. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#publish === undefined || this.#batch.empty) return;
    const counts = this.#batch.toDoc();
    this.#batch.clear();
    this.#publish({ type: 'usage', counts, whole: false });
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.flush(), PUBLISH_EVERY_MS);
    this.#timer.unref();
  }

  #countOwn(model: string, usage: UsageMetadata | undefined): void {
    let counters = this.ownByModel.get(model);
    if (counters === undefined) {
      const name = this.ownByModel.size < MAX_METRIC_MODELS ? model : 'other';
      counters = this.ownByModel.get(name) ?? { requests: 0, prompt: 0, candidates: 0, thoughts: 0, cached: 0 };
      this.ownByModel.set(name, counters);
    }
    counters.requests++;
    if (usage === undefined) return;
    counters.prompt += tokenCount(usage.promptTokenCount);
    counters.candidates += tokenCount(usage.candidatesTokenCount);
    counters.thoughts += tokenCount(usage.thoughtsTokenCount);
    counters.cached += tokenCount(usage.cachedContentTokenCount);
  }
}

/**
 * The ledger counting each rotator's keys. /status and the dashboard describe a key from the
 * rotator alone (describeKey), so the daemon registers its ledger here rather than threading it
 * through every route that describes keys.
 */
const LEDGERS = new WeakMap<object, UsageLedger>();

export function registerUsage(rotator: object, ledger: UsageLedger): void {
  LEDGERS.set(rotator, ledger);
}

export function usageOf(rotator: object): UsageLedger | undefined {
  return LEDGERS.get(rotator);
}

/**
 * The totals of every batch a hub relays (the `--workers` primary), for the snapshot a starting
 * worker takes: the sum of the workers' counts, sent as totals (merged by maximum, so a worker
 * that already counted some of them counts nothing twice).
 */
export class UsageTotalsKeeper {
  readonly #book = new UsageBook();

  /** A worker's change; false for a malformed one, dropped (it must not take the primary down, nor travel on). */
  apply(change: UsageChange, nowMs: number): boolean {
    const doc = parseUsageDoc(change.counts);
    if (doc !== undefined) this.#book.merge(doc, change.whole ? 'max' : 'add', nowMs);
    return doc !== undefined;
  }

  /** The totals as one change, or none when nothing was counted. */
  snapshot(): UsageChange[] {
    return this.#book.empty ? [] : [{ type: 'usage', counts: this.#book.toDoc(), whole: true }];
  }
}

/**
 * @module One view across the processes serving one port: a part of the daemon provides a JSON
 * value under a topic (its counts, say), and a route gathers that topic's values. Under
 * `--workers` a gathering asks the primary, which asks every live worker that provides the topic
 * (hub-gather.ts) and answers with what came within about a second; the route merges them (sums
 * of counters, per-minute buckets, histograms). That holds with `--redis` too: one instance is its
 * workers. A process serving alone gives its own value only; instances behind a load balancer
 * (`--redis`) are each asked by themselves.
 *
 * Use: `gatherer.provide('traffic', () => traffic.snapshot())` once at start-up, then in a route
 * `merge(await gatherer.gather('traffic'))`. A value must survive JSON (no Map, no undefined), and
 * the merge must accept any value, since each comes from another process: skip what is not one.
 */

import type { WorkerGroup } from './cluster.js';

/** Gives this process's value for a topic, JSON-safe; may be a promise of one. */
export type Provider = () => unknown;

export class Gatherer {
  readonly #group: WorkerGroup | undefined;
  readonly #providers = new Map<string, Provider>();

  /** `group`: this worker's under `--workers` (cluster.ts `workerGroup()`); undefined serving alone. */
  constructor(group: WorkerGroup | undefined) {
    this.#group = group;
  }

  /** Registers this process's provider of `topic` (the last one registered wins). */
  provide(topic: string, provider: Provider): void {
    this.#providers.set(topic, provider);
    this.#group?.provide(topic, provider);
  }

  /**
   * Every live worker's value for `topic` under `--workers` (this one's included), in no set
   * order; else this process's alone. When the primary cannot be asked (it is gone, and this
   * worker with it), this process's own value stands in. [] when nobody provides the topic.
   */
  async gather(topic: string): Promise<readonly unknown[]> {
    if (this.#group !== undefined) {
      try {
        return await this.#group.gather(topic);
      } catch {
        // The primary is gone: what this worker knows is all there is to show.
      }
    }
    const provider = this.#providers.get(topic);
    return provider === undefined ? [] : [await provider()];
  }
}

/**
 * @module Keep-alive connection pools, one per relay origin. undici `Pool`, never the global
 * fetch; no redirects are followed and undici retries nothing (the dispatcher is the one retry
 * loop).
 */

import { Pool } from 'undici';

export interface PoolOptions {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #options: PoolOptions;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** The pool for `origin`, created on first use. */
  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        // An SSE stream holds its connection for its whole life, so a bounded pool would queue
        // new streams behind old ones; connections are not limited.
        connections: null,
        connect: { timeout: this.#options.connectTimeoutMs },
        headersTimeout: this.#options.headersTimeoutMs,
        bodyTimeout: this.#options.idleTimeoutMs,
        keepAliveTimeout: 4_000,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Closes the pools of origins no longer listed; their in-flight requests finish first. */
  retain(origins: ReadonlySet<string>): void {
    for (const [origin, pool] of this.#pools) {
      if (origins.has(origin)) continue;
      this.#pools.delete(origin);
      pool.close().catch(() => undefined);
    }
  }

  /** Destroys every pool, aborting whatever is still in flight. */
  async destroy(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((pool) => pool.destroy()));
  }
}

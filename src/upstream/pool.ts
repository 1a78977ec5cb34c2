/**
 * @module Keep-alive connection pools, one per relay origin, and one per relay origin and egress
 * proxy for keys that leave through one. undici `Pool`, never the global fetch; no redirects are
 * followed and undici retries nothing (the dispatcher is the one retry loop).
 */

import { Pool, type Dispatcher } from './undici.js';
import type { EgressProxy } from '../config/lists.js';
import { egressDispatcher, type PoolSettings } from './egress-connect.js';

export interface PoolOptions {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

interface Entry {
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  /** The proxy as the dispatcher was built for it: new credentials on a reload need a new one. */
  readonly egress: EgressProxy | undefined;
}

function sameProxy(a: EgressProxy, b: EgressProxy | undefined): boolean {
  return b !== undefined && a.kind === b.kind && a.host === b.host && a.port === b.port &&
    a.auth?.username === b.auth?.username && a.auth?.password === b.auth?.password;
}

export class UpstreamPools {
  readonly #entries = new Map<string, Entry>();
  readonly #settings: PoolSettings;

  constructor(options: PoolOptions) {
    this.#settings = {
      connectTimeoutMs: options.connectTimeoutMs,
      poolOptions: {
        // An SSE stream holds its connection for its whole life, so a bounded pool would queue
        // new streams behind old ones; connections are not limited.
        connections: null,
        connect: { timeout: options.connectTimeoutMs },
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.idleTimeoutMs,
        keepAliveTimeout: 4_000,
      },
    };
  }

  /** The dispatcher for `origin`, through `egress` when given, created on first use. Requests name the origin. */
  get(origin: string, egress?: EgressProxy): Dispatcher {
    const id = egress === undefined ? origin : `${origin} ${egress.id}`;
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      const dispatcher = egress === undefined ? new Pool(origin, this.#settings.poolOptions) : egressDispatcher(egress, this.#settings);
      entry = { dispatcher, origin, egress };
      this.#entries.set(id, entry);
    }
    return entry.dispatcher;
  }

  /**
   * Closes the pools of origins and egress proxies no longer listed (or listed with other
   * credentials); their in-flight requests finish first.
   */
  retain(origins: ReadonlySet<string>, egress: readonly EgressProxy[] = []): void {
    const proxies = new Map(egress.map((proxy) => [proxy.id, proxy]));
    for (const [id, entry] of this.#entries) {
      const listed = origins.has(entry.origin) && (entry.egress === undefined || sameProxy(entry.egress, proxies.get(entry.egress.id)));
      if (listed) continue;
      this.#entries.delete(id);
      entry.dispatcher.close().catch(() => undefined);
    }
  }

  /** Destroys every pool, aborting whatever is still in flight. */
  async destroy(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.allSettled(entries.map((entry) => entry.dispatcher.destroy()));
  }
}

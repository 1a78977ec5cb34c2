/**
 * @module Egress proxies: which forward proxy a key's connections leave through, and whether
 * each proxy is healthy. A key's home proxy is chosen by consistent hashing of its id (a ring of
 * points, 64 a proxy), so Google sees each key from one address, and adding or removing a proxy
 * moves only the keys whose points it takes or gives up. A `proxy=` label pins a key instead.
 * While a key's home is unhealthy its connections take the next proxy clockwise until the home
 * recovers; a pinned key never leaves through another. No I/O; the clock is passed in.
 */

import { createHash } from 'node:crypto';
import type { ApiKey, EgressProxy } from '../config/lists.js';
import { firstHealthy, markHealthy, markUnhealthy, newHealth, type Health } from './health.js';

const POINTS_PER_PROXY = 64;

export interface EgressRecord extends Health {
  /** Replaced on a reload (its credentials may change); the record, and its health, stay. */
  proxy: EgressProxy;
}

export type EgressChange =
  | { type: 'egress-unhealthy'; egressId: string; untilMs: number; failures: number; reason: string }
  | { type: 'egress-healthy'; egressId: string };

/** Where a key's next connection goes: through a proxy, straight, or nowhere left untried. */
export type EgressPick = EgressRecord | 'direct' | 'none';

export interface EgressDeps {
  readonly now: () => number;
  readonly onChange: (change: EgressChange) => void;
}

function point(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** The consistent-hash ring: points of every proxy, sorted. Pure. */
export class EgressRing {
  readonly #points: number[];
  readonly #owners: string[];
  readonly #size: number;

  constructor(ids: readonly string[]) {
    const entries = ids.flatMap((id) => Array.from({ length: POINTS_PER_PROXY }, (_, n) => ({ at: point(`${id}#${n}`), id })));
    // Ties (two proxies on one point) break by id, so every process builds the same ring.
    entries.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    this.#points = entries.map((entry) => entry.at);
    this.#owners = entries.map((entry) => entry.id);
    this.#size = new Set(ids).size;
  }

  /** Every proxy in the order `keyId` tries them: the owner of its point, then each next one clockwise. */
  order(keyId: string): string[] {
    const count = this.#points.length;
    if (count === 0) return [];
    const start = this.#firstAtOrAfter(point(keyId));
    const order: string[] = [];
    for (let step = 0; step < count && order.length < this.#size; step++) {
      const owner = this.#owners[(start + step) % count];
      if (owner !== undefined && !order.includes(owner)) order.push(owner);
    }
    return order;
  }

  #firstAtOrAfter(at: number): number {
    let low = 0;
    let high = this.#points.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#points[middle] ?? 0) < at) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

export class EgressProxies {
  #records = new Map<string, EgressRecord>();
  #ring = new EgressRing([]);
  /** Key id → its proxies in ring order, worked out once per key until the list changes. */
  #orders = new Map<string, readonly EgressRecord[]>();
  readonly #deps: EgressDeps;

  constructor(proxies: readonly EgressProxy[], deps: EgressDeps) {
    this.#deps = deps;
    this.replace(proxies);
  }

  /** Swaps in a new list (a reload); proxies still listed keep their health. */
  replace(proxies: readonly EgressProxy[]): void {
    const old = this.#records;
    this.#records = new Map(proxies.map((proxy) => {
      const record = old.get(proxy.id);
      if (record === undefined) return [proxy.id, { proxy, ...newHealth() }];
      record.proxy = proxy;
      return [proxy.id, record];
    }));
    this.#ring = new EgressRing(proxies.map((proxy) => proxy.id));
    this.#orders.clear();
  }

  get records(): IterableIterator<EgressRecord> {
    return this.#records.values();
  }

  get size(): number {
    return this.#records.size;
  }

  /** The proxy `key` leaves through while every proxy is healthy: its pin, or its point's owner. */
  home(key: ApiKey): EgressRecord | 'direct' | 'none' {
    if (this.#records.size === 0 || key.egress === 'direct') return 'direct';
    if (key.egress !== undefined) return this.#records.get(key.egress) ?? 'none';
    return this.#order(key.id)[0] ?? 'none';
  }

  /** The proxy `key`'s next connection goes through, skipping the proxies this request found failing. */
  pick(key: ApiKey, tried: ReadonlySet<string>): EgressPick {
    const home = this.home(key);
    if (typeof home === 'string') return home;
    if (key.egress !== undefined) return tried.has(home.proxy.id) ? 'none' : home;
    return firstHealthy(this.#order(key.id), this.#deps.now(), (record) => tried.has(record.proxy.id)) ?? 'none';
  }

  served(record: EgressRecord): void {
    if (markHealthy(record)) this.#deps.onChange({ type: 'egress-healthy', egressId: record.proxy.id });
  }

  failed(record: EgressRecord, reason: string): void {
    markUnhealthy(record, reason, this.#deps.now());
    this.#deps.onChange({
      type: 'egress-unhealthy', egressId: record.proxy.id, untilMs: record.unhealthyUntilMs,
      failures: record.consecutiveFailures, reason,
    });
  }

  #order(keyId: string): readonly EgressRecord[] {
    let order = this.#orders.get(keyId);
    if (order === undefined) {
      order = this.#ring.order(keyId).flatMap((id) => this.#records.get(id) ?? []);
      this.#orders.set(keyId, order);
    }
    return order;
  }
}

/**
 * @module Per-client request rates: one token bucket per client, refilled continuously, a burst
 * as large as the rate's count. Pure: the caller passes the clock.
 */

import type { Rate } from '../config/parse-value.js';

/**
 * One client's bucket. Credit is counted in request·ms units so every step is exact integer
 * arithmetic: a request costs `perMs`, a full bucket holds `requests × perMs`, and each
 * millisecond adds `requests`.
 */
export interface Bucket {
  credit: number;
  atMs: number;
}

export function fullBucket(rate: Rate, nowMs: number): Bucket {
  return { credit: rate.requests * rate.perMs, atMs: nowMs };
}

/** Adds what the time since the last refill earned, up to the bucket's size. */
function refill(bucket: Bucket, rate: Rate, nowMs: number): void {
  // A clock that steps back earns nothing, and takes nothing back.
  const elapsed = Math.max(0, nowMs - bucket.atMs);
  bucket.credit = Math.min(rate.requests * rate.perMs, bucket.credit + elapsed * rate.requests);
  bucket.atMs = Math.max(bucket.atMs, nowMs);
}

/**
 * Takes one request from the bucket: 0 when it may go ahead (the request is counted), else the
 * milliseconds until it may (nothing is counted: a refused request costs the client nothing).
 */
export function take(bucket: Bucket, rate: Rate, nowMs: number): number {
  refill(bucket, rate, nowMs);
  if (bucket.credit >= rate.perMs) {
    bucket.credit -= rate.perMs;
    return 0;
  }
  return Math.ceil((rate.perMs - bucket.credit) / rate.requests);
}

/** More clients than this at once (only possible with per-address limits) evict the least recent. */
export const MAX_CLIENTS = 10_000;

/**
 * The buckets of every client seen, at most `maxClients` of them. The map is kept in order of
 * last use, so the bucket evicted at the cap is the least recently used one; a client evicted
 * and seen again starts with a full bucket, so the cap can cost at most one extra burst.
 */
export class ClientRateLimiter {
  readonly #rate: Rate;
  readonly #maxClients: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(rate: Rate, maxClients = MAX_CLIENTS) {
    this.#rate = rate;
    this.#maxClients = maxClients;
  }

  /** 0 when `client` may send a request now (and it is counted), else the ms until it may. */
  take(client: string, nowMs: number): number {
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      bucket = fullBucket(this.#rate, nowMs);
      this.#evictIfFull();
    } else {
      this.#buckets.delete(client);
    }
    this.#buckets.set(client, bucket);
    return take(bucket, this.#rate, nowMs);
  }

  /** How many clients have a bucket. */
  get size(): number {
    return this.#buckets.size;
  }

  #evictIfFull(): void {
    if (this.#buckets.size < this.#maxClients) return;
    const oldest = this.#buckets.keys().next();
    if (oldest.done !== true) this.#buckets.delete(oldest.value);
  }
}

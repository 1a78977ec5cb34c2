/** Token buckets: bursts, exact refills on an injected clock, waits, the bounded client map. */

import { describe, expect, it } from 'vitest';
import type { Rate } from '../../src/config/parse-value.js';
import { ClientRateLimiter, fullBucket, take } from '../../src/server/rate-limit.js';

const THREE_PER_MINUTE: Rate = { requests: 3, perMs: 60_000 };
const FIVE_PER_SECOND: Rate = { requests: 5, perMs: 1_000 };

/** The answers of `count` requests at `nowMs` from one bucket. */
function takeMany(bucket: ReturnType<typeof fullBucket>, rate: Rate, nowMs: number, count: number): number[] {
  return Array.from({ length: count }, () => take(bucket, rate, nowMs));
}

describe('take', () => {
  it('a full bucket lets a burst of the rate\'s count through, then says how long to wait', () => {
    const bucket = fullBucket(THREE_PER_MINUTE, 0);
    expect(takeMany(bucket, THREE_PER_MINUTE, 0, 5)).toEqual([0, 0, 0, 20_000, 20_000]);
  });

  it('refills one request per interval, exactly', () => {
    const bucket = fullBucket(THREE_PER_MINUTE, 0);
    takeMany(bucket, THREE_PER_MINUTE, 0, 3);
    expect(take(bucket, THREE_PER_MINUTE, 19_999)).toBe(1);
    expect(take(bucket, THREE_PER_MINUTE, 20_000)).toBe(0);
    expect(take(bucket, THREE_PER_MINUTE, 20_000)).toBe(20_000);
    expect(take(bucket, THREE_PER_MINUTE, 30_000)).toBe(10_000);
  });

  it('a refused request costs nothing: waiting the answer given is enough', () => {
    const bucket = fullBucket(FIVE_PER_SECOND, 1_000);
    takeMany(bucket, FIVE_PER_SECOND, 1_000, 5);
    for (let i = 0; i < 100; i++) expect(take(bucket, FIVE_PER_SECOND, 1_000)).toBe(200);
    expect(take(bucket, FIVE_PER_SECOND, 1_200)).toBe(0);
  });

  it('never holds more than one burst, however long the client was idle', () => {
    const bucket = fullBucket(THREE_PER_MINUTE, 0);
    takeMany(bucket, THREE_PER_MINUTE, 0, 3);
    expect(takeMany(bucket, THREE_PER_MINUTE, 10 * 3_600_000, 4)).toEqual([0, 0, 0, 20_000]);
  });

  it('a clock that steps back earns nothing and takes nothing', () => {
    const bucket = fullBucket(THREE_PER_MINUTE, 60_000);
    takeMany(bucket, THREE_PER_MINUTE, 60_000, 2);
    expect(take(bucket, THREE_PER_MINUTE, 0)).toBe(0);
    expect(take(bucket, THREE_PER_MINUTE, 0)).toBe(20_000);
    expect(take(bucket, THREE_PER_MINUTE, 80_000)).toBe(0);
  });

  it('stays exact at the largest rate over the longest unit', () => {
    const rate: Rate = { requests: 1_000_000, perMs: 3_600_000 };
    const bucket = fullBucket(rate, 0);
    expect(Number.isSafeInteger(bucket.credit)).toBe(true);
    for (let i = 0; i < 1_000_000; i++) take(bucket, rate, 0);
    expect(take(bucket, rate, 0)).toBe(4);
    expect(take(bucket, rate, 4)).toBe(0);
  });
});

describe('ClientRateLimiter', () => {
  it('keeps one bucket per client', () => {
    const limiter = new ClientRateLimiter(THREE_PER_MINUTE);
    expect([0, 0, 0, 0].map(() => limiter.take('token 0', 0))).toEqual([0, 0, 0, 20_000]);
    expect(limiter.take('token 1', 0)).toBe(0);
    expect(limiter.size).toBe(2);
  });

  it('holds at most its cap of clients, evicting the least recently seen', () => {
    const limiter = new ClientRateLimiter(THREE_PER_MINUTE, 3);
    // Each client empties its bucket.
    for (const client of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) limiter.take(client, 0);
    expect(limiter.take('a', 0)).toBe(20_000); // 'a' is now the most recent; 'b' the least

    limiter.take('d', 0);
    expect(limiter.size).toBe(3);
    // 'a' and 'c' kept their empty buckets; 'b' was evicted and starts full again.
    expect(limiter.take('a', 0)).toBe(20_000);
    expect(limiter.take('c', 0)).toBe(20_000);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.size).toBe(3);
  });

  it('a hundred thousand distinct clients leave the map at its cap', () => {
    const limiter = new ClientRateLimiter(FIVE_PER_SECOND, 1_000);
    for (let i = 0; i < 100_000; i++) limiter.take(`address 10.0.${i}`, i);
    expect(limiter.size).toBe(1_000);
  });
});

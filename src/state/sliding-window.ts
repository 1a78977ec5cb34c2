/**
 * @module At most `requests` messages per user in any window of `perMs`: the times of a user's
 * last messages are kept, so "2 per second" never lets a third through within the same second (a
 * token bucket would, after a burst). Users are kept in order of last use, at most `maxUsers`.
 * The one process's count; the links that share it count the same way.
 */

import type { WindowRate } from './link.js';

export class SlidingWindow {
  readonly #times = new Map<string, number[]>();
  readonly #maxUsers: number;

  constructor(maxUsers: number) {
    this.#maxUsers = maxUsers;
  }

  /** 0 when the user may send now (counted), else the ms until the oldest message leaves the window. */
  take(userId: string, { requests, perMs }: WindowRate, nowMs: number): number {
    const times = (this.#times.get(userId) ?? []).filter((at) => nowMs - at < perMs);
    this.#times.delete(userId);
    this.#times.set(userId, times);
    if (this.#times.size > this.#maxUsers) this.#times.delete(this.#times.keys().next().value ?? userId);
    const oldest = times[0];
    if (times.length >= requests && oldest !== undefined) return Math.max(1, oldest + perMs - nowMs);
    times.push(nowMs);
    // Processes' clocks are read before their messages cross to where they are counted: keep
    // the oldest first.
    if (times.length > 1 && nowMs < (times.at(-2) ?? nowMs)) times.sort((a, b) => a - b);
    return 0;
  }
}

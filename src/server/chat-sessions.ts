/**
 * @module What the chat-session API holds beyond the store: the valid users (reloaded with the
 * lists), each user's message rate, and one queue per chat, so two messages sent at once to
 * the same chat are answered one after the other and its history stays in order.
 */

import type { Rate } from '../config/parse-value.js';
import { MAX_CLIENTS } from './rate-limit.js';

/**
 * At most `requests` messages per user in any window of `perMs`: the times of a user's last
 * messages are kept, so "2 per second" never lets a third through within the same second (a
 * token bucket would, after a burst). Users are kept in order of last use, at most MAX_CLIENTS.
 */
class SlidingWindow {
  readonly #rate: Rate;
  readonly #times = new Map<string, number[]>();

  constructor(rate: Rate) {
    this.#rate = rate;
  }

  /** 0 when the user may send now (counted), else the ms until the oldest message leaves the window. */
  take(userId: string, nowMs: number): number {
    const { requests, perMs } = this.#rate;
    const times = (this.#times.get(userId) ?? []).filter((at) => nowMs - at < perMs);
    this.#times.delete(userId);
    this.#times.set(userId, times);
    if (this.#times.size > MAX_CLIENTS) this.#times.delete(this.#times.keys().next().value ?? userId);
    const oldest = times[0];
    if (times.length >= requests && oldest !== undefined) return Math.max(1, oldest + perMs - nowMs);
    times.push(nowMs);
    return 0;
  }
}

export class ChatSessions {
  #users: ReadonlySet<string>;
  readonly #limiter: SlidingWindow | undefined;
  /** Each chat's last queued message; removed once the chat's queue is empty. */
  readonly #tails = new Map<string, Promise<void>>();

  constructor(users: readonly string[], userRate: Rate | undefined) {
    this.#users = new Set(users);
    this.#limiter = userRate && new SlidingWindow(userRate);
  }

  replaceUsers(users: readonly string[]): void {
    this.#users = new Set(users);
  }

  readonly isUser = (userId: string): boolean => this.#users.has(userId);

  /** 0 when the user may send a message now (it is counted), else the ms until they may. */
  takeMessage(userId: string, nowMs: number): number {
    return this.#limiter?.take(userId, nowMs) ?? 0;
  }

  /** Whether a message of the chat is being answered now (a new one would wait its turn). */
  busy(chatId: string): boolean {
    return this.#tails.has(chatId);
  }

  /** Runs `work` once every message queued earlier for the chat has been answered. */
  async inTurn<T>(chatId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(chatId) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => turn);
    this.#tails.set(chatId, tail);
    try {
      await previous;
      return await work();
    } finally {
      release();
      if (this.#tails.get(chatId) === tail) this.#tails.delete(chatId);
    }
  }
}

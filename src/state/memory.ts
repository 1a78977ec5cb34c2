/**
 * @module The embedded link: one process, nothing shared. Publishing goes nowhere, nothing comes
 * back, and the exact state (a user's message rate, the chats) lives in this process.
 */

import type { LinkHealth, SharedChange, StateLink, WindowRate } from './link.js';
import type { SessionStore } from './sessions.js';
import { SlidingWindow } from './sliding-window.js';

/** Users whose message times are kept; past it the least recently seen are forgotten. */
export const MAX_RATED_USERS = 10_000;

export class MemoryLink implements StateLink {
  readonly sessions: SessionStore;
  readonly #window = new SlidingWindow(MAX_RATED_USERS);
  readonly #health: LinkHealth;

  constructor(sessions: SessionStore, nowMs: number) {
    this.sessions = sessions;
    this.#health = { kind: 'memory', connected: true, sinceMs: nowMs };
  }

  publish(_change: SharedChange): void {
    // Nobody else to tell.
  }

  onRemote(_apply: (change: SharedChange) => void): void {
    // Nothing ever comes.
  }

  async snapshot(): Promise<readonly SharedChange[]> {
    return [];
  }

  async takeUserMessage(userId: string, rate: WindowRate, nowMs: number): Promise<number> {
    return this.#window.take(userId, rate, nowMs);
  }

  health(): LinkHealth {
    return this.#health;
  }

  async close(): Promise<void> {
    // Nothing to close.
  }
}

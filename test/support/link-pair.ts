/**
 * An in-memory state bus for tests: several `StateLink`s, one per in-process daemon, that share
 * what a real link shares. A published change reaches every other link (after a microtask, as a
 * network would deliver it later); the latest change per subject is kept for snapshots; the
 * message rate and the chats live in one place. Not a fake of Redis: a stand-in for "some link".
 */

import { entryOf, subjectName } from '../../src/state/entries.js';
import type { LinkHealth, SharedChange, StateLink, WindowRate } from '../../src/state/link.js';
import { MemorySessionStore } from '../../src/state/memory-sessions.js';
import type { SessionStore } from '../../src/state/sessions.js';
import { SlidingWindow } from '../../src/state/sliding-window.js';

export class LinkBus {
  readonly #handlers = new Map<number, (change: SharedChange) => void>();
  readonly #latest = new Map<string, SharedChange>();
  readonly #window = new SlidingWindow(1_000);
  readonly sessions: SessionStore = new MemorySessionStore({ maxChats: 100, maxChatsPerUser: 10, idleTimeoutMs: 60_000 }, () => `chat-${Math.random().toString(36).slice(2)}`);
  /** Every change published, in order, with the link that published it. */
  readonly published: { from: number; change: SharedChange }[] = [];
  #next = 0;

  link(): StateLink {
    const id = this.#next++;
    const bus = this;
    const health: LinkHealth = { kind: 'memory', connected: true, sinceMs: 0 };
    return {
      publish(change) {
        bus.published.push({ from: id, change });
        // Usage batches are additions, not entries: no snapshot holds them.
        if (change.type !== 'usage') bus.#latest.set(subjectName(entryOf(change).subject), change);
        queueMicrotask(() => {
          for (const [other, apply] of bus.#handlers) if (other !== id) apply(change);
        });
      },
      onRemote(apply) {
        bus.#handlers.set(id, apply);
      },
      snapshot: async () => [...bus.#latest.values()],
      takeUserMessage: async (userId: string, rate: WindowRate, nowMs: number) => bus.#window.take(userId, rate, nowMs),
      sessions: bus.sessions,
      health: () => health,
      close: async () => {
        bus.#handlers.delete(id);
      },
    };
  }
}

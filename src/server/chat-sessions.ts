/**
 * @module What the chat-session API holds beyond the store: the valid users (reloaded with the
 * lists), each user's message rate (counted by the state link), and one queue per chat, so two messages sent at once to
 * the same chat are answered one after the other and its history stays in order.
 */

import type { Rate } from '../config/parse-value.js';
import type { StateLink } from '../state/link.js';

export class ChatSessions {
  #users: ReadonlySet<string>;
  readonly #rate: Rate | undefined;
  /** Where the users' message times are counted: this process, or every process through the link. */
  readonly #link: Pick<StateLink, 'takeUserMessage'>;
  /** Each chat's last queued message; removed once the chat's queue is empty. */
  readonly #tails = new Map<string, Promise<void>>();

  constructor(users: readonly string[], userRate: Rate | undefined, link: Pick<StateLink, 'takeUserMessage'>) {
    this.#users = new Set(users);
    this.#rate = userRate;
    this.#link = link;
  }

  replaceUsers(users: readonly string[]): void {
    this.#users = new Set(users);
  }

  readonly isUser = (userId: string): boolean => this.#users.has(userId);

  /** 0 when the user may send a message now (it is counted), else the ms until they may. */
  async takeMessage(userId: string, nowMs: number): Promise<number> {
    return this.#rate === undefined ? 0 : this.#link.takeUserMessage(userId, this.#rate, nowMs);
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

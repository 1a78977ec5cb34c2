/**
 * @module The chat sessions of one process, in memory, within bounds: chats per user, chats in
 * all, and an idle timeout after which a chat ends by itself. Expired chats are dropped when
 * they are next looked at and whenever a chat is opened, so no timer runs.
 */

import type { Content } from '../protocols/gemini/types.js';
import type { Chat, ChatSettings, OpenResult, SessionStore } from './sessions.js';

export interface SessionLimits {
  readonly maxChats: number;
  readonly maxChatsPerUser: number;
  readonly idleTimeoutMs: number;
}

interface Entry {
  chat: Chat;
  lastUsedMs: number;
}

export class MemorySessionStore implements SessionStore {
  readonly #limits: SessionLimits;
  readonly #newId: () => string;
  /** Chats in order of last use, so the oldest are first to look at when sweeping. */
  readonly #chats = new Map<string, Entry>();
  readonly #byUser = new Map<string, Set<string>>();

  constructor(limits: SessionLimits, newId: () => string) {
    this.#limits = limits;
    this.#newId = newId;
  }

  get size(): number {
    return this.#chats.size;
  }

  async open(settings: ChatSettings, nowMs: number): Promise<OpenResult> {
    // Chats are kept in order of last use: the expired ones are at the front, so this is cheap.
    this.#sweep(nowMs);
    if (this.#userChats(settings.userId, nowMs) >= this.#limits.maxChatsPerUser) return { ok: false, full: 'user' };
    if (this.#chats.size >= this.#limits.maxChats) return { ok: false, full: 'all' };
    const chat: Chat = { id: this.#newId(), settings, history: [] };
    this.#chats.set(chat.id, { chat, lastUsedMs: nowMs });
    let ids = this.#byUser.get(settings.userId);
    if (ids === undefined) this.#byUser.set(settings.userId, (ids = new Set()));
    ids.add(chat.id);
    return { ok: true, chat };
  }

  async get(chatId: string, nowMs: number): Promise<Chat | undefined> {
    const entry = this.#live(chatId, nowMs);
    if (entry === undefined) return undefined;
    this.#touch(chatId, entry, nowMs);
    return entry.chat;
  }

  async save(chatId: string, history: readonly Content[], nowMs: number): Promise<void> {
    const entry = this.#live(chatId, nowMs);
    if (entry === undefined) return;
    entry.chat = { ...entry.chat, history };
    this.#touch(chatId, entry, nowMs);
  }

  async end(chatId: string, nowMs: number): Promise<boolean> {
    if (this.#live(chatId, nowMs) === undefined) return false;
    this.#remove(chatId);
    return true;
  }

  /** The entry of a chat that has not expired; an expired one is removed. */
  #live(chatId: string, nowMs: number): Entry | undefined {
    const entry = this.#chats.get(chatId);
    if (entry === undefined) return undefined;
    if (nowMs - entry.lastUsedMs < this.#limits.idleTimeoutMs) return entry;
    this.#remove(chatId);
    return undefined;
  }

  #touch(chatId: string, entry: Entry, nowMs: number): void {
    entry.lastUsedMs = nowMs;
    this.#chats.delete(chatId);
    this.#chats.set(chatId, entry);
  }

  /** How many live chats the user holds (their expired ones are removed on the way). */
  #userChats(userId: string, nowMs: number): number {
    const ids = this.#byUser.get(userId);
    if (ids === undefined) return 0;
    for (const id of ids) this.#live(id, nowMs);
    return this.#byUser.get(userId)?.size ?? 0;
  }

  /** Removes expired chats, oldest use first, stopping at the first live one. */
  #sweep(nowMs: number): void {
    for (const id of this.#chats.keys()) if (this.#live(id, nowMs) !== undefined) return;
  }

  #remove(chatId: string): void {
    const entry = this.#chats.get(chatId);
    if (entry === undefined) return;
    this.#chats.delete(chatId);
    const ids = this.#byUser.get(entry.chat.settings.userId);
    ids?.delete(chatId);
    if (ids?.size === 0) this.#byUser.delete(entry.chat.settings.userId);
  }
}

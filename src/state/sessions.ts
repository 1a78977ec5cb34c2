/**
 * @module What the chat-session API keeps between requests, behind one small interface: memory
 * today (memory-sessions.ts), a store shared by several instances later. Async, so a store that
 * lives across the network fits the same calls.
 */

import type { Content, GenerationConfig } from '../protocols/gemini/types.js';

/** What a chat was started with; fixed for its life. */
export interface ChatSettings {
  readonly userId: string;
  /** The Gemini model id. */
  readonly model: string;
  /** The name the client asked for (a retired name or an alias), for the log line. */
  readonly requestedModel: string;
  readonly generationConfig: GenerationConfig;
}

export interface Chat {
  readonly id: string;
  readonly settings: ChatSettings;
  /** User and model turns, oldest first. */
  readonly history: readonly Content[];
}

export type OpenResult =
  | { readonly ok: true; readonly chat: Chat }
  /** `user`: this user holds as many chats as one may; `all`: the store is full. */
  | { readonly ok: false; readonly full: 'user' | 'all' };

export interface SessionStore {
  /** Starts a chat with an empty history. */
  open(settings: ChatSettings, nowMs: number): Promise<OpenResult>;
  /** The chat, unless it is unknown, ended or idle past its timeout; counts as a use. */
  get(chatId: string, nowMs: number): Promise<Chat | undefined>;
  /** Replaces the chat's history; a chat that ended meanwhile stays ended. */
  save(chatId: string, history: readonly Content[], nowMs: number): Promise<void>;
  /** Ends the chat; false when there was none to end. */
  end(chatId: string, nowMs: number): Promise<boolean>;
}

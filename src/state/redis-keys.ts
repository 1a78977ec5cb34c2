/**
 * @module The names the Redis link gives its keys and its channel. Every name starts with the
 * deployment's prefix, so several deployments can share one Redis; each name's variable parts
 * (key ids, scopes, users, chat ids) are percent-encoded, so no two entries can collide through a
 * `:` inside a part. Only ids appear here: an API key never becomes part of a name.
 */

import type { EntrySubject } from './entries.js';

export const DEFAULT_PREFIX = 'gemini-proxy:';

/** The state entries `snapshot()` rebuilds from all live under this part of the name. */
const STATE = 'state:';
/** Usage hashes live outside the state entries (they are hashes, read by HGETALL, not GET). */
const USAGE = 'usage:';

export class RedisKeys {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The pub/sub channel every change goes out on. */
  get channel(): string {
    return `${this.prefix}changes`;
  }

  /** A SCAN MATCH pattern for every state entry of this prefix (and no other prefix's). */
  get statePattern(): string {
    return `${escapeGlob(this.prefix + STATE)}*`;
  }

  /** The state key of one entry (entries.ts): its kind and ids, each part percent-encoded. */
  entry({ kind, parts }: EntrySubject): string {
    return this.#state(kind, ...parts);
  }

  /** A hash of the usage counts of the clock hour that starts at `startMs` (see redis-changes.ts). */
  usageHour(startMs: number): string {
    return `${this.prefix}${USAGE}hour:${startMs}`;
  }

  /** A hash of the usage counts of the Pacific day that ends at `endMs`. */
  usageDay(endMs: number): string {
    return `${this.prefix}${USAGE}day:${endMs}`;
  }

  /** A SCAN MATCH pattern for every usage hash of this prefix. */
  get usagePattern(): string {
    return `${escapeGlob(this.prefix + USAGE)}*`;
  }

  /** Where a usage hash is kept: its hour's start or its day's end, or undefined for another key. */
  usageBucket(key: string): { kind: 'hours' | 'days'; at: string } | undefined {
    const match = /^(hour|day):(\d{1,16})$/.exec(key.startsWith(this.prefix + USAGE) ? key.slice(this.prefix.length + USAGE.length) : '');
    if (match === null) return undefined;
    return { kind: match[1] === 'hour' ? 'hours' : 'days', at: match[2] ?? '' };
  }

  /** A sorted set of the user's message times, for the exact message rate. */
  messages(userId: string): string {
    return `${this.prefix}rate:${part(userId)}`;
  }

  /** A hash: the chat's settings, history, last use and its user's index. */
  chat(chatId: string): string {
    return `${this.prefix}chat:${part(chatId)}`;
  }

  /** A sorted set of the user's chat ids by last use. */
  userChats(userId: string): string {
    return `${this.prefix}chats:user:${part(userId)}`;
  }

  /** A sorted set of every chat id by last use. */
  get allChats(): string {
    return `${this.prefix}chats:all`;
  }

  #state(kind: string, ...parts: string[]): string {
    return `${this.prefix}${STATE}${kind}:${parts.map(part).join(':')}`;
  }
}

/** A part of a name, with `:` and `%` (and anything unusual) escaped. */
function part(value: string): string {
  return encodeURIComponent(value);
}

/** `text` as a literal in a Redis glob pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

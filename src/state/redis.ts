/**
 * @module The Redis link (`--redis`): N instances on any number of machines share key state,
 * chats and message rates through one Redis. The hot path never waits on Redis: `publish` writes
 * the change's state (with a time to live that ends with it) and announces it on the prefix's
 * channel, fire and forget. What must be exact (a user's message rate, chats) is asked of Redis
 * and fails fast with GP_STATE_UNAVAILABLE while Redis is down or not answering.
 *
 * Down and back: while down, the latest change per state entry is held (bounded; past the bound
 * changes are dropped and counted), and on reconnect it is written and announced first; then
 * `onEvent` says 'up', and the daemon calls `snapshot()` to take in what the others learned
 * meanwhile. 'up' also comes for the first connection, so start-up and recovery resync alike.
 */

import { randomBytes } from 'node:crypto';
import { isObject } from '../protocols/shared/json.js';
import { expired, type EntryChange } from './entries.js';
import type { LinkHealth, SharedChange, StateLink, WindowRate } from './link.js';
import type { SessionLimits } from './memory-sessions.js';
import { UsageBook } from '../upstream/usage.js';
import {
  parseChange, parseJson, rebuild, stateWrite, usageFromHashes, usageIncrements, type StateWrite,
} from './redis-changes.js';
import { RedisConnections } from './redis-connection.js';
import { DEFAULT_PREFIX, RedisKeys } from './redis-keys.js';
import { integerReply, LuaScript, needRedis, TAKE_MESSAGE } from './redis-scripts.js';
import { RedisSessionStore } from './redis-sessions.js';
import type { SessionStore } from './sessions.js';

/** How long an exact call (a rate check, a chat) may wait on Redis before answering 503. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
/** The longest pause between two reconnection attempts. */
export const DEFAULT_RECONNECT_MAX_MS = 5_000;
/** How often Redis is PINGed to find out it stopped answering. */
export const DEFAULT_HEALTH_CHECK_MS = 5_000;
/** State entries held while Redis is down, to be written on reconnect; past it changes are dropped. */
export const MAX_HELD_CHANGES = 10_000;
/** Keys read per SCAN step of a snapshot. */
const SCAN_COUNT = '500';

/**
 * Adds a batch of usage counts to one hash and renews its time to live, in one step.
 * KEYS: the hash. ARGV: the time to live (ms), then field, count, field, count, …
 */
const ADD_USAGE = new LuaScript(`
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0
`);

export type RedisLinkEvent =
  /** Both connections are ready and subscribed: call `snapshot()` to resync. */
  | { readonly type: 'up'; readonly sinceMs: number }
  /** The link went down (or the first connection failed); told once per outage. */
  | { readonly type: 'down'; readonly sinceMs: number; readonly reason: string }
  /** The `onRemote` handler threw; the change is lost for this process. */
  | { readonly type: 'apply-failed'; readonly error: unknown };

export interface RedisLinkOptions {
  /** `redis[s]://[[user]:password@]host[:port][/db]`. Never logged by the link. */
  readonly url: string;
  /** Starts every key and the channel; default `gemini-proxy:`. */
  readonly prefix?: string;
  /** Unique per process: a change is never applied by the process that made it. */
  readonly instanceId: string;
  readonly now: () => number;
  readonly sessions: SessionLimits;
  /** Default: 16 random bytes, base64url (as the memory store's ids). */
  readonly newChatId?: () => string;
  readonly onEvent?: (event: RedisLinkEvent) => void;
  readonly commandTimeoutMs?: number;
  readonly reconnectMaxMs?: number;
  readonly healthCheckMs?: number;
}

export class RedisLink implements StateLink {
  readonly sessions: SessionStore;
  readonly #keys: RedisKeys;
  readonly #instanceId: string;
  readonly #now: () => number;
  readonly #onEvent: (event: RedisLinkEvent) => void;
  readonly #redis: RedisConnections;
  /** The latest change per state entry published while down, oldest first. */
  readonly #held = new Map<string, EntryChange>();
  /** Usage counts published while down, added up, to be added to Redis's on reconnect. */
  readonly #heldUsage = new UsageBook();
  /** Distinguishes this link's message times from another process's in the same millisecond. */
  readonly #nonce = randomBytes(6).toString('base64url');
  #messages = 0;
  #apply: ((change: SharedChange) => void) | undefined;
  #dropped = 0;

  constructor(options: RedisLinkOptions) {
    this.#keys = new RedisKeys(options.prefix ?? DEFAULT_PREFIX);
    this.#instanceId = options.instanceId;
    this.#now = options.now;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#redis = new RedisConnections({
      url: options.url,
      // CLIENT SETNAME takes no spaces or newlines.
      clientName: `gemini-proxy:${options.instanceId}`.replace(/[^\w.:@-]/g, '_'),
      channel: this.#keys.channel,
      now: options.now,
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      reconnectMaxMs: options.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS,
      healthCheckMs: options.healthCheckMs ?? DEFAULT_HEALTH_CHECK_MS,
      onMessage: (message) => this.#receive(message),
      onChange: (connected, reason) => this.#changed(connected, reason),
    });
    this.sessions = new RedisSessionStore(this.#redis.call, this.#keys, options.sessions, options.newChatId ?? newChatId);
  }

  /** Changes that never reached Redis: published while down with the hold full, or refused. */
  get dropped(): number {
    return this.#dropped;
  }

  publish(change: SharedChange): void {
    if (change.type === 'usage') return this.#publishUsage(change);
    const write = stateWrite(this.#keys, change, this.#now());
    if (!this.#redis.usable) return this.#hold(write.key, change);
    // This change is newer than any held for the same entry: that one must not be sent after it.
    this.#held.delete(write.key);
    this.#send(write, change).catch(() => {
      // Lost with the connection: held like any other. Refused by a Redis that answers: dropped.
      if (this.#redis.usable) this.#dropped++;
      else this.#hold(write.key, change);
    });
  }

  onRemote(apply: (change: SharedChange) => void): void {
    this.#apply = apply;
  }

  /** The state entries in force; rejects GP_STATE_UNAVAILABLE while Redis is down (resync on 'up'). */
  snapshot(): Promise<readonly SharedChange[]> {
    return needRedis(async () => {
      const changes: SharedChange[] = [];
      let cursor = '0';
      do {
        const reply = await this.#redis.call(['SCAN', cursor, 'MATCH', this.#keys.statePattern, 'COUNT', SCAN_COUNT]);
        const [next, keys] = scanReply(reply);
        changes.push(...(await this.#readState(keys)));
        cursor = next;
      } while (cursor !== '0');
      return [...changes, ...(await this.#readUsage())];
    });
  }

  takeUserMessage(userId: string, rate: WindowRate, nowMs: number): Promise<number> {
    const member = `${this.#instanceId}:${this.#nonce}:${++this.#messages}`;
    const args = [String(nowMs), String(rate.perMs), String(rate.requests), member];
    return needRedis(async () => integerReply(await TAKE_MESSAGE.run(this.#redis.call, [this.#keys.messages(userId)], args)));
  }

  health(): LinkHealth {
    return this.#redis.health();
  }

  close(): Promise<void> {
    return this.#redis.close();
  }

  /** Writes the change's state, then announces it. Both go on one connection, in this order. */
  async #send(write: StateWrite, change: EntryChange): Promise<void> {
    const stateCommand = write.op === 'del'
      ? ['DEL', write.key]
      : ['SET', write.key, write.value, ...(write.ttlMs === undefined ? [] : ['PX', String(write.ttlMs)])];
    const message = JSON.stringify({ origin: this.#instanceId, change });
    await Promise.all([this.#redis.call(stateCommand), this.#redis.call(['PUBLISH', this.#keys.channel, message])]);
  }

  #hold(key: string, change: EntryChange): void {
    if (!this.#held.has(key) && this.#held.size >= MAX_HELD_CHANGES) {
      this.#dropped++;
      return;
    }
    this.#held.delete(key);
    this.#held.set(key, change);
  }

  #changed(connected: boolean, reason: string): void {
    const { sinceMs } = this.#redis.health();
    if (!connected) return this.#onEvent({ type: 'down', sinceMs, reason });
    // Sent before 'up', on the same connection: a snapshot taken on 'up' comes after them.
    const held = [...this.#held.values()];
    this.#held.clear();
    const nowMs = this.#now();
    for (const change of held) if (!expired(change, nowMs)) this.publish(change);
    if (!this.#heldUsage.empty) {
      const counts = this.#heldUsage.toDoc();
      this.#heldUsage.clear();
      this.publish({ type: 'usage', counts, whole: false });
    }
    this.#onEvent({ type: 'up', sinceMs });
  }

  /**
   * A batch of usage counts: added to the hour's and the day's hashes (HINCRBY, so every
   * instance's counts add up in Redis), then announced. Held, added up, while Redis is down.
   */
  #publishUsage(change: Extract<SharedChange, { type: 'usage' }>): void {
    const nowMs = this.#now();
    if (!this.#redis.usable) return this.#heldUsage.merge(change.counts, 'add', nowMs);
    const message = JSON.stringify({ origin: this.#instanceId, change });
    const sent = usageIncrements(this.#keys, change.counts, nowMs)
      .map(({ key, ttlMs, increments }) => ADD_USAGE.run(this.#redis.call, [key], [String(ttlMs), ...increments]));
    Promise.all([...sent, this.#redis.call(['PUBLISH', this.#keys.channel, message])]).catch(() => {
      // As any change: lost with the connection, held (added up); refused by a Redis that answers, dropped.
      if (this.#redis.usable) this.#dropped++;
      else this.#heldUsage.merge(change.counts, 'add', this.#now());
    });
  }

  /** Every usage hash, as one change of totals (none when Redis holds no counts). */
  async #readUsage(): Promise<SharedChange[]> {
    const hashes: { key: string; fields: [string, string][] }[] = [];
    let cursor = '0';
    do {
      const [next, keys] = scanReply(await this.#redis.call(['SCAN', cursor, 'MATCH', this.#keys.usagePattern, 'COUNT', SCAN_COUNT]));
      const replies = await Promise.all(keys.map((key) => this.#redis.call(['HGETALL', key])));
      keys.forEach((key, index) => hashes.push({ key, fields: hashReply(replies[index]) }));
      cursor = next;
    } while (cursor !== '0');
    if (hashes.length === 0) return [];
    return [{ type: 'usage', counts: usageFromHashes(this.#keys, hashes), whole: true }];
  }

  /** Reads a batch of state entries with their remaining time, as changes. */
  async #readState(keys: readonly string[]): Promise<SharedChange[]> {
    const call = this.#redis.call;
    const entries = await Promise.all(keys.map((key) => Promise.all([call(['GET', key]), call(['PTTL', key])])));
    const nowMs = this.#now();
    return entries.flatMap(([value, pttl]) => {
      const change = rebuild(typeof value === 'string' ? value : null, integerReply(pttl), nowMs);
      return change === undefined ? [] : [change];
    });
  }

  #receive(message: string): void {
    const envelope = parseJson(message);
    if (!isObject(envelope) || typeof envelope.origin !== 'string' || envelope.origin === this.#instanceId) return;
    const change = parseChange(envelope.change);
    if (change === undefined || this.#apply === undefined) return;
    // A throw here would reach the client's reply parser and reset the connection.
    try {
      this.#apply(change);
    } catch (error) {
      this.#onEvent({ type: 'apply-failed', error });
    }
  }
}

function scanReply(reply: unknown): [string, string[]] {
  if (!Array.isArray(reply)) throw new TypeError('unexpected SCAN reply');
  const [cursor, keys] = reply as unknown[];
  if (typeof cursor !== 'string' || !Array.isArray(keys)) throw new TypeError('unexpected SCAN reply');
  return [cursor, keys.filter((key): key is string => typeof key === 'string')];
}

/** An HGETALL reply's fields and values: a flat list (RESP2) or a map (RESP3). */
function hashReply(reply: unknown): [string, string][] {
  const pairs: [string, string][] = [];
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([String(reply[i]), String(reply[i + 1])]);
  } else if (reply instanceof Map) {
    for (const [field, value] of reply) pairs.push([String(field), String(value)]);
  } else if (isObject(reply)) {
    for (const [field, value] of Object.entries(reply)) pairs.push([field, String(value)]);
  }
  return pairs;
}

function newChatId(): string {
  return randomBytes(16).toString('base64url');
}

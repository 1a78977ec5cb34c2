/**
 * @module Lua scripts run in Redis, where a read and the write it decides happen as one step for
 * every process at once, and the way the link calls Redis for what must be exact. A script is
 * sent by its SHA-1 (EVALSHA) and in full only when Redis does not hold it yet (after a restart).
 */

import { createHash } from 'node:crypto';
import { ProxyError } from '../errors.js';

/** Sends one command on the link's connection; rejects when Redis is down, slow or refuses. */
export type RedisCall = (args: readonly string[]) => Promise<unknown>;

export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(call: RedisCall, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await call(['EVALSHA', this.#sha, ...rest]);
    } catch (error) {
      // An error reply's first word is its code: NOSCRIPT means Redis lost its script cache.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return call(['EVAL', this.#source, ...rest]);
    }
  }
}

/**
 * Runs work that needs an answer from Redis. Any failure to get one (down, slower than the
 * command timeout, an error reply) becomes GP_STATE_UNAVAILABLE: a limit that cannot be checked
 * is not lifted, and a chat that lives in Redis cannot be served from anywhere else.
 */
export async function needRedis<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ProxyError('GP_STATE_UNAVAILABLE', undefined, { cause: error });
  }
}

/** An integer reply as a number (Redis sends integers; anything else is a broken reply). */
export function integerReply(reply: unknown): number {
  if (typeof reply !== 'number' || !Number.isFinite(reply)) throw new TypeError('expected an integer reply from Redis');
  return reply;
}

/**
 * The user's message times as a sorted set: old ones are dropped, and the message is counted
 * only when fewer than `requests` remain in the window. Same rule as the one-process
 * SlidingWindow: a time stays while `now - time < perMs`.
 * KEYS: the set. ARGV: now, perMs, requests, a member unique to this message.
 * Returns 0 (counted) or the ms until the oldest time leaves the window.
 */
export const TAKE_MESSAGE = new LuaScript(`
local now, per, requests = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) < requests then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
if not oldest then return per end
return math.max(1, math.ceil(tonumber(oldest) + per - now))
`);

/**
 * @module The chat sessions of every instance, in Redis, with the bounds of the memory store:
 * chats per user, chats in all, and an idle timeout. A chat is a hash (settings, history, last
 * use) whose time to live is the idle timeout, refreshed on each use, so an idle chat leaves
 * Redis by itself; two sorted sets by last use (the user's chats, all chats) count chats for the
 * limits. Every call is one Lua script, so two instances opening chats at once cannot both take
 * the last place. A chat is also idle by the caller's clock (as in the memory store), which is
 * what the indexes prune by. Any failure to reach Redis rejects with GP_STATE_UNAVAILABLE.
 */

import type { Content } from '../protocols/gemini/types.js';
import { isObject } from '../protocols/shared/json.js';
import type { SessionLimits } from './memory-sessions.js';
import { parseJson } from './redis-changes.js';
import type { RedisKeys } from './redis-keys.js';
import { integerReply, LuaScript, needRedis, type RedisCall } from './redis-scripts.js';
import type { Chat, ChatSettings, OpenResult, SessionStore } from './sessions.js';

/**
 * Shared by get, save and end. KEYS: the chat, all chats. ARGV: chat id, now, idle ms, ….
 * `live()` gives the chat's user index when the chat is live; an idle chat is removed on the way.
 */
const PRELUDE = `
local chat, all, id = KEYS[1], KEYS[2], ARGV[1]
local now, idle = tonumber(ARGV[2]), tonumber(ARGV[3])
local function live()
  local fields = redis.call('HMGET', chat, 'used', 'userKey')
  local used, userKey = fields[1], fields[2]
  if not used or not userKey then return nil end
  if now - tonumber(used) < idle then return userKey end
  redis.call('DEL', chat)
  redis.call('ZREM', all, id)
  redis.call('ZREM', userKey, id)
  return nil
end
local function touch(userKey)
  redis.call('HSET', chat, 'used', ARGV[2])
  redis.call('PEXPIRE', chat, ARGV[3])
  redis.call('ZADD', all, ARGV[2], id)
  redis.call('PEXPIRE', all, ARGV[3])
  redis.call('ZADD', userKey, ARGV[2], id)
  redis.call('PEXPIRE', userKey, ARGV[3])
end
`;

/** KEYS: chat, all chats, the user's chats. ARGV: id, now, idle, per user, in all, settings JSON. */
const OPEN = new LuaScript(`${PRELUDE}
local cutoff = now - idle
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', cutoff)
redis.call('ZREMRANGEBYSCORE', all, '-inf', cutoff)
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 'user' end
if redis.call('ZCARD', all) >= tonumber(ARGV[5]) then return 'all' end
redis.call('HSET', chat, 'settings', ARGV[6], 'history', '[]', 'userKey', KEYS[3])
touch(KEYS[3])
return 'ok'
`);

/** Returns [settings, history] JSON, or nil. */
const GET = new LuaScript(`${PRELUDE}
local userKey = live()
if not userKey then return nil end
touch(userKey)
return redis.call('HMGET', chat, 'settings', 'history')
`);

/** ARGV[4]: the history JSON. Returns 1 when saved, 0 when the chat is gone. */
const SAVE = new LuaScript(`${PRELUDE}
local userKey = live()
if not userKey then return 0 end
redis.call('HSET', chat, 'history', ARGV[4])
touch(userKey)
return 1
`);

/** Returns 1 when a live chat was ended, else 0. */
const END = new LuaScript(`${PRELUDE}
local userKey = live()
if not userKey then return 0 end
redis.call('DEL', chat)
redis.call('ZREM', all, id)
redis.call('ZREM', userKey, id)
return 1
`);

export class RedisSessionStore implements SessionStore {
  readonly #call: RedisCall;
  readonly #keys: RedisKeys;
  readonly #limits: SessionLimits;
  readonly #newId: () => string;

  constructor(call: RedisCall, keys: RedisKeys, limits: SessionLimits, newId: () => string) {
    this.#call = call;
    this.#keys = keys;
    this.#limits = limits;
    this.#newId = newId;
  }

  open(settings: ChatSettings, nowMs: number): Promise<OpenResult> {
    const { maxChatsPerUser, maxChats } = this.#limits;
    const id = this.#newId();
    const keys = [this.#keys.chat(id), this.#keys.allChats, this.#keys.userChats(settings.userId)];
    const args = [...this.#common(id, nowMs), String(maxChatsPerUser), String(maxChats), JSON.stringify(settings)];
    return needRedis(async () => {
      const reply = await OPEN.run(this.#call, keys, args);
      if (reply === 'user' || reply === 'all') return { ok: false, full: reply };
      if (reply !== 'ok') throw new TypeError('unexpected reply from the open script');
      return { ok: true, chat: { id, settings, history: [] } };
    });
  }

  get(chatId: string, nowMs: number): Promise<Chat | undefined> {
    return needRedis(async () => {
      const reply = await GET.run(this.#call, this.#chatKeys(chatId), this.#common(chatId, nowMs));
      return reply === null ? undefined : readChat(chatId, reply);
    });
  }

  save(chatId: string, history: readonly Content[], nowMs: number): Promise<void> {
    return needRedis(async () => {
      await SAVE.run(this.#call, this.#chatKeys(chatId), [...this.#common(chatId, nowMs), JSON.stringify(history)]);
    });
  }

  end(chatId: string, nowMs: number): Promise<boolean> {
    return needRedis(async () => integerReply(await END.run(this.#call, this.#chatKeys(chatId), this.#common(chatId, nowMs))) === 1);
  }

  #chatKeys(chatId: string): string[] {
    return [this.#keys.chat(chatId), this.#keys.allChats];
  }

  #common(chatId: string, nowMs: number): string[] {
    return [chatId, String(nowMs), String(this.#limits.idleTimeoutMs)];
  }
}

/** The chat from the get script's [settings, history]; both were written by this store as JSON. */
function readChat(id: string, reply: unknown): Chat {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') {
    throw new TypeError('unexpected reply from the get script');
  }
  const settings = parseJson(reply[0]);
  const history = parseJson(reply[1]);
  if (!isObject(settings) || !Array.isArray(history)) throw new TypeError('a chat in Redis is not readable');
  // Written by open() and save() from a ChatSettings and Content[]; read back as such.
  return { id, settings: settings as unknown as ChatSettings, history: history as Content[] };
}

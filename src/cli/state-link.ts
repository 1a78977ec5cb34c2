/**
 * @module Which state link this process serves with: Redis when `--redis` is set (every worker
 * and every instance talks to it directly), the primary process under `--workers`, or none (the
 * daemon's own memory). The link's ups and downs are logged once each, and every time it comes
 * up the daemon catches up with what the others learned meanwhile.
 */

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/resolve.js';
import type { Logger } from '../log/logger.js';
import { workerLink } from '../state/cluster.js';
import type { StateLink } from '../state/link.js';

/** The link, or undefined for none; `caughtUp` runs each time it comes (back) up. */
export async function stateLink(config: Config, log: Logger, caughtUp: () => void): Promise<StateLink | undefined> {
  if (config.redis === '') return workerLink();
  // Loaded only when asked for: the Redis client is half the bundle, and most start without it.
  const { RedisLink } = await import('../state/redis.js');
  return new RedisLink({
    url: config.redis,
    prefix: config.redisPrefix,
    instanceId: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    now: Date.now,
    sessions: { maxChats: config.maxChats, maxChatsPerUser: config.maxChatsPerUser, idleTimeoutMs: config.sessionIdleTimeoutMs },
    onEvent: (event) => {
      // The URL is never logged: it may hold Redis's password.
      if (event.type === 'down') log.warn({ event: 'redis-down', reason: event.reason }, 'Redis unreachable: serving on local state');
      if (event.type === 'apply-failed') log.error({ event: 'redis-apply-failed', err: event.error }, 'a shared change could not be applied');
      if (event.type === 'up') {
        log.info({ event: 'redis-up' }, 'Redis connected');
        caughtUp();
      }
    },
  });
}

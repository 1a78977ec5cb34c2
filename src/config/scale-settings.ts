/**
 * @module The settings for more than one process: `--workers` (every core of one machine) and
 * `--redis` (several machines sharing key state). Part of the settings table
 * (src/config/settings.ts).
 */

import { availableParallelism } from 'node:os';
import { ConfigError } from './config-error.js';
import { parseInteger, parseText, type RawValue } from './parse-value.js';
import type { SettingSpec } from './settings.js';

export interface ScaleSettings {
  /** Worker processes on one port (node:cluster); 1 serves in this process. */
  workers: number;
  /** `redis://` or `rediss://` URL of the shared state; '' for none. May hold a password. */
  redis: string;
  /** What every Redis key name starts with, so deployments can share one Redis. */
  redisPrefix: string;
}

/** A count, or `auto`: one per core. */
export function parseWorkers(field: string, raw: RawValue): number {
  const text = parseText(field, raw).toLowerCase();
  return text === 'auto' ? availableParallelism() : parseInteger(field, text, 1, 256);
}

/** A redis:// or rediss:// URL; only scheme, host and port are ever repeated (it may hold a password). */
export function parseRedisUrl(field: string, raw: RawValue): string {
  const text = parseText(field, raw);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('GP_CONFIG_INVALID', field, 'expected a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw ConfigError.invalid(field, `${url.protocol}//${url.host}`, 'a redis:// or rediss:// URL');
  }
  return text;
}

export const SCALE_SETTINGS: { readonly [K in keyof ScaleSettings]: SettingSpec<ScaleSettings[K]> } = {
  workers: {
    flag: 'workers', env: 'GEMINI_PROXY_WORKERS', valueName: 'count', defaultText: '1',
    help: 'worker processes sharing the port and the key state (auto: one per core)',
    parse: parseWorkers,
  },
  redis: {
    flag: 'redis', env: 'GEMINI_PROXY_REDIS', valueName: 'url', defaultText: 'none', none: '',
    help: 'share key state, affinity, sessions and rate limits with other instances through this Redis (redis://[:password@]host:port[/db])',
    parse: parseRedisUrl,
  },
  redisPrefix: {
    flag: 'redis-prefix', env: 'GEMINI_PROXY_REDIS_PREFIX', valueName: 'text', defaultText: 'gemini-proxy:',
    help: 'what every Redis key name starts with, so several deployments can share one Redis',
    parse: parseText,
  },
};

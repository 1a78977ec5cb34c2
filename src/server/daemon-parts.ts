/**
 * @module Pieces of the daemon that need none of its state: its HTTP server, its log line for a
 * key's or relay's change, the configuration's own secrets.
 */

import { createServer, type RequestListener, type Server } from 'node:http';
import type { Config } from '../config/resolve.js';
import type { Logger } from '../log/logger.js';
import type { StateChange } from '../upstream/rotator.js';

/** Secrets the configuration holds besides the keys: Redis's password. */
export function configSecrets(config: Config): string[] {
  if (config.redis === '') return [];
  const url = new URL(config.redis);
  return [url.password, decodeURIComponent(url.password)].filter((secret) => secret.length >= 4);
}

/** A key's, relay's or egress proxy's change of state, as one log line (a warning when it is lost). */
export function logChange(log: Logger, change: StateChange): void {
  const { type, ...fields } = change;
  const until = 'untilMs' in fields ? { untilMs: undefined, until: new Date(fields.untilMs).toISOString() } : {};
  const level = type === 'key-disabled' || type === 'relay-unhealthy' || type === 'egress-unhealthy' ? 'warn' : 'info';
  log[level]({ event: type, ...fields, ...until }, type.replace('-', ' '));
}

/**
 * Connections the kernel queues before the proxy accepts them (capped by net.core.somaxconn).
 * Node's default, 511, overflowed when 1,000 clients opened streams at once: the dropped ones
 * waited a second for their SYN to be sent again (npm run bench, scenario 4).
 */
export const LISTEN_BACKLOG = 4096;

/** The node:http server, with limits that keep slow or oversized clients from holding the proxy. */
export function httpServer(listener: RequestListener): Server {
  const server = createServer(
    {
      // Slow or oversized clients cannot hold the proxy (reference B.3).
      headersTimeout: 30_000,
      requestTimeout: 120_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 5_000,
      maxHeaderSize: 16 * 1024,
    },
    listener,
  );
  server.maxHeadersCount = 100;
  return server;
}

/**
 * @module Header hygiene for a forwarding proxy (RFC 9110 §7.6.1): hop-by-hop headers never
 * cross, client credentials never reach the upstream, upstream cookies never reach the client.
 * Pure.
 */

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Never forwarded upstream: credentials (the pool key replaces them), identity, framing. */
const DROP_UPSTREAM = new Set([
  'host',
  'content-length',
  'authorization',
  'x-goog-api-key',
  'x-api-key',
  'api-key',
  'cookie',
  // Upstream bodies are read (error bodies are parsed), so they must come uncompressed.
  'accept-encoding',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);

/** Never returned to the client. */
const DROP_DOWNSTREAM = new Set(['set-cookie', 'alt-svc']);

const NO_TOKENS: ReadonlySet<string> = new Set();

/** Header names listed in `Connection` are hop-by-hop too. */
function connectionTokens(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const value = headers.connection;
  if (typeof value !== 'string' || value === 'keep-alive' || value === 'close') return NO_TOKENS;
  return new Set(value.split(',').map((token) => token.trim().toLowerCase()));
}

/** The client's headers that may go upstream, flattened to strings. */
export function upstreamHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const listed = connectionTokens(headers);
  const result: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || DROP_UPSTREAM.has(name) || listed.has(name)) {
      continue;
    }
    result[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

/** The upstream's headers that may go to the client. */
export function downstreamHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionTokens(headers);
  const result: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || DROP_DOWNSTREAM.has(name) || listed.has(name)) {
      continue;
    }
    result[name] = value;
  }
  return result;
}

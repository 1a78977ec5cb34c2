/**
 * @module Header hygiene for a forwarding proxy (RFC 9110 §7.6.1): hop-by-hop headers never
 * cross, client credentials and identities never reach the upstream, upstream cookies and
 * redirects never reach the client. Pure.
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

/**
 * Never forwarded upstream: credentials (the pool key replaces them), framing, and whatever
 * Google checks a key's restrictions or billing against. Forwarded, a client's `Referer`,
 * app-id or project header would make Google refuse a restricted key ("API_KEY_…_BLOCKED"),
 * which reads as the key's own fault.
 */
const DROP_UPSTREAM = new Set([
  'host',
  'content-length',
  'authorization',
  'x-goog-api-key',
  'x-api-key',
  'api-key',
  'cookie',
  'referer',
  'origin',
  'x-goog-user-project',
  'x-goog-quota-user',
  'x-goog-iam-authorization-token',
  'x-goog-iam-authority-selector',
  'x-android-package',
  'x-android-cert',
  'x-ios-bundle-identifier',
  'x-firebase-appcheck',
  'x-http-method-override',
  // Upstream bodies are read (error bodies are parsed), so they must come uncompressed.
  'accept-encoding',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);

/** Never returned to the client: cookies, and anything that sends it elsewhere. */
const DROP_DOWNSTREAM = new Set(['set-cookie', 'alt-svc', 'location', 'content-location', 'refresh', 'link']);

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

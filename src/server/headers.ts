/**
 * @module Header hygiene for a forwarding proxy (RFC 9110 §7.6.1): only the headers the Gemini
 * API reads go upstream (no credential, identity or hop-by-hop header), and upstream cookies,
 * redirects and hop-by-hop headers never reach the client. Pure.
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
 * The only client headers forwarded upstream: what the Gemini API reads. Anything else could
 * carry a credential or an identity Google checks a key against: forwarded, a client's
 * `Authorization`, `Referer`, app id or billing project would make Google refuse the request
 * ("API_KEY_…_BLOCKED", "ACCESS_TOKEN_TYPE_UNSUPPORTED"), which reads as the key's own fault.
 * `Accept-Encoding` is not among them: upstream error bodies are read, so they come plain.
 */
const FORWARDED_UPSTREAM = new Set([
  'accept',
  'accept-language',
  'content-type',
  'content-encoding',
  'user-agent',
  'x-goog-api-client',
  'x-goog-fieldmask',
  'x-server-timeout',
]);
/** Resumable uploads speak in headers of this family. */
const FORWARDED_PREFIX = 'x-goog-upload-';

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
    if (value === undefined || listed.has(name) || !(FORWARDED_UPSTREAM.has(name) || name.startsWith(FORWARDED_PREFIX))) {
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

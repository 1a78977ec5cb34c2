/**
 * @module Who may use the dashboard, and the headers every `/ui` answer carries. With a proxy key
 * configured the page is open (it holds no data) and its API wants the key as a bearer header.
 * With none, page and API answer only on loopback: a connection from this machine that names
 * this machine (a page of another site that rebinds its DNS name to 127.0.0.1 names itself).
 * The API also refuses calls another site's page makes: only the dashboard's own page calls it.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from '../../errors.js';
import type { ClientAuth } from '../auth.js';
import type { RequestContext } from '../context.js';
import { sendError } from '../respond.js';

/** Scripts, styles and calls from this origin only; no inline code, no frames, no forms. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:",
  "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
].join('; ');

const HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/** Whether a peer address is this machine: 127.0.0.0/8 or ::1, IPv4-mapped or not. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

/** Whether a Host header names this machine: localhost, 127.0.0.0/8 or [::1], any port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '')).toLowerCase();
  return name === 'localhost' || name === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/**
 * Whether the request came from another site's page: its Origin is not this host, or the
 * browser says it crossed sites. Requests without either header (curl, scripts) are not.
 */
export function isCrossSite(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}

function forbid(ctx: RequestContext, message: string): false {
  sendError(ctx, new ProxyError('GP_FORBIDDEN', message));
  return false;
}

/**
 * Sets the dashboard's headers (errors included), then lets the request in or answers it: true
 * when the handler goes on. `api`: a call of the page's API, which needs the proxy key.
 */
export function admit(ctx: RequestContext, auth: ClientAuth, api: boolean): boolean {
  for (const [name, value] of Object.entries(HEADERS)) ctx.res.setHeader(name, value);
  const { headers } = ctx.req;
  if (api && isCrossSite(headers)) return forbid(ctx, "the dashboard's API answers only the dashboard's own page");
  if (!auth.required) {
    if (isLoopbackAddress(ctx.req.socket.remoteAddress) && isLoopbackHost(headers.host)) return true;
    return forbid(ctx, 'with no proxy key configured, the dashboard answers only on loopback (http://127.0.0.1:PORT/ui); set --proxy-key to open it further');
  }
  if (api && auth.identify(headers, ctx.search) === undefined) {
    throw new ProxyError('GP_UNAUTHORIZED', 'a valid proxy key is required (Authorization: Bearer)');
  }
  return true;
}

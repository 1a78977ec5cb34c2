/**
 * @module One line of the egress proxies file: a forward proxy every upstream connection of a
 * key is opened through, `http://`, `https://` or `socks5://`, optionally with
 * `user:password@`. Unlike a relay (a base URL the request is sent to), an egress proxy only
 * carries the connection: Google sees the proxy's address.
 */

import { ConfigError } from './config-error.js';

export type EgressKind = 'http' | 'https' | 'socks5';

export interface EgressProxy {
  /** `host:port`: what logs, /status and a key's `proxy=` label call it. Never a credential. */
  readonly id: string;
  readonly kind: EgressKind;
  /** The host as a socket connects to it (an IPv6 address without brackets). */
  readonly host: string;
  readonly port: number;
  /** The proxy's own credentials: sent to the proxy only, never logged, never in /status. */
  readonly auth?: { readonly username: string; readonly password: string };
}

const KINDS: Readonly<Record<string, EgressKind>> = {
  'http:': 'http',
  'https:': 'https',
  'socks5:': 'socks5',
  // Host names are always resolved by the proxy (no DNS query leaves from here): socks5h is socks5.
  'socks5h:': 'socks5',
};

const DEFAULT_PORTS: Readonly<Record<EgressKind, number>> = { http: 80, https: 443, socks5: 1080 };

function decode(part: string, where: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError('GP_CONFIG_INVALID', where, 'expected user:password percent-encoded');
  }
}

/** Parses an egress proxy line. Messages repeat at most scheme, host and port, never a credential. */
export function toEgress(value: string, where: string): EgressProxy {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('GP_CONFIG_INVALID', where, 'expected http://, https:// or socks5:// followed by host:port');
  }
  const kind = KINDS[url.protocol];
  const shown = `${url.protocol}//${url.host}`;
  if (kind === undefined) throw ConfigError.invalid(where, shown, 'an http://, https:// or socks5:// proxy');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    throw ConfigError.invalid(where, shown, 'a proxy URL without path, query or fragment');
  }
  if (url.hostname === '') throw ConfigError.invalid(where, shown, 'a proxy URL with a host');
  if (url.password !== '' && url.username === '') throw ConfigError.invalid(where, shown, 'user:password with a user');
  const port = url.port === '' ? DEFAULT_PORTS[kind] : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const auth = url.username === '' ? undefined : { username: decode(url.username, where), password: decode(url.password, where) };
  return { id: `${url.hostname}:${port}`, kind, host, port, ...(auth && { auth }) };
}

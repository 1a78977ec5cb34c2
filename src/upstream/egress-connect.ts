/**
 * @module Connections through an egress proxy. HTTP(S) proxies carry a CONNECT tunnel (undici's
 * ProxyAgent for requests), SOCKS5 proxies a SOCKS connection (the `socks` library); either way
 * the relay's own TLS runs inside the tunnel, so the proxy sees only the relay's host and port.
 * A failure of the proxy itself becomes an error with a `GP_EGRESS_*` code the error policy
 * reads: no message is parsed, and no error holds the proxy's credentials (the library's own
 * errors, which may, are dropped).
 */

import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent, buildConnector, Client, Pool, ProxyAgent, type Dispatcher } from './undici.js';
import type { EgressProxy } from '../config/lists.js';

export type EgressFailure = 'GP_EGRESS_UNREACHABLE' | 'GP_EGRESS_AUTH' | 'GP_EGRESS_REFUSED' | 'GP_EGRESS_TARGET_UNREACHABLE';

const SUMMARIES: Readonly<Record<EgressFailure, string>> = {
  GP_EGRESS_UNREACHABLE: 'the proxy could not be reached',
  GP_EGRESS_AUTH: 'the proxy refused its credentials',
  GP_EGRESS_REFUSED: 'the proxy refused to open the tunnel',
  GP_EGRESS_TARGET_UNREACHABLE: 'the proxy could not reach the relay',
};

export class EgressError extends Error {
  readonly code: EgressFailure;

  constructor(code: EgressFailure, proxy: EgressProxy) {
    super(`egress proxy ${proxy.id}: ${SUMMARIES[code]}`);
    this.name = 'EgressError';
    this.code = code;
  }
}

/** The pool options every connection pool upstream shares (src/upstream/pool.ts). */
export interface PoolSettings {
  readonly connectTimeoutMs: number;
  readonly poolOptions: Pool.Options;
}

/** A CONNECT answer other than 200: 407 is the credentials; a gateway error, the relay beyond. */
function tunnelRefusal(status: number): EgressFailure {
  if (status === 407) return 'GP_EGRESS_AUTH';
  return status === 502 || status === 503 || status === 504 ? 'GP_EGRESS_TARGET_UNREACHABLE' : 'GP_EGRESS_REFUSED';
}

function proxyOrigin(proxy: EgressProxy): string {
  const host = isIP(proxy.host) === 6 ? `[${proxy.host}]` : proxy.host;
  return `${proxy.kind}://${host}:${proxy.port}`;
}

function basicAuth(proxy: EgressProxy): string | undefined {
  const { auth } = proxy;
  return auth === undefined ? undefined : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

type Connect = (options: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;

/** Opens a CONNECT tunnel with `connect` (a connection to the proxy's); the proxy's answer as a code. */
async function openConnectTunnel(connect: Connect, proxy: EgressProxy, options: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData> {
  let data: Dispatcher.ConnectData;
  try {
    data = await connect(options);
  } catch {
    // The caller's own abort is told apart by its signal, upstream of here.
    throw new EgressError('GP_EGRESS_UNREACHABLE', proxy);
  }
  if (data.statusCode === 200) return data;
  data.socket.destroy();
  throw new EgressError(tunnelRefusal(data.statusCode), proxy);
}

/** The connection to an HTTP(S) proxy that ProxyAgent opens its tunnels with, failing by code. */
class TunnelPool extends Pool {
  readonly #proxy: EgressProxy;

  constructor(origin: URL, options: Pool.Options, proxy: EgressProxy) {
    super(origin, options);
    this.#proxy = proxy;
  }

  override connect(options: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData>;
  override connect(options: Dispatcher.ConnectOptions, callback: (err: Error | null, data: Dispatcher.ConnectData) => void): void;
  override connect(
    options: Dispatcher.ConnectOptions,
    callback?: (err: Error | null, data: Dispatcher.ConnectData) => void,
  ): Promise<Dispatcher.ConnectData> | void {
    if (callback !== undefined) return super.connect(options, callback);
    return openConnectTunnel((opts) => super.connect(opts), this.#proxy, options);
  }
}

function openTcp(proxy: EgressProxy, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: proxy.host, port: proxy.port });
    const fail = (): void => {
      socket.destroy();
      reject(new EgressError('GP_EGRESS_UNREACHABLE', proxy));
    };
    socket.setTimeout(timeoutMs);
    socket.once('timeout', fail);
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('timeout', fail);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/**
 * A SOCKS5 connection to `host:port` through `proxy`; the host name goes to the proxy to resolve.
 * The library reports a refused login and an unreachable relay alike (by message only), so any
 * failure after the proxy answered is the proxy's (`GP_EGRESS_REFUSED`).
 */
async function openSocks(proxy: EgressProxy, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const raw = await openTcp(proxy, timeoutMs);
  const { auth } = proxy;
  try {
    // Loaded on first use: most deployments have no SOCKS proxy, and start faster without it.
    const { SocksClient } = await import('socks');
    const { socket } = await SocksClient.createConnection({
      proxy: { host: proxy.host, port: proxy.port, type: 5, ...(auth && { userId: auth.username, password: auth.password }) },
      command: 'connect',
      destination: { host, port },
      timeout: timeoutMs,
      existing_socket: raw,
    });
    return socket;
  } catch {
    raw.destroy();
    throw new EgressError('GP_EGRESS_REFUSED', proxy);
  }
}

/** A raw connection to `host:port` through `proxy`, for callers that speak HTTP themselves (the Live API's WebSocket). */
export async function openTunnel(proxy: EgressProxy, host: string, port: number, timeoutMs: number): Promise<Socket> {
  if (proxy.kind === 'socks5') return openSocks(proxy, host, port, timeoutMs);
  const authorization = basicAuth(proxy);
  const target = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const origin = proxyOrigin(proxy);
  const client = new Client(origin, { connect: { timeout: timeoutMs } });
  try {
    const { socket } = await openConnectTunnel((options) => client.connect(options), proxy, {
      origin, path: target, headers: { host: target, ...(authorization !== undefined && { 'proxy-authorization': authorization }) },
    });
    return socket as Socket;
  } finally {
    // The tunnel's socket has left the client: closing it closes nothing in use.
    void client.close().catch(() => undefined);
  }
}

/** ws's `createConnection` for a socket through `proxy`, TLS inside the tunnel for `wss:`. */
export function tunnelConnection(proxy: EgressProxy, secure: boolean, timeoutMs: number) {
  return (options: { host?: string; port?: number | string }, done: (error: Error | null, socket?: Socket) => void): undefined => {
    const host = options.host ?? '';
    const port = Number(options.port) || (secure ? 443 : 80);
    openTunnel(proxy, host, port, timeoutMs).then((socket) => {
      done(null, secure ? tlsConnect({ socket, servername: isIP(host) === 0 ? host : '', ALPNProtocols: ['http/1.1'] }) : socket);
    }, (error: unknown) => done(error instanceof Error ? error : new EgressError('GP_EGRESS_REFUSED', proxy)));
    return undefined;
  };
}

/** The SOCKS5 connector for undici: the tunnel, then the relay's TLS over it for https. */
function socksConnector(proxy: EgressProxy, timeoutMs: number): buildConnector.connector {
  const tls = buildConnector({ timeout: timeoutMs });
  return (options, callback) => {
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    openSocks(proxy, options.hostname, port, timeoutMs).then((socket) => {
      if (options.protocol === 'https:') tls({ ...options, httpSocket: socket }, callback);
      else callback(null, socket);
    }, (error: unknown) => callback(error instanceof Error ? error : new EgressError('GP_EGRESS_REFUSED', proxy), null));
  };
}

/**
 * The dispatcher for requests through `proxy`: a ProxyAgent (HTTP, HTTPS) or an Agent whose
 * connections open through SOCKS5. Either keeps its own pool per relay origin; requests name
 * the origin.
 */
export function egressDispatcher(proxy: EgressProxy, { connectTimeoutMs, poolOptions }: PoolSettings): Dispatcher {
  const timeout = { timeout: connectTimeoutMs };
  if (proxy.kind === 'socks5') return new Agent({ ...poolOptions, connect: socksConnector(proxy, connectTimeoutMs) });
  const token = basicAuth(proxy);
  return new ProxyAgent({
    ...poolOptions,
    uri: proxyOrigin(proxy),
    ...(token !== undefined && { token }),
    proxyTls: timeout,
    requestTls: timeout,
    clientFactory: (origin, options) => new TunnelPool(origin, options, proxy),
  });
}

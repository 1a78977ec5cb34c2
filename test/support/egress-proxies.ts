/**
 * Forward proxies for the egress tests, on loopback: an HTTP CONNECT proxy and a SOCKS5 proxy
 * (RFC 1928, with RFC 1929 user/password), each opening its onward connections from its own
 * loopback address (127.0.0.N), so the fake upstream sees which proxy a request came through, as
 * Google sees a proxy's IP. Each records the targets it was asked for and can be killed.
 */

import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';

export interface ProxyAuth {
  readonly username: string;
  readonly password: string;
}

export interface ProxyOptions {
  /** The loopback address onward connections leave from. */
  readonly egressAddress: string;
  readonly auth?: ProxyAuth;
}

abstract class TestProxyServer {
  /** `host:port` targets asked for, in order; refused ones too. */
  readonly targets: string[] = [];
  /** Handshakes refused for their credentials. */
  refusedLogins = 0;
  readonly #sockets = new Set<Socket>();
  protected readonly options: ProxyOptions;
  protected abstract readonly server: HttpServer | NetServer;
  #port = 0;

  constructor(options: ProxyOptions) {
    this.options = options;
  }

  protected abstract readonly scheme: string;

  get port(): number {
    return this.#port;
  }

  /** The egress proxies file line for this proxy, with `auth` (or the proxy's own) as credentials. */
  line(auth: ProxyAuth | undefined = this.options.auth): string {
    const credentials = auth === undefined ? '' : `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`;
    return `${this.scheme}://${credentials}127.0.0.1:${this.#port}`;
  }

  get id(): string {
    return `127.0.0.1:${this.#port}`;
  }

  protected track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  /** Connects onward from the proxy's own address. */
  protected dial(host: string, port: number): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const socket = connect({ host, port, localAddress: this.options.egressAddress });
      socket.once('connect', () => resolve(socket));
      socket.once('error', () => resolve(undefined));
      this.track(socket);
    });
  }

  protected splice(a: Socket, b: Socket): void {
    a.pipe(b);
    b.pipe(a);
  }

  /** Listens on 127.0.0.1 (port 0 the first time; the same port again after `kill`). */
  async listen(): Promise<this> {
    this.server.listen(this.#port, '127.0.0.1');
    await once(this.server, 'listening');
    this.#port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The proxy dies: nothing listens any more, and every connection through it is cut. */
  async kill(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

export class HttpConnectProxy extends TestProxyServer {
  protected readonly scheme = 'http';
  protected readonly server: HttpServer;

  constructor(options: ProxyOptions) {
    super(options);
    this.server = createHttpServer((_req, res) => res.writeHead(405).end());
    this.server.on('connection', (socket: Socket) => this.track(socket));
    this.server.on('connect', (req, socket: Socket, head: Buffer) => void this.#connect(req.url ?? '', req.headers['proxy-authorization'], socket, head));
  }

  static start(options: ProxyOptions): Promise<HttpConnectProxy> {
    return new HttpConnectProxy(options).listen();
  }

  async #connect(target: string, authorization: string | undefined, socket: Socket, head: Buffer): Promise<void> {
    this.targets.push(target);
    const { auth } = this.options;
    if (auth !== undefined && authorization !== `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`) {
      this.refusedLogins++;
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const colon = target.lastIndexOf(':');
    const onward = await this.dial(target.slice(0, colon), Number(target.slice(colon + 1)));
    if (onward === undefined) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) onward.write(head);
    this.splice(socket, onward);
  }
}

/** Reads exactly `count` bytes from a socket in paused mode. */
async function read(socket: Socket, count: number): Promise<Buffer> {
  for (;;) {
    const chunk = socket.read(count) as Buffer | null;
    if (chunk !== null) return chunk;
    if (socket.readableEnded || socket.destroyed) throw new Error('closed');
    await Promise.race([once(socket, 'readable'), once(socket, 'close')]);
  }
}

export class Socks5Proxy extends TestProxyServer {
  protected readonly scheme = 'socks5';
  protected readonly server: NetServer;

  constructor(options: ProxyOptions) {
    super(options);
    this.server = createNetServer((socket) => {
      this.track(socket);
      this.#serve(socket).catch(() => socket.destroy());
    });
  }

  static start(options: ProxyOptions): Promise<Socks5Proxy> {
    return new Socks5Proxy(options).listen();
  }

  async #serve(socket: Socket): Promise<void> {
    const [version = 0, methodCount = 0] = await read(socket, 2);
    const methods = [...await read(socket, methodCount)];
    const wanted = this.options.auth === undefined ? 0x00 : 0x02;
    if (version !== 5 || !methods.includes(wanted)) {
      socket.end(Buffer.from([5, 0xff]));
      return;
    }
    socket.write(Buffer.from([5, wanted]));
    if (wanted === 0x02 && !(await this.#login(socket))) return;
    const [, command = 0, , type = 0] = await read(socket, 4);
    const host = type === 1 ? [...await read(socket, 4)].join('.') : (await read(socket, (await read(socket, 1))[0] ?? 0)).toString('latin1');
    const port = (await read(socket, 2)).readUInt16BE(0);
    this.targets.push(`${host}:${port}`);
    const onward = command === 1 ? await this.dial(host, port) : undefined;
    // Reply 5: connection refused (what a proxy says of a relay it cannot reach).
    socket.write(Buffer.from([5, onward === undefined ? 5 : 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    if (onward === undefined) {
      socket.end();
      return;
    }
    this.splice(socket, onward);
  }

  async #login(socket: Socket): Promise<boolean> {
    await read(socket, 1);
    const username = (await read(socket, (await read(socket, 1))[0] ?? 0)).toString('utf8');
    const password = (await read(socket, (await read(socket, 1))[0] ?? 0)).toString('utf8');
    const { auth } = this.options;
    const ok = username === auth?.username && password === auth.password;
    if (!ok) this.refusedLogins++;
    socket.write(Buffer.from([1, ok ? 0 : 1]));
    if (!ok) socket.end();
    return ok;
  }
}

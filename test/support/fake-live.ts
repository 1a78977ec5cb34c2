/**
 * A fake Gemini Live upstream on 127.0.0.1, port 0: a `ws` server behind node:http, so a
 * handshake can be refused with any status. It takes only the keys it was given, and only in the
 * `x-goog-api-key` header (a credential in the query is refused, as is a path with two slashes);
 * answers `setup` with `setupComplete` and a text turn with `serverContent`, both in binary
 * frames as Google does; and pushes a message or closes a session with a code when told.
 */

import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

const LIVE_PATH = /^\/ws\/google\.ai\.generativelanguage\.v1(?:beta|alpha)\.GenerativeService\.BidiGenerateContent(?:Constrained)?$/;

export interface Frame {
  readonly text: string;
  readonly binary: boolean;
}

export interface CloseSeen {
  readonly code: number;
  readonly reason: string;
}

/** One session the fake accepted. */
export interface LiveConnection {
  readonly key: string;
  /** The address the connection came from: an egress proxy's, when the daemon used one. */
  readonly peer: string;
  /** Path and query exactly as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Every frame received, with its type. */
  readonly received: Frame[];
  /** Resolves with the code and reason the session closed with, as the fake saw it. */
  readonly closed: Promise<CloseSeen>;
  /** Sends a server message as Google does: JSON in a binary frame. */
  push(message: unknown): void;
  close(code: number, reason: string): void;
  /** Cuts the connection without a close frame. */
  drop(): void;
  /** Resolves once `count` frames have arrived. */
  waitForFrames(count: number): Promise<void>;
}

/** A handshake answered with a status instead of 101. */
export interface Refused {
  readonly key: string | undefined;
  readonly status: number;
}

function googleError(status: number, rpc: string, message: string, reason?: string): string {
  const details = reason === undefined ? [] : [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' }];
  return JSON.stringify({ error: { code: status, message, status: rpc, details } });
}

/** Google's answer to a key it does not know. */
export const INVALID_KEY = { status: 403, body: googleError(403, 'PERMISSION_DENIED', 'API key not valid. Please pass a valid API key.', 'API_KEY_INVALID') };
/** Google's answer to a key over its quota. */
export const RATE_LIMITED = { status: 429, body: googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).') };

function refuse(socket: Duplex, status: number, body: string): void {
  socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function textOf(data: RawData): string {
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** The text of a `clientContent` turn, for the echo. */
function turnText(message: Record<string, unknown>): string {
  const content = message['clientContent'] as { turns?: { parts?: { text?: string }[] }[] } | undefined;
  return content?.turns?.flatMap((turn) => turn.parts ?? []).map((part) => part.text ?? '').join('') ?? '';
}

export class FakeLive {
  readonly connections: LiveConnection[] = [];
  readonly refused: Refused[] = [];
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #keys: ReadonlySet<string>;
  readonly #refusals = new Map<string, { status: number; body: string }>();
  /** Minted ephemeral tokens → the key that minted each. */
  readonly #tokens = new Map<string, string>();
  #waiters: { index: number; resolve: (connection: LiveConnection) => void }[] = [];

  private constructor(keys: readonly string[]) {
    this.#keys = new Set(keys);
    this.#server = createServer((req, res) => this.#mint(req, res));
    this.#server.on('upgrade', (req, socket, head) => {
      const header = req.headers['x-goog-api-key'];
      const key = typeof header === 'string' ? header : undefined;
      const refusal = this.#check(req.url ?? '/', key);
      if (refusal !== undefined || key === undefined) {
        const { status, body } = refusal ?? { status: 401, body: googleError(401, 'UNAUTHENTICATED', 'API key missing') };
        this.refused.push({ key, status });
        refuse(socket, status, body);
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#serve(ws, req.url ?? '/', req.headers, key, req.socket.remoteAddress ?? ''));
    });
  }

  /** A fake that accepts `keys`. */
  static async start(keys: readonly string[]): Promise<FakeLive> {
    const fake = new FakeLive(keys);
    fake.#server.listen(0, '127.0.0.1');
    await once(fake.#server, 'listening');
    return fake;
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Every handshake with `key` is answered `refusal` instead of 101. */
  refuseKey(key: string, refusal: { status: number; body: string }): this {
    this.#refusals.set(key, refusal);
    return this;
  }

  /** Resolves with the `index`th accepted session, now or once it opens. */
  connection(index = 0): Promise<LiveConnection> {
    const found = this.connections[index];
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ index, resolve }));
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /**
   * `POST /v1alpha/auth_tokens` (ai.authTokens.create) mints an ephemeral token for the key that
   * asked; anything else over plain HTTP is 426.
   */
  #mint(req: IncomingMessage, res: ServerResponse): void {
    const key = req.headers['x-goog-api-key'];
    if (req.method !== 'POST' || req.url !== '/v1alpha/auth_tokens' || typeof key !== 'string' || !this.#keys.has(key)) {
      res.writeHead(426).end();
      return;
    }
    req.resume();
    const name = `auth_tokens/fake-token-${this.#tokens.size + 1}`;
    this.#tokens.set(name, key);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name }));
  }

  /** The refusal a handshake gets, or undefined to accept it. */
  #check(url: string, key: string | undefined): { status: number; body: string } | undefined {
    const mark = url.indexOf('?');
    const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
    const token = query.get('access_token');
    // Google's constrained RPC takes an ephemeral token, which only its minting key's project knows.
    if (token !== null && url.includes('Constrained') && !query.has('key')) {
      return this.#tokens.get(token) === key ? undefined : { status: 403, body: googleError(403, 'PERMISSION_DENIED', 'the token is not this project\'s') };
    }
    if (query.has('key') || query.has('access_token')) return { status: 400, body: googleError(400, 'INVALID_ARGUMENT', 'a credential in the query') };
    if (!LIVE_PATH.test(mark === -1 ? url : url.slice(0, mark))) return { status: 404, body: googleError(404, 'NOT_FOUND', 'no such path') };
    if (key === undefined) return undefined;
    return this.#refusals.get(key) ?? (this.#keys.has(key) ? undefined : INVALID_KEY);
  }

  #serve(ws: WebSocket, url: string, headers: IncomingHttpHeaders, key: string, peer: string): void {
    const received: Frame[] = [];
    let frameWaiters: { count: number; resolve: () => void }[] = [];
    const send = (message: unknown): void => ws.send(Buffer.from(JSON.stringify(message)), { binary: true });
    const connection: LiveConnection = {
      key, peer, url, headers, received,
      closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }))),
      push: send,
      close: (code, reason) => ws.close(code, reason),
      drop: () => ws.terminate(),
      waitForFrames: (count) => received.length >= count ? Promise.resolve() : new Promise((resolve) => frameWaiters.push({ count, resolve })),
    };
    ws.on('message', (data, isBinary) => {
      const text = textOf(data);
      received.push({ text, binary: isBinary });
      frameWaiters = frameWaiters.filter((waiter) => received.length < waiter.count || (waiter.resolve(), false));
      const message = JSON.parse(text) as Record<string, unknown>;
      if ('setup' in message) send({ setupComplete: {} });
      if ('clientContent' in message) {
        send({ serverContent: { modelTurn: { role: 'model', parts: [{ text: `echo: ${turnText(message)}` }] }, turnComplete: true } });
      }
    });
    this.connections.push(connection);
    this.#waiters = this.#waiters.filter((waiter) => waiter.index >= this.connections.length || (waiter.resolve(this.connections[waiter.index] ?? connection), false));
  }
}

/**
 * A fake Gemini upstream on 127.0.0.1, port 0. Scriptable per request (a queue) and per key;
 * records everything it received (key header, path, query, body) and when each request's
 * connection closed.
 */

import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gemini } from './behaviours.js';

export interface Recorded {
  readonly method: string;
  /** Path and query exactly as received. */
  readonly url: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** The `x-goog-api-key` header. */
  readonly key: string | undefined;
  /** The address the connection came from: an egress proxy's, when the daemon used one. */
  readonly peer: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body's bytes as received (uploads are binary). */
  readonly rawBody: Buffer;
  /** Resolves when the response is over, finished or cut. */
  readonly closed: Promise<void>;
  /** True once the connection closed before the response finished (the proxy went away). */
  closedEarly: boolean;
}

export type Behaviour = (request: Recorded, res: ServerResponse) => void | Promise<void>;

export class FakeGemini {
  readonly requests: Recorded[] = [];
  readonly #server: Server;
  readonly #queue: Behaviour[] = [];
  readonly #byKey = new Map<string, Behaviour>();
  #default: Behaviour = gemini();
  #waiters: { count: number; resolve: () => void }[] = [];

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => void this.#serve(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks), res, req.socket.remoteAddress ?? ''));
    });
  }

  static async start(): Promise<FakeGemini> {
    const fake = new FakeGemini();
    fake.#server.listen(0, '127.0.0.1');
    await once(fake.#server, 'listening');
    return fake;
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The next requests get these behaviours, in order, ahead of per-key and default ones. */
  next(...behaviours: Behaviour[]): this {
    this.#queue.push(...behaviours);
    return this;
  }

  /** Every request with this key gets `behaviour` (after the queue is empty). */
  forKey(key: string, behaviour: Behaviour): this {
    this.#byKey.set(key, behaviour);
    return this;
  }

  setDefault(behaviour: Behaviour): this {
    this.#default = behaviour;
    return this;
  }

  /** The JSON body of the `index`th request ({} when there is none). */
  sentJson(index = 0): Record<string, unknown> {
    return JSON.parse(this.requests[index]?.body || '{}') as Record<string, unknown>;
  }

  /** Requests with this key so far. */
  withKey(key: string): Recorded[] {
    return this.requests.filter((request) => request.key === key);
  }

  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #serve(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, res: ServerResponse, peer: string): Promise<void> {
    const mark = url.indexOf('?');
    const key = headers['x-goog-api-key'];
    let markClosed: () => void = () => undefined;
    const record: Recorded = {
      method,
      url,
      pathname: mark === -1 ? url : url.slice(0, mark),
      query: new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1)),
      key: typeof key === 'string' ? key : undefined,
      peer,
      headers,
      body: body.toString('utf8'),
      rawBody: body,
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
      closedEarly: false,
    };
    res.on('close', () => {
      if (!res.writableFinished) record.closedEarly = true;
      markClosed();
    });
    this.requests.push(record);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.requests.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
    const byKey = record.key === undefined ? undefined : this.#byKey.get(record.key);
    const behaviour = this.#queue.shift() ?? byKey ?? this.#default;
    await behaviour(record, res);
  }
}

/**
 * @module The request handler: context, shutdown gate, routing, client auth, per-client rate
 * limit, body budget, one log line per request. Tracks in-flight requests so shutdown can let
 * them finish.
 */

import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError } from '../errors.js';
import { infoLine } from '../log/fixed-line.js';
import type { Logger } from '../log/logger.js';
import type { ClientAuth } from './auth.js';
import type { BodyBudget } from './body-budget.js';
import { createContext, type RequestContext } from './context.js';
import { InflightList } from './inflight.js';
import { sendError } from './respond.js';
import type { Metrics } from './metrics.js';
import type { ClientRateLimiter } from './rate-limit.js';
import { findRoute, type Route } from './router.js';
import type { TrafficHistory } from './traffic.js';
import type { UsageLedger } from '../upstream/usage-ledger.js';

export interface AppOptions {
  readonly routes: readonly Route[];
  readonly auth: ClientAuth;
  readonly log: Logger;
  readonly now: () => number;
  readonly metrics: Metrics;
  /** Holds the bodies of all requests together within one budget. */
  readonly bodyBudget: BodyBudget;
  /** Absent when there is no rate limit. */
  readonly rateLimiter?: ClientRateLimiter | undefined;
  /** The dashboard's last hour of traffic; absent: not kept. */
  readonly traffic?: TrafficHistory | undefined;
  /** Counts each request's attempts and tokens per key and model (usage-ledger.ts); absent: not counted. */
  readonly usage?: Pick<UsageLedger, 'record'> | undefined;
}

export class App {
  readonly #options: AppOptions;
  readonly #inflight = new InflightList<RequestContext>();
  readonly #requestLine: (fields: object) => void;
  #closing = false;
  #idle: (() => void) | undefined;

  constructor(options: AppOptions) {
    this.#options = options;
    this.#requestLine = infoLine(options.log, 'request');
  }

  /** The `request` listener for node:http. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    const { ctx, onClose } = createContext(req, res, this.#options.log, this.#options.now());
    // The socket is detached from `req` by the time the response closes: keep it.
    const socket = req.socket;
    const bytesBefore = socket.bytesWritten;
    const bodyHold = this.#options.bodyBudget.open();
    ctx.bodyHold = bodyHold;
    this.#inflight.add(ctx);
    this.#options.log.debug({ reqId: ctx.id, method: ctx.method, path: ctx.pathname }, 'request started');
    res.once('close', () => {
      onClose();
      // The body is no longer replayed nor read: its bytes go back to the budget.
      bodyHold.release();
      this.#inflight.delete(ctx);
      this.#logRequest(ctx, socket.bytesWritten - bytesBefore);
      if (this.#inflight.size === 0) this.#idle?.();
    });
    this.#handle(ctx).catch((error: unknown) => sendError(ctx, error));
  };

  async #handle(ctx: RequestContext): Promise<void> {
    if (this.#closing) throw new ProxyError('GP_SHUTTING_DOWN');
    const route = findRoute(this.#options.routes, ctx.method, ctx.pathname, ctx.req.headers);
    if (route === undefined) throw new ProxyError('GP_NOT_FOUND', `no route for ${ctx.method} ${ctx.pathname}`);
    ctx.protocol = route.protocol;
    ctx.route = route.name;
    const token = route.auth ? this.#authenticate(ctx) : undefined;
    // Operators' routes use no key and must answer when a client is over its rate.
    const limiter = this.#options.rateLimiter;
    if (limiter !== undefined && route.protocol !== 'ops') this.#limitRate(limiter, ctx, token);
    await route.handle(ctx);
  }

  /** The position of the proxy key the client presented; undefined when none is configured. */
  #authenticate(ctx: RequestContext): number | undefined {
    const { auth } = this.#options;
    if (!auth.required) return undefined;
    const token = auth.identify(ctx.req.headers, ctx.search);
    if (token === undefined) {
      throw new ProxyError('GP_UNAUTHORIZED', 'a valid proxy key is required (Authorization: Bearer, x-goog-api-key, x-api-key, api-key or ?key=)');
    }
    return token;
  }

  /**
   * A client is the proxy key it presented or, with no proxy key configured, its address. Runs
   * before the body is read and before any key is used, so a refused request costs neither.
   */
  #limitRate(limiter: ClientRateLimiter, ctx: RequestContext, token: number | undefined): void {
    const client = token === undefined ? `address ${ctx.req.socket.remoteAddress ?? ''}` : `token ${token}`;
    const waitMs = limiter.take(client, this.#options.now());
    if (waitMs === 0) return;
    const retryAfterSeconds = Math.ceil(waitMs / 1000);
    throw new ProxyError('GP_CLIENT_RATE_LIMITED', `this client is over its request rate; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }

  #logRequest(ctx: RequestContext, bytesOut: number): void {
    const status = ctx.res.headersSent ? ctx.res.statusCode : 499;
    const ms = this.#options.now() - ctx.startedAt;
    // A path no route matched has no protocol (its error only borrowed Gemini's shape).
    this.#options.metrics.record(ctx.route === 'none' ? 'none' : ctx.protocol, ctx.route, status, ms / 1000, ctx.attempts);
    if (ctx.truncated) this.#options.metrics.recordTruncated(ctx.protocol);
    this.#options.usage?.record(ctx.model, ctx.attempts, ctx.usage);
    const aborted = !ctx.res.writableFinished;
    this.#options.traffic?.record(ctx, status, ms, aborted);
    // One fixed shape, absent fields undefined (left out): no object spread per request.
    this.#requestLine({
      reqId: ctx.id,
      method: ctx.method,
      path: ctx.pathname,
      protocol: ctx.protocol,
      model: ctx.model === '' ? undefined : ctx.model,
      // An alias or a retired name was resolved: both names, so the operator sees what was asked.
      requestedModel: ctx.requestedModel !== '' && ctx.requestedModel !== ctx.model ? ctx.requestedModel : undefined,
      status,
      aborted: aborted ? true : undefined,
      truncated: ctx.truncated ? true : undefined,
      attempts: ctx.attempts,
      ms,
      bytesIn: ctx.bytesIn,
      bytesOut,
    });
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  get streamsOpen(): number {
    let open = 0;
    for (const ctx of this.#inflight.items()) if (ctx.streaming) open++;
    return open;
  }

  /** From now on every new request is answered 503 with `Connection: close`. */
  startClosing(): void {
    this.#closing = true;
  }

  /** Resolves when no request is in flight, or rejects when `signal` aborts first. */
  async whenIdle(signal: AbortSignal): Promise<void> {
    if (this.#inflight.size === 0) return;
    const idle = new Promise<void>((resolve) => {
      this.#idle = resolve;
    });
    await Promise.race([idle, once(signal, 'abort').then(() => Promise.reject(signal.reason))]);
  }

  /** Aborts whatever is still in flight (the end of a drain). */
  abortAll(): void {
    for (const ctx of this.#inflight.items()) ctx.res.destroy();
  }
}

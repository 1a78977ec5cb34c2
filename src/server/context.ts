/**
 * @module Per-request context: id, parsed URL, child logger, and the signal that fires when the
 * client goes away, so its upstream request is aborted too.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { UsageMetadata } from '../protocols/gemini/types.js';
import type { ClientSignal } from '../upstream/client-signal.js';
import type { AttemptTrail } from '../upstream/dispatch.js';
import type { BodyHold } from './body-budget.js';

/** Decides a route's error shape; `simple` is the session protocol's "contents in, message out" endpoint. */
export type RouteProtocol = 'gemini' | 'openai' | 'anthropic' | 'ollama' | 'session' | 'simple' | 'ops';

function splitUrl(url: string): { pathname: string; search: URLSearchParams } {
  const mark = url.indexOf('?');
  if (mark === -1) return { pathname: url, search: new URLSearchParams() };
  return { pathname: url.slice(0, mark), search: new URLSearchParams(url.slice(mark + 1)) };
}

/**
 * One request, from its arrival to its log line: what it asked, what the routes learned of it,
 * and whether its client is still there. A class, not an object literal: with a literal holding
 * a getter (the lazy logger) made per request, a quarter of all the proxy allocated outlived the
 * young generation on Node 20, half on Node 24 (`--trace-gc-nvp`: 3 MB of 12 MB per scavenge,
 * against 10 KB without the getter).
 * As a class: 4–6 % more pass-through requests/s and 5–20 % less CPU per request (bench/ab.sh,
 * two runs; the collector's helper threads move the CPU figure most).
 */
export class RequestContext {
  readonly id: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** The path without its query (the query may hold a client credential). */
  readonly pathname: string;
  readonly search: URLSearchParams;
  /**
   * Aborted when the client closes the connection before the response is complete. The request
   * path (the dispatcher, the relays) uses this one; `signal`, the same event as an AbortSignal,
   * is made on first use, since it costs more (src/upstream/client-signal.ts).
   */
  readonly client = new ClientGone();
  readonly startedAt: number;
  protocol: RouteProtocol = 'gemini';
  /** The route's name, for metrics ('none' when nothing matched). */
  route = 'none';
  /** Set by a route when its response is a stream. */
  streaming = false;
  /** Set by a route when its stream ended before the answer was complete (cut, failed, no finish). */
  truncated = false;
  /** The Gemini model called; '' for a call without one. */
  model = '';
  /** The model as the client named it (before aliases and the retired-name table); '' for none. */
  requestedModel = '';
  bytesIn = 0;
  /** This request's share of the body budget (set by the app; none in tools that have none). */
  bodyHold: BodyHold | undefined = undefined;
  readonly attempts: AttemptTrail[] = [];
  /** What Google counted for the answer (`usageMetadata`), set by the route that read it. */
  usage: UsageMetadata | undefined = undefined;
  /** Its position among the requests in flight (src/server/inflight.ts); -1: not there. */
  inflightSlot = -1;
  readonly #root: Logger;
  #child: Logger | undefined;
  #controller: AbortController | undefined;

  constructor(id: string, req: IncomingMessage, res: ServerResponse, root: Logger, now: number) {
    this.id = id;
    this.req = req;
    this.res = res;
    this.method = req.method ?? 'GET';
    const { pathname, search } = splitUrl(req.url ?? '/');
    this.pathname = pathname;
    this.search = search;
    this.startedAt = now;
    this.#root = root;
  }

  /** A child logger carrying the request id (made on first use: most requests log one line). */
  get log(): Logger {
    this.#child ??= this.#root.child({ reqId: this.id });
    return this.#child;
  }

  /** Aborted when the client closes the connection before the response is complete. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      if (this.client.aborted) controller.abort(this.client.reason);
      else this.client.addEventListener('abort', () => controller.abort(this.client.reason));
      this.#controller = controller;
    }
    return this.#controller.signal;
  }
}

/** The client went away: a flag, its reason, and the calls to make (see ClientSignal). */
class ClientGone implements ClientSignal {
  #aborted = false;
  #reason: unknown = undefined;
  #listeners: Array<() => void> | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners?.indexOf(listener) ?? -1;
    if (at !== -1) this.#listeners?.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners ?? [];
    this.#listeners = undefined;
    for (const listener of listeners) listener();
  }
}

/**
 * A request's context and the function its owner calls when the response closes (one 'close'
 * listener per request, owned by the app): aborts the signal if the client went away.
 */
export function createContext(
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  now: number,
): { ctx: RequestContext; onClose: () => void } {
  const id = randomUUID();
  const ctx = new RequestContext(id, req, res, log, now);
  // `res` 'close' before 'finish' is the reliable sign of a client that went away; the
  // request's own 'close' fires as soon as its body has been read.
  const onClose = (): void => {
    if (!res.writableFinished) ctx.client.abort(new ProxyError('GP_CLIENT_CLOSED'));
  };
  res.setHeader('x-request-id', id);
  return { ctx, onClose };
}

/** @module The route table: an ordered list, first match wins. */

import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from '../errors.js';
import type { RequestContext, RouteProtocol } from './context.js';

export interface Route {
  readonly name: string;
  /** Decides the shape of this route's errors. */
  readonly protocol: RouteProtocol;
  /** Whether a proxy key is required (when any is configured). */
  readonly auth: boolean;
  /** `headers` are the request's, for the few paths two protocols share (`GET /v1/models`). */
  matches(method: string, pathname: string, headers: IncomingHttpHeaders): boolean;
  handle(ctx: RequestContext): Promise<void> | void;
}

export function findRoute(routes: readonly Route[], method: string, pathname: string, headers: IncomingHttpHeaders): Route | undefined {
  return routes.find((route) => route.matches(method, pathname, headers));
}

export interface RouteSpec {
  readonly name: string;
  readonly protocol: RouteProtocol;
  /** The methods the route serves; others get the protocol's 405, since the path is its. */
  readonly methods: readonly string[];
  readonly matches: Route['matches'];
  /** Whether a proxy key is required (when any is configured); true unless said. */
  readonly auth?: boolean;
}

/** A route that answers 405 in its protocol's shape for a method it does not serve. */
export function route(spec: RouteSpec, handle: Route['handle']): Route {
  const { name, protocol, methods, matches, auth = true } = spec;
  return {
    name, protocol, auth, matches,
    handle: (ctx) => {
      if (!methods.includes(ctx.method)) throw new ProxyError('GP_METHOD_NOT_ALLOWED');
      return handle(ctx);
    },
  };
}

/** Matches one exact path, whatever the method. */
export function path(pathname: string): Route['matches'] {
  return (_method, candidate) => candidate === pathname;
}

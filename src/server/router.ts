/** @module The route table: an ordered list, first match wins. */

import type { RequestContext, RouteProtocol } from './context.js';

export interface Route {
  readonly name: string;
  /** Decides the shape of this route's errors. */
  readonly protocol: RouteProtocol;
  /** Whether a proxy key is required (when any is configured). */
  readonly auth: boolean;
  matches(method: string, pathname: string): boolean;
  handle(ctx: RequestContext): Promise<void> | void;
}

export function findRoute(routes: readonly Route[], method: string, pathname: string): Route | undefined {
  return routes.find((route) => route.matches(method, pathname));
}

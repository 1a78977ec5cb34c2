/**
 * @module One Live upgrade as the gateway tracks it, and its log line: the key's id and the
 * relay's, close codes, frames and bytes each way, never a key and never a frame's content.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AttemptTrail } from '../../upstream/dispatch.js';
import type { SessionEnd } from './relay.js';

/** One upgrade, from its request to its session's end. */
export interface Upgrade {
  readonly id: string;
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  /** The path without its query, which may hold a credential. */
  readonly pathname: string;
  readonly search: URLSearchParams;
  readonly startedAt: number;
  readonly trail: AttemptTrail[];
}

/** How an upgrade ended, for its log line. */
export interface Result {
  readonly status: number;
  readonly code?: string;
  readonly keyId?: string;
  readonly relayId?: string;
  readonly end?: SessionEnd;
}

/** An upgrade just handed over by node:http, its URL split so the query never reaches a log. */
export function upgradeOf(req: IncomingMessage, socket: Duplex, head: Buffer, now: number): Upgrade {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  return {
    id: randomUUID(), req, socket, head, startedAt: now, trail: [],
    pathname: mark === -1 ? url : url.slice(0, mark),
    search: new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1)),
  };
}

function endFields(end: SessionEnd | undefined): Record<string, unknown> {
  if (end === undefined) return {};
  return {
    closedBy: end.closedBy, clientCode: end.clientCode, upstreamCode: end.upstreamCode,
    ...(end.upstreamReason !== '' && { upstreamReason: end.upstreamReason }),
    framesToUpstream: end.toUpstream.frames, bytesToUpstream: end.toUpstream.bytes,
    framesToClient: end.toClient.frames, bytesToClient: end.toClient.bytes,
  };
}

/** The fields of an upgrade's one log line. */
export function sessionLine(upgrade: Upgrade, result: Result, ms: number): Record<string, unknown> {
  return {
    event: 'live-session',
    sessionId: upgrade.id,
    path: upgrade.pathname,
    status: result.status,
    ...(result.code !== undefined && { code: result.code }),
    ...(result.keyId !== undefined && { keyId: result.keyId, relayId: result.relayId }),
    attempts: upgrade.trail,
    ...endFields(result.end),
    ms,
  };
}

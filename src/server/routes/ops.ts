/** @module Operator endpoints: `/healthz` (open), `/status` (keys, projects, relays and egress proxies, no secrets), `/metrics`. */

import type { ApiKey } from '../../config/lists.js';
import { ProxyError } from '../../errors.js';
import type { LinkHealth } from '../../state/link.js';
import type { Health } from '../../upstream/health.js';
import { disabledByHand, keyState, type KeyRecord, type Rotator } from '../../upstream/rotator.js';
import { usageOf } from '../../upstream/usage-ledger.js';
import { renderMetrics, type Metrics } from '../metrics.js';
import { renderUsageMetrics } from '../usage-metrics.js';
import { sendBody, sendJson } from '../respond.js';
import type { Route } from '../router.js';

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * The projects keys share (labelled or learned): a project of several keys has one quota, not
 * one per key. `learned`: the Google projects named for its keys (by id only; never a key).
 */
export function describeProjects(rotator: Rotator): Record<string, unknown>[] {
  return rotator.projects().map(({ id, keyIds, learned }) => ({
    id, keys: keyIds, ...(learned.length > 0 && { learned }), ...(keyIds.length > 1 && { sharedQuota: true }),
  }));
}

/** A relay's or egress proxy's health, as /status shows it. */
export function describeHealth(health: Health, nowMs: number): Record<string, unknown> {
  const unhealthy = health.unhealthyUntilMs > nowMs;
  return {
    state: unhealthy ? 'unhealthy' : 'healthy',
    ...(unhealthy && { unhealthyUntil: iso(health.unhealthyUntilMs), reason: health.reason }),
    consecutiveFailures: health.consecutiveFailures,
    attempts: health.attempts,
    failures: health.failures,
  };
}

/** The egress proxies by id and kind (never their credentials), each with how many keys it is home to. */
export function describeEgress(rotator: Rotator, nowMs: number): Record<string, unknown>[] {
  const homes = new Map<string, number>();
  for (const record of rotator.keys) {
    const home = rotator.egress.home(record.key);
    if (typeof home !== 'string') homes.set(home.proxy.id, (homes.get(home.proxy.id) ?? 0) + 1);
  }
  return [...rotator.egress.records].map((record) => ({
    id: record.proxy.id, kind: record.proxy.kind, keys: homes.get(record.proxy.id) ?? 0, ...describeHealth(record, nowMs),
  }));
}

/** The egress proxy a key leaves through while all are healthy, when there are any. */
function keyEgress(rotator: Rotator, key: ApiKey): { egress?: string } {
  if (rotator.egress.size === 0) return {};
  const home = rotator.egress.home(key);
  return { egress: typeof home === 'string' ? home : home.proxy.id };
}

/**
 * One key's state, by id (never the key). A key disabled by hand says so (`manual`, reason
 * `MANUAL`): only a hand enables it again, where one an answer disabled comes back when probed.
 */
export function describeKey(rotator: Rotator, record: KeyRecord, nowMs: number): Record<string, unknown> {
  const cooling: Record<string, string> = {};
  for (const [model, until] of record.cooling) {
    if (until > nowMs) cooling[model || '*'] = iso(until);
  }
  const state = keyState(record, nowMs);
  const usage = usageOf(rotator);
  return {
    id: record.key.id,
    ...(record.project !== undefined && { project: record.project }),
    ...keyEgress(rotator, record.key),
    state,
    ...(record.disabled && { reason: record.disabled.reason, disabledAt: iso(record.disabled.sinceMs) }),
    ...(disabledByHand(record) && { manual: true }),
    ...(state === 'cooling' && { coolingUntil: cooling }),
    attempts: record.attempts,
    failures: record.failures,
    // This clock hour's and this Pacific day's requests, failures by verdict and tokens (every process's).
    ...(usage !== undefined && { usage: usage.book.totals(record.key.id, nowMs) }),
  };
}

/** The state of every key, project, relay and egress proxy; keys appear only by id. */
export function describeState(rotator: Rotator, nowMs: number): Record<string, unknown> {
  const keys = rotator.keys.map((record) => describeKey(rotator, record, nowMs));
  const relays = rotator.relays.map((record) => ({ id: record.relay.id, ...describeHealth(record, nowMs) }));
  return { keys, projects: describeProjects(rotator), relays, egress: describeEgress(rotator, nowMs) };
}

/**
 * The state link, as /status shows it: memory, or the cluster or Redis link and whether it is up;
 * under `--workers`, the pid of the worker that writes the state file and probes.
 */
export function describeLink(link: LinkHealth): Record<string, unknown> {
  return { kind: link.kind, connected: link.connected, since: iso(link.sinceMs), ...(link.leadPid !== undefined && { leadPid: link.leadPid }) };
}

function getOnly(method: string): void {
  if (method !== 'GET' && method !== 'HEAD') throw new ProxyError('GP_METHOD_NOT_ALLOWED');
}

export interface OpsDeps {
  readonly rotator: Rotator;
  /** The state link's health: memory, or the cluster or Redis link and whether it is up. */
  readonly stateHealth: () => LinkHealth;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** In-flight requests and open streams, read at scrape time. */
  readonly load: () => { inflight: number; streamsOpen: number };
}

export function opsRoutes({ rotator, metrics, now, load, stateHealth }: OpsDeps): Route[] {
  return [
    {
      name: 'healthz',
      protocol: 'ops',
      auth: false,
      matches: (_method, pathname) => pathname === '/healthz',
      handle: (ctx) => {
        getOnly(ctx.method);
        sendJson(ctx.res, 200, { status: 'ok' });
      },
    },
    {
      name: 'status',
      protocol: 'ops',
      auth: true,
      matches: (_method, pathname) => pathname === '/status',
      handle: (ctx) => {
        getOnly(ctx.method);
        sendJson(ctx.res, 200, { ...describeState(rotator, now()), sharedState: describeLink(stateHealth()) });
      },
    },
    {
      name: 'metrics',
      protocol: 'ops',
      auth: true,
      matches: (_method, pathname) => pathname === '/metrics',
      handle: async (ctx) => {
        getOnly(ctx.method);
        // Under --workers, every live worker's counts summed; the gauges of the shared state from this one.
        const text = renderMetrics(await metrics.collect(load), { rotator, nowMs: now() }) + await renderUsageMetrics(usageOf(rotator));
        sendBody(ctx.res, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, text);
      },
    },
  ];
}

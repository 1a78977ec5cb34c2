/**
 * @module Scenario 5: a 429 storm. A second gemini-proxy with ten keys, five of which the fake
 * upstream always answers with Google's per-minute 429 and a RetryInfo `retryDelay`, takes
 * `generateContent` at 50 connections. Reports the share of client requests that succeed and
 * the upstream calls per client request: over the whole run, and once the first second has let
 * the limited keys start cooling. The floor has one key and no rotation, so it has no figure here.
 */

import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { request } from 'undici';
import { autocannonOptions, summarise, type LoadResult } from './load.js';
import { cpuMeter } from './measure.js';
import { start, stop, type Running } from './processes.js';
import { GENERATE } from './requests.js';
import type { Row } from './report.js';
import type { ScenarioContext, ScenarioResult } from './scenario.js';
import { daemon, fileBytes, STORM_KEYS, workspace, type Workspace } from './targets.js';

const SCENARIO = '5 429 storm (5 of 10 keys)';
/** The part of the run before the limited keys' first 429s have come back, left out of "steady". */
const FIRST_PHASE_MS = 1000;

interface UpstreamStats {
  readonly calls: number;
  readonly limited: number;
}

async function upstreamStats(base: string): Promise<UpstreamStats> {
  const response = await request(`${base}/__stats`);
  return (await response.body.json()) as UpstreamStats;
}

interface StormRun {
  readonly load: LoadResult;
  /** Answers per HTTP status. */
  readonly statusCodes: Record<string, number>;
  readonly upstream: UpstreamStats;
  /** From the end of the first second to the end. */
  readonly steady: { readonly requests: number; readonly ok: number; readonly upstream: UpstreamStats };
}

async function storm(proxy: Running, upstreamBase: string, seconds: number): Promise<StormRun> {
  const before = await upstreamStats(upstreamBase);
  let answered = 0;
  let ok = 0;
  let mark: Promise<{ answered: number; ok: number; stats: UpstreamStats }> | undefined;
  const meter = cpuMeter(proxy.pid);
  // The mark pairs the client's count with the fake's a moment later: up to 50 requests in flight
  // separate the two, so "after 1st s" is exact to ±50 calls (±0.2 % over an 8 s run).
  const timer = setTimeout(() => {
    const counts = { answered, ok };
    mark = upstreamStats(upstreamBase).then((stats) => ({ ...counts, stats }));
  }, FIRST_PHASE_MS);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(autocannonOptions({ base: proxy.base, shape: GENERATE, connections: 50, seconds }), (error, done) => {
      if (error !== null && error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(done);
    });
    instance.on('response', (_client, statusCode) => {
      answered++;
      if (statusCode >= 200 && statusCode < 300) ok++;
    });
  });
  clearTimeout(timer);
  const after = await upstreamStats(upstreamBase);
  const first = (await mark) ?? { answered: 0, ok: 0, stats: before };
  return {
    load: summarise(result, meter(result.requests.total)),
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0])),
    upstream: { calls: after.calls - before.calls, limited: after.limited - before.limited },
    steady: {
      requests: answered - first.answered, ok: ok - first.ok,
      upstream: { calls: after.calls - first.stats.calls, limited: after.limited - first.stats.limited },
    },
  };
}

/** What the failed requests got, for the table's notes; undefined when none failed. */
function failures(run: StormRun): string | undefined {
  if (run.load.failed === 0) return undefined;
  const statuses = Object.entries(run.statusCodes).filter(([status]) => !status.startsWith('2'));
  const errors = run.load.failed - statuses.reduce((sum, [, count]) => sum + count, 0);
  const parts = [...statuses.map(([status, count]) => `${count} × ${status}`), ...(errors > 0 ? [`${errors} connection errors`] : [])];
  return `${parts.join(', ')} out of ${run.load.completed}`;
}

function rows(run: StormRun): Row[] {
  const { load, upstream, steady } = run;
  const success = load.completed === 0 ? Number.NaN : (100 * load.ok) / load.completed;
  const steadyCalls = steady.requests === 0 ? Number.NaN : steady.upstream.calls / steady.requests;
  return [
    { scenario: SCENARIO, metric: 'client success %', daemon: success, digits: 3, goal: { text: '100 %', met: load.ok === load.completed && load.completed > 0 } },
    { scenario: SCENARIO, metric: 'client requests failed', daemon: load.failed, noRatios: true, note: failures(run) },
    { scenario: SCENARIO, metric: 'requests/s', daemon: load.rps },
    { scenario: SCENARIO, metric: 'upstream calls / request, whole run', daemon: load.completed === 0 ? Number.NaN : upstream.calls / load.completed },
    {
      scenario: SCENARIO, metric: 'upstream calls / request, after 1st s', daemon: steadyCalls,
      goal: { text: '≤ 1.05', met: steadyCalls <= 1.05 },
    },
    { scenario: SCENARIO, metric: 'upstream 429s, whole run', daemon: upstream.limited, noRatios: true },
  ];
}

export async function storm429(context: ScenarioContext): Promise<ScenarioResult> {
  const { targets, options, say } = context;
  say(`${SCENARIO}: a second gemini-proxy, ${options.duration} s at 50 connections`);
  const space: Workspace = workspace('storm', STORM_KEYS, targets.direct.base);
  try {
    const proxy = await start(daemon('gemini-proxy (storm)', space));
    let run: StormRun;
    try {
      run = await storm(proxy, targets.direct.base, options.duration);
    } finally {
      await stop(proxy.child);
    }
    const limitedKeys = STORM_KEYS.filter((key) => key.startsWith('rl-')).length;
    return { rows: rows(run), details: { keys: STORM_KEYS.length, limitedKeys, logBytes: fileBytes(space.log), ...run } };
  } finally {
    rmSync(space.dir, { recursive: true, force: true });
  }
}

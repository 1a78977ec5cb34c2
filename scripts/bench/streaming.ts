/**
 * @module Scenario 4: SSE streaming. One stream at a time (paired rounds: time to first event),
 * then N concurrent streams of 64 events 20 ms apart through each target in turn: time to first
 * event, events lost, streams failed, and the proxy's resident memory before, at peak and after
 * (sampled every 100 ms; "after" is read once the streams' connections have closed and settled).
 */

import { rmSync } from 'node:fs';
import { Client, Pool } from 'undici';
import { delay, percentile, rssMb, shuffledIndexes, sortedCopy } from './measure.js';
import { start, stop, type Running } from './processes.js';
import type { Row } from './report.js';
import { streamPath } from './requests.js';
import { atMost, type ScenarioContext, type ScenarioResult } from './scenario.js';
import { readStream } from './streams.js';
import { daemon, floor as floorLaunch, OK_KEYS, workspace } from './targets.js';

/** Events per stream one at a time: only the first is timed, the second ends the stream. */
const SHORT_STREAM = streamPath(2, 1);
const RSS_SAMPLE_MS = 100;

/** Sorted times to first event in µs per target, from paired rounds of one stream each. */
async function oneAtATime(targets: readonly Running[], rounds: number): Promise<number[][]> {
  const clients = targets.map((target) => new Client(target.base, { keepAliveTimeout: 60_000 }));
  const samples: number[][] = targets.map(() => []);
  const warmup = Math.ceil(rounds / 10);
  try {
    for (let round = 0; round < warmup + rounds; round++) {
      for (const index of shuffledIndexes(targets.length)) {
        const read = await readStream(clients[index]!, SHORT_STREAM);
        if (read.failed || read.status !== 200 || read.events !== 2) throw new Error(`${targets[index]!.name}: stream answered ${read.status} with ${read.events} events`);
        if (round >= warmup) samples[index]!.push(read.firstEventMs * 1000);
      }
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  return samples.map(sortedCopy);
}

export interface Concurrent {
  readonly firstEventMs: number[];
  readonly lost: number;
  readonly duplicated: number;
  readonly failed: number;
  readonly seconds: number;
  readonly rss?: { readonly before: number; readonly peak: number; readonly after: number };
}

/** `count` streams at once through `target`; `pid` is the proxy whose memory is sampled. */
async function concurrent(target: Running, count: number, events: number, intervalMs: number, settleMs: number, pid?: number): Promise<Concurrent> {
  const pool = new Pool(target.base, { connections: null, headersTimeout: 0, bodyTimeout: 0 });
  const rss = (): number => (pid === undefined ? 0 : rssMb(pid));
  const before = rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), RSS_SAMPLE_MS);
  const started = process.hrtime.bigint();
  const path = streamPath(events, intervalMs);
  const reads = await Promise.all(Array.from({ length: count }, () => readStream(pool, path)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, rss());
  await pool.close();
  await delay(settleMs);
  const after = rss();
  return {
    firstEventMs: sortedCopy(reads.map((read) => read.firstEventMs).filter((ms) => !Number.isNaN(ms))),
    lost: reads.reduce((sum, read) => sum + Math.max(0, events - read.events), 0),
    duplicated: reads.reduce((sum, read) => sum + Math.max(0, read.events - events), 0),
    failed: reads.filter((read) => read.failed || read.status !== 200).length,
    seconds,
    ...(pid !== undefined && { rss: { before, peak, after } }),
  };
}

function oneAtATimeRows(direct: number[], floor: number[], daemon: number[]): Row[] {
  const scenario = '4 one stream at a time';
  const at = percentile;
  const added = (sorted: number[], p: number): number => at(sorted, p) - at(direct, p);
  return [
    { scenario, metric: 'first event p50 µs', direct: at(direct, 0.5), floor: at(floor, 0.5), daemon: at(daemon, 0.5) },
    { scenario, metric: 'first event p99 µs', direct: at(direct, 0.99), floor: at(floor, 0.99), daemon: at(daemon, 0.99) },
    { scenario, metric: 'added first event p50 µs', floor: added(floor, 0.5), daemon: added(daemon, 0.5) },
    {
      scenario, metric: 'added first event p99 µs', floor: added(floor, 0.99), daemon: added(daemon, 0.99),
      goal: { text: '≤ 1,000 µs', met: added(daemon, 0.99) <= 1000 },
    },
  ];
}

function concurrentRows(count: number, direct: Concurrent, floor: Concurrent, daemon: Concurrent): Row[] {
  const scenario = `4 ${count} streams at once`;
  const at = (result: Concurrent, p: number): number => percentile(result.firstEventMs, p);
  const added = (result: Concurrent, p: number): number => at(result, p) - at(direct, p);
  const perThousand = (result: Concurrent): number | undefined =>
    result.rss === undefined ? undefined : (result.rss.peak - result.rss.before) / (count / 1000);
  return [
    { scenario, metric: 'first event p50 ms', direct: at(direct, 0.5), floor: at(floor, 0.5), daemon: at(daemon, 0.5) },
    { scenario, metric: 'first event p99 ms', direct: at(direct, 0.99), floor: at(floor, 0.99), daemon: at(daemon, 0.99) },
    { scenario, metric: 'added first event p50 ms', floor: added(floor, 0.5), daemon: added(daemon, 0.5) },
    {
      scenario, metric: 'added first event p99 ms', floor: added(floor, 0.99), daemon: added(daemon, 0.99),
      goal: { text: '≤ 1.10× floor', met: atMost(added(daemon, 0.99), added(floor, 0.99), 1.1) },
    },
    {
      scenario, metric: 'chunks lost', direct: direct.lost, floor: floor.lost, daemon: daemon.lost, noRatios: true,
      goal: { text: '0', met: daemon.lost === 0 },
    },
    { scenario, metric: 'streams failed', direct: direct.failed, floor: floor.failed, daemon: daemon.failed, noRatios: true, goal: { text: '0', met: daemon.failed === 0 } },
    { scenario, metric: 'RSS before MB', floor: floor.rss?.before, daemon: daemon.rss?.before },
    { scenario, metric: 'RSS peak MB', floor: floor.rss?.peak, daemon: daemon.rss?.peak },
    {
      scenario, metric: 'RSS after MB', floor: floor.rss?.after, daemon: daemon.rss?.after,
      goal: { text: '≤ before + 20 MB', met: daemon.rss === undefined ? undefined : daemon.rss.after <= daemon.rss.before + 20 },
    },
    {
      scenario, metric: 'RSS per 1,000 streams MB', floor: perThousand(floor), daemon: perThousand(daemon),
      goal: { text: '≤ 1.10× floor', met: atMost(perThousand(daemon), perThousand(floor), 1.1) },
    },
  ];
}

/**
 * The floor and gemini-proxy are started afresh for this scenario, so "RSS before" is near idle
 * rather than whatever heap the earlier load left (which would hide the streams' cost); the
 * rounds of one stream at a time warm them up before the concurrent streams.
 */
export async function streaming({ targets, options, say }: ScenarioContext): Promise<ScenarioResult> {
  const { direct } = targets;
  say(`4 streaming: fresh floor and gemini-proxy; ${options.ttfbRounds} paired rounds of one stream, then ${options.streams} streams of ${options.streamEvents} × ${options.streamIntervalMs} ms per target`);
  const space = workspace('streams', OK_KEYS, direct.base, options.affinity);
  const started: Running[] = [];
  try {
    const floorProxy = await start(floorLaunch(direct.base));
    started.push(floorProxy);
    const gp = await start(daemon('gemini-proxy', space));
    started.push(gp);
    const idle = { floor: rssMb(floorProxy.pid), daemon: rssMb(gp.pid) };
    const [one = [], two = [], three = []] = await oneAtATime([direct, floorProxy, gp], options.ttfbRounds);
    const settleMs = options.quick ? 1000 : 2000;
    const many = (target: Running, pid?: number): Promise<Concurrent> =>
      concurrent(target, options.streams, options.streamEvents, options.streamIntervalMs, settleMs, pid);
    const manyDirect = await many(direct);
    const manyFloor = await many(floorProxy, floorProxy.pid);
    const manyDaemon = await many(gp, gp.pid);
    const summary = (result: Concurrent): unknown => ({
      ...result, firstEventMs: { p50: percentile(result.firstEventMs, 0.5), p99: percentile(result.firstEventMs, 0.99), max: percentile(result.firstEventMs, 1) },
    });
    return {
      rows: [...oneAtATimeRows(one, two, three), ...concurrentRows(options.streams, manyDirect, manyFloor, manyDaemon)],
      details: {
        idleRssMb: idle,
        oneAtATime: { rounds: options.ttfbRounds, directP99Us: percentile(one, 0.99), floorP99Us: percentile(two, 0.99), daemonP99Us: percentile(three, 0.99) },
        concurrent: {
          streams: options.streams, events: options.streamEvents, intervalMs: options.streamIntervalMs, settleMs,
          direct: summary(manyDirect), floor: summary(manyFloor), daemon: summary(manyDaemon),
        },
      },
    };
  } finally {
    for (const target of started) await stop(target.child);
    rmSync(space.dir, { recursive: true, force: true });
  }
}

/**
 * @module Scenario 2: added latency at one request at a time. Each round sends one
 * `generateContent` to direct, the floor and gemini-proxy in a random order, each on its own
 * keep-alive connection, timed until the body is read; after a warm-up, the percentiles of each
 * target are compared with direct's (shared/reference/performance.md §5.3, S3).
 */

import { Client } from 'undici';
import { microsSince, percentile, shuffledIndexes, sortedCopy } from './measure.js';
import { GENERATE, type RequestShape } from './requests.js';
import type { Row } from './report.js';
import { atMost, type ScenarioContext, type ScenarioResult } from './scenario.js';

const SCENARIO = '2 latency c=1 (paired)';

async function timed(client: Client, shape: RequestShape): Promise<number> {
  const started = process.hrtime.bigint();
  const response = await client.request({ path: shape.path, method: 'POST', body: shape.body, headers: shape.headers });
  await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
  const micros = microsSince(started);
  if (response.statusCode !== 200) throw new Error(`paired round: status ${response.statusCode}`);
  return micros;
}

/** Sorted latencies in µs per base, from `rounds` paired rounds after `warmup` discarded ones. */
export async function pairedRounds(bases: readonly string[], shape: RequestShape, rounds: number, warmup: number): Promise<number[][]> {
  const clients = bases.map((base) => new Client(base, { keepAliveTimeout: 60_000 }));
  const samples: number[][] = bases.map(() => []);
  try {
    for (let round = 0; round < warmup + rounds; round++) {
      for (const index of shuffledIndexes(bases.length)) {
        const micros = await timed(clients[index]!, shape);
        if (round >= warmup) samples[index]!.push(micros);
      }
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  return samples.map(sortedCopy);
}

export async function latency({ targets, options, say }: ScenarioContext): Promise<ScenarioResult> {
  say(`${SCENARIO}: ${options.warmupRounds} warm-up + ${options.rounds} rounds`);
  const [direct = [], floor = [], daemon = []] = await pairedRounds(
    [targets.direct.base, targets.floor.base, targets.daemon.base], GENERATE, options.rounds, options.warmupRounds);
  const at = (sorted: number[], p: number): number => percentile(sorted, p);
  const added = (sorted: number[], p: number): number => at(sorted, p) - at(direct, p);
  const rows: Row[] = [
    { scenario: SCENARIO, metric: 'p50 µs', direct: at(direct, 0.5), floor: at(floor, 0.5), daemon: at(daemon, 0.5) },
    { scenario: SCENARIO, metric: 'p99 µs', direct: at(direct, 0.99), floor: at(floor, 0.99), daemon: at(daemon, 0.99) },
    {
      scenario: SCENARIO, metric: 'added p50 µs', floor: added(floor, 0.5), daemon: added(daemon, 0.5),
      goal: { text: '≤ 150 µs', met: added(daemon, 0.5) <= 150 },
    },
    {
      scenario: SCENARIO, metric: 'added p99 µs', floor: added(floor, 0.99), daemon: added(daemon, 0.99),
      goal: { text: '≤ 1.50× floor', met: atMost(added(daemon, 0.99), added(floor, 0.99), 1.5) },
    },
    {
      scenario: SCENARIO, metric: 'hop multiple (added p99 / direct p99)', noRatios: true,
      floor: added(floor, 0.99) / at(direct, 0.99), daemon: added(daemon, 0.99) / at(direct, 0.99),
    },
  ];
  const summary = (sorted: number[]): Record<string, number> =>
    ({ samples: sorted.length, p50: at(sorted, 0.5), p90: at(sorted, 0.9), p99: at(sorted, 0.99), p999: at(sorted, 0.999), max: at(sorted, 1) });
  return { rows, details: { direct: summary(direct), floor: summary(floor), daemon: summary(daemon) } };
}

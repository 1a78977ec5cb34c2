/**
 * @module Scenario 1: Gemini pass-through (`generateContent`) at 50 connections for direct, the
 * floor and gemini-proxy: requests/s, and CPU µs per request of each proxy process.
 */

import { combine, interleaved, load, type LoadResult } from './load.js';
import type { Running } from './processes.js';
import { GENERATE } from './requests.js';
import { atLeast, atMost, type ScenarioContext, type ScenarioResult } from './scenario.js';

const SCENARIO = '1 pass-through c=50';

/** Each target runs in two interleaved slices (`interleaved`), half a run each. */
export async function passThrough({ targets, options, say }: ScenarioContext): Promise<ScenarioResult> {
  say(`${SCENARIO}: ${options.duration} s each for direct, floor, gemini-proxy (two slices each, interleaved)`);
  const order = [targets.direct, targets.floor, targets.daemon];
  const slices = await interleaved(order, (target) => {
    const pid = target === targets.direct ? undefined : target.pid;
    return load({ base: target.base, shape: GENERATE, connections: 50, seconds: options.duration / 2, ...(pid !== undefined && { pid }) });
  });
  const [direct, floor, daemon] = order.map((target) => combine(slices.get(target)!)) as [LoadResult, LoadResult, LoadResult];
  const rows = [
    {
      scenario: SCENARIO, metric: 'requests/s', direct: direct.rps, floor: floor.rps, daemon: daemon.rps,
      goal: { text: '≥ 0.90× floor', met: atLeast(daemon.rps, floor.rps, 0.9) },
    },
    {
      scenario: SCENARIO, metric: 'CPU µs/request (proxy)', floor: floor.cpuMicros, daemon: daemon.cpuMicros,
      goal: { text: '≤ 1.30× floor', met: atMost(daemon.cpuMicros, floor.cpuMicros, 1.3) },
    },
    { scenario: SCENARIO, metric: 'p99 latency ms', direct: direct.latencyP99Ms, floor: floor.latencyP99Ms, daemon: daemon.latencyP99Ms },
  ];
  const sliceRps = (target: Running): number[] => slices.get(target)!.map((slice) => Math.round(slice.rps));
  const details = { direct, floor, daemon, sliceRps: { direct: sliceRps(targets.direct), floor: sliceRps(targets.floor), daemon: sliceRps(targets.daemon) } };
  return { rows, details };
}

/**
 * @module Scenario 6: cold start, from process spawn to the first 200 of a `generateContent`
 * (polled every millisecond), for gemini-proxy under node (`node dist/gemini-proxy.cjs`), the
 * single executable when it has been built, and the floor. Launches alternate in a random order
 * each run; the median of the runs is reported.
 */

import { rmSync } from 'node:fs';
import { median, shuffledIndexes } from './measure.js';
import { freePort, spawnOn, stop, waitUntilServing, type Launch } from './processes.js';
import type { Row } from './report.js';
import { atMost, type ScenarioContext, type ScenarioResult } from './scenario.js';
import { daemon, floor, OK_KEYS, SINGLE_EXECUTABLE, singleExecutableExists, workspace } from './targets.js';

const SCENARIO = '6 cold start';

/** Ms from spawn to the end of the first 200. */
async function launchOnce(launch: Launch): Promise<number> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawnOn(launch, port);
  try {
    await waitUntilServing(launch.name, child, port);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await stop(child);
  }
}

export async function coldStart({ targets, options, say }: ScenarioContext): Promise<ScenarioResult> {
  const space = workspace('cold', OK_KEYS, targets.direct.base);
  const launches: Launch[] = [floor(targets.direct.base), daemon('gemini-proxy', space)];
  const single = singleExecutableExists();
  if (single) launches.push(daemon('single executable', space, [SINGLE_EXECUTABLE]));
  say(`${SCENARIO}: ${options.coldRuns} launches each of ${launches.map((launch) => launch.name).join(', ')}`);
  const times: number[][] = launches.map(() => []);
  try {
    for (let run = 0; run < options.coldRuns; run++) {
      for (const index of shuffledIndexes(launches.length)) times[index]!.push(await launchOnce(launches[index]!));
    }
  } finally {
    rmSync(space.dir, { recursive: true, force: true });
  }
  const [floorMs, daemonMs, singleMs] = times.map(median);
  const metric = `ms to first 200 (median of ${options.coldRuns})`;
  const rows: Row[] = [
    { scenario: SCENARIO, metric: `${metric}, node`, floor: floorMs, daemon: daemonMs, goal: { text: '≤ 1.10× floor', met: atMost(daemonMs, floorMs, 1.1) } },
    single
      ? { scenario: SCENARIO, metric: `${metric}, single executable`, floor: floorMs, daemon: singleMs, goal: { text: '≤ 1.10× floor', met: atMost(singleMs, floorMs, 1.1) } }
      : { scenario: SCENARIO, metric: 'single executable', note: `skipped: ${SINGLE_EXECUTABLE} is not built (npm run build:binary makes it)` },
  ];
  return { rows, details: Object.fromEntries(launches.map((launch, index) => [launch.name, times[index]])) };
}

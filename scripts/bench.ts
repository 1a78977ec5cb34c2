/**
 * @module `npm run bench`: gemini-proxy beside the direct path and the floor (bench/floor.mjs),
 * on this machine, loopback only, in one run (issue 14; method in
 * shared/reference/performance.md §5). Scenarios: 1 pass-through, 2 added latency at one request
 * at a time, 3 translated paths, 4 SSE streaming, 5 a 429 storm, 6 cold start, 7 `--workers 2`
 * and `--redis` against one process (issue 15). Prints one table and writes bench/results.json. Options: `npm run bench -- --help`.
 */

import { rmSync } from 'node:fs';
import { coldStart } from './bench/cold-start.js';
import { latency } from './bench/latency.js';
import { warmUp } from './bench/load.js';
import { rssMb } from './bench/measure.js';
import { OPTIONS_HELP, parseOptions } from './bench/options.js';
import { passThrough } from './bench/pass-through.js';
import { start, stop, type Running } from './bench/processes.js';
import { formatTable, machine, writeResults, type Row } from './bench/report.js';
import { GENERATE } from './bench/requests.js';
import { scale } from './bench/scale.js';
import type { ScenarioContext, ScenarioResult } from './bench/scenario.js';
import { storm429 } from './bench/storm.js';
import { streaming } from './bench/streaming.js';
import { translated } from './bench/translated.js';
import { daemon, fakeUpstream, fileBytes, floor, OK_KEYS, RESULTS_FILE, workspace, type Workspace } from './bench/targets.js';

/** The limited keys' RetryInfo delay in the 429 storm: short enough that a key cools and comes back within a run. */
const RETRY_DELAY = '5s';

const LEGEND = [
  'direct: the load generator straight to the fake upstream. floor: bench/floor.mjs (node:http + one undici Pool).',
  'gemini-proxy: node dist/gemini-proxy.cjs, 10 keys in api_keys.txt, logging at info to a file.',
  '×direct, ×floor: gemini-proxy\'s figure divided by that column\'s. "added": minus direct\'s figure at the same percentile.',
  'Scenario 3: the direct and floor columns hold their generateContent pass-through, measured half before the paths and',
  'half after; translated streams get 16 events at once from the fake. Scenario 4 starts a fresh floor and gemini-proxy',
  '(RSS before = near idle), counts SSE events as chunks, and times one stream at a time on 2-event streams.',
  'Scenario 5 starts its own gemini-proxy.',
  'Scenario 7 starts three fresh gemini-proxy daemons: one process ("without"), --workers 2, and --redis to a',
  'redis-server it starts (loopback, nothing saved); each runs generateContent in four slices (two with --quick),',
  'interleaved with the others; the one process\'s figure is the base of both ratios.',
];

/** Collects each scenario's rows and details; a scenario that throws leaves a row saying why. */
class Collector {
  readonly rows: Row[] = [];
  readonly details: Record<string, unknown> = {};
  readonly #say: (line: string) => void;

  constructor(say: (line: string) => void) {
    this.#say = say;
  }

  async run(name: string, scenario: () => Promise<ScenarioResult>): Promise<void> {
    try {
      const result = await scenario();
      this.rows.push(...result.rows);
      this.details[name] = result.details;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#say(`${name} failed: ${message}`);
      this.rows.push({ scenario: name, metric: 'failed', note: message });
      this.details[name] = { error: message };
    }
  }
}

async function scenarios(context: ScenarioContext, collect: Collector): Promise<void> {
  const { direct, floor: floorProxy, daemon: gp } = context.targets;
  collect.rows.push({ scenario: '0 idle after start', metric: 'RSS MB', floor: rssMb(floorProxy.pid), daemon: rssMb(gp.pid) });
  // gemini-proxy has more code to compile than the floor: measured, its first seconds run
  // about 15 % slower than the next ones, so it gets the longer warm-up.
  context.say('warm-up: generateContent for 1 s to direct and the floor, 3 s to gemini-proxy');
  for (const [target, seconds] of [[direct, 1], [floorProxy, 1], [gp, 3]] as const) await warmUp(target.base, GENERATE, seconds);
  const has = (n: number): boolean => context.options.scenarios.has(n);
  if (has(1)) await collect.run('1 pass-through', () => passThrough(context));
  if (has(2)) await collect.run('2 latency', () => latency(context));
  if (has(3)) await collect.run('3 translated', () => translated(context));
  if (has(4)) await collect.run('4 streaming', () => streaming(context));
  if (has(5)) await collect.run('5 429 storm', () => storm429(context));
  if (has(6)) await collect.run('6 cold start', () => coldStart(context));
  if (has(7)) await collect.run('7 scale', () => scale(context));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(OPTIONS_HELP);
    return;
  }
  const options = parseOptions(args);
  const began = Date.now();
  const say = (line: string): void => void process.stderr.write(`[${((Date.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
  const host = machine();
  console.log(`node ${host.node}, ${host.cpu}, ${host.cores} cores, load average ${host.loadAverageAtStart.map((n) => n.toFixed(2)).join(' ')}`);
  if ((host.loadAverageAtStart[0] ?? 0) > host.cores / 2) {
    console.log('The machine is busy with other work: read the figures as rough, and the ratios (same run) before the absolute numbers.');
  }

  const collect = new Collector(say);
  const running: Running[] = [];
  let space: Workspace | undefined;
  let logBytes = 0;
  try {
    const direct = await start(fakeUpstream(RETRY_DELAY));
    running.push(direct);
    const floorProxy = await start(floor(direct.base));
    running.push(floorProxy);
    space = workspace('daemon', OK_KEYS, direct.base, options.affinity);
    const gp = await start(daemon('gemini-proxy', space));
    running.push(gp);
    await scenarios({ targets: { direct, floor: floorProxy, daemon: gp }, options, say }, collect);
  } finally {
    for (const target of running.reverse()) await stop(target.child);
    if (space !== undefined) {
      logBytes = fileBytes(space.log);
      rmSync(space.dir, { recursive: true, force: true });
    }
  }

  const seconds = (Date.now() - began) / 1000;
  console.log(`\n${formatTable(collect.rows)}\n\n${LEGEND.join('\n')}`);
  console.log(`gemini-proxy wrote ${(logBytes / 1e6).toFixed(1)} MB of info log. ${seconds.toFixed(0)} s in all; results in ${RESULTS_FILE}`);
  writeResults(RESULTS_FILE, { machine: host, options, seconds, rows: collect.rows, details: { ...collect.details, daemonLogBytes: logBytes } });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

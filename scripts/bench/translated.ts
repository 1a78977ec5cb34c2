/**
 * @module Scenario 3: every translated path (OpenAI chat, Ollama chat, Anthropic messages,
 * OpenAI responses; each plain and streamed) through gemini-proxy at 50 connections, against
 * the floor's `generateContent` pass-through. Gemini's own stream (16 events at once, the stream
 * the translated paths get) is measured through all three targets as the streamed paths' reference.
 */

import { Client } from 'undici';
import { combine, load, warmUp, type LoadResult } from './load.js';
import { GEMINI_STREAM, GENERATE, TRANSLATED, type RequestShape } from './requests.js';
import type { Row } from './report.js';
import { atLeast, type ScenarioContext, type ScenarioResult } from './scenario.js';

const SCENARIO = '3 translated c=50';
const WARM_UP_SECONDS = 0.5;

/** One request first: a path this build does not serve (or answers wrongly) is reported, not timed. */
async function answers(base: string, shape: RequestShape): Promise<number> {
  const client = new Client(base);
  try {
    const response = await client.request({ path: shape.path, method: 'POST', body: shape.body, headers: shape.headers });
    await response.body.text();
    return response.statusCode;
  } finally {
    await client.close();
  }
}

/**
 * The pass-through reference is taken around the paths (a quarter of a run for direct and for the
 * floor before them, and again after), so load that drifts during the scenario on a shared
 * machine weighs on the reference as on the paths.
 */
async function reference(context: ScenarioContext, half: 'before' | 'after', into: Map<string, LoadResult[]>): Promise<void> {
  const { targets, options } = context;
  const order = half === 'before' ? [targets.direct, targets.floor] : [targets.floor, targets.direct];
  for (const target of order) {
    const pid = target === targets.direct ? undefined : target.pid;
    const result = await load({ base: target.base, shape: GENERATE, connections: 50, seconds: options.duration / 4, ...(pid !== undefined && { pid }) });
    into.set(target.name, [...(into.get(target.name) ?? []), result]);
  }
}

export async function translated(context: ScenarioContext): Promise<ScenarioResult> {
  const { targets, options, say } = context;
  say(`${SCENARIO}: pass-through reference, gemini stream, then ${TRANSLATED.length} paths, ${options.duration} s each`);
  const slices = new Map<string, LoadResult[]>();
  await reference(context, 'before', slices);
  // A context row, not a target's: half a run each keeps the whole bench near 3 minutes.
  const streamRun = (base: string, pid?: number): Promise<LoadResult> =>
    load({ base, shape: GEMINI_STREAM, connections: 50, seconds: options.duration / 2, ...(pid !== undefined && { pid }) });
  const stream = {
    direct: await streamRun(targets.direct.base),
    floor: await streamRun(targets.floor.base, targets.floor.pid),
    daemon: await streamRun(targets.daemon.base, targets.daemon.pid),
  };
  const paths: Record<string, LoadResult | string> = {};
  for (const shape of TRANSLATED) paths[shape.name] = await translatedPath(context, shape);
  await reference(context, 'after', slices);
  const direct = combine(slices.get(targets.direct.name) ?? []);
  const floor = combine(slices.get(targets.floor.name) ?? []);
  const rows: Row[] = [
    { scenario: SCENARIO, metric: 'generateContent pass-through req/s', direct: direct.rps, floor: floor.rps },
    { scenario: SCENARIO, metric: 'gemini stream pass-through req/s', direct: stream.direct.rps, floor: stream.floor.rps, daemon: stream.daemon.rps },
  ];
  for (const shape of TRANSLATED) {
    const result = paths[shape.name];
    if (typeof result === 'string' || result === undefined) {
      rows.push({ scenario: SCENARIO, metric: `${shape.name} req/s`, note: `not measured: ${result ?? 'no result'}` });
      continue;
    }
    rows.push({
      scenario: SCENARIO, metric: `${shape.name} req/s`, direct: direct.rps, floor: floor.rps, daemon: result.rps,
      goal: { text: '≥ 0.70× floor pass-through', met: atLeast(result.rps, floor.rps, 0.7) },
    }, {
      scenario: SCENARIO, metric: `${shape.name} CPU µs/req`, floor: floor.cpuMicros, daemon: result.cpuMicros,
    });
  }
  return { rows, details: { reference: { direct, floor }, geminiStream: stream, paths } };
}

/** One translated path through gemini-proxy, or why it was not measured. */
async function translatedPath({ targets, options }: ScenarioContext, shape: RequestShape): Promise<LoadResult | string> {
  const status = await answers(targets.daemon.base, shape);
  if (status !== 200) return `the daemon answered ${status}`;
  // Each path has its own code to warm (JIT, first-use caches) before it is timed.
  await warmUp(targets.daemon.base, shape, options.quick ? WARM_UP_SECONDS / 2 : WARM_UP_SECONDS);
  return load({ base: targets.daemon.base, shape, connections: 50, seconds: options.duration, pid: targets.daemon.pid });
}

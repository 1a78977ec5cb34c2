/**
 * @module Closed-loop load with autocannon (in this process): requests/s at a number of
 * connections, and the CPU µs per request of the process behind the target, read from /proc.
 */

import autocannon from 'autocannon';
import { cpuMeter } from './measure.js';
import type { Running } from './processes.js';
import type { RequestShape } from './requests.js';

export interface LoadResult {
  readonly rps: number;
  readonly completed: number;
  /** 2xx answers. */
  readonly ok: number;
  /** Non-2xx answers plus connection errors and timeouts. */
  readonly failed: number;
  readonly seconds: number;
  /** CPU µs per completed request of the process given, when one was. */
  readonly cpuMicros: number | undefined;
  readonly latencyP99Ms: number;
}

export interface LoadSpec {
  readonly base: string;
  readonly shape: RequestShape;
  readonly connections: number;
  readonly seconds: number;
  /** The process whose CPU is read (the proxy); none for direct. */
  readonly pid?: number;
  /** Report failures instead of throwing (the 429 storm). */
  readonly allowFailures?: boolean;
}

export function autocannonOptions(spec: LoadSpec): autocannon.Options {
  return {
    url: `${spec.base}${spec.shape.path}`, method: 'POST', body: spec.shape.body, headers: { ...spec.shape.headers },
    connections: spec.connections, duration: spec.seconds,
    // autocannon stops only on a sample tick (1 s by default), which would round every run up
    // to whole seconds; a quarter second keeps fractional durations (quick runs, slices) as asked.
    sampleInt: 250,
  };
}

export function summarise(result: autocannon.Result, cpuMicros: number | undefined): LoadResult {
  const completed = result.requests.total;
  return {
    rps: completed / result.duration, completed, ok: result['2xx'], seconds: result.duration,
    failed: completed - result['2xx'] + result.errors, cpuMicros, latencyP99Ms: result.latency.p99,
  };
}

/** Runs of one target taken in slices, as one: totals over total time; the worst slice's p99. */
export function combine(slices: readonly LoadResult[]): LoadResult {
  const sum = (pick: (slice: LoadResult) => number): number => slices.reduce((total, slice) => total + pick(slice), 0);
  const completed = sum((slice) => slice.completed);
  const cpuKnown = slices.every((slice) => slice.cpuMicros !== undefined);
  return {
    rps: completed / sum((slice) => slice.seconds), completed, ok: sum((slice) => slice.ok), failed: sum((slice) => slice.failed),
    seconds: sum((slice) => slice.seconds),
    cpuMicros: cpuKnown && completed > 0 ? sum((slice) => (slice.cpuMicros ?? 0) * slice.completed) / completed : undefined,
    latencyP99Ms: Math.max(...slices.map((slice) => slice.latencyP99Ms)),
  };
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const meter = cpuMeter(spec.pid);
  const result = await autocannon(autocannonOptions(spec));
  const summary = summarise(result, meter(result.requests.total));
  if (!spec.allowFailures && summary.failed > 0) {
    throw new Error(`${spec.base}${spec.shape.path}: ${result.non2xx} non-2xx answers and ${result.errors} errors in ${summary.completed}`);
  }
  return summary;
}

/**
 * Runs `run` on each target in slices, in the order given and then back (A B C C B A), `rounds`
 * times, and gives each target's slices. On a machine shared with other work, a load that drifts
 * during the scenario then weighs on every target alike instead of on whichever ran last.
 */
export async function interleaved(
  targets: readonly Running[], run: (target: Running) => Promise<LoadResult>, rounds = 1,
): Promise<Map<Running, LoadResult[]>> {
  const slices = new Map<Running, LoadResult[]>(targets.map((target) => [target, []]));
  const round = [...targets, ...[...targets].reverse()];
  for (let i = 0; i < rounds; i++) for (const target of round) slices.get(target)!.push(await run(target));
  return slices;
}

/** A short unmeasured run, so the JIT and the connection pools are warm before a measured one. */
export async function warmUp(base: string, shape: RequestShape, seconds: number): Promise<void> {
  await autocannon({ ...autocannonOptions({ base, shape, connections: 50, seconds }) });
}

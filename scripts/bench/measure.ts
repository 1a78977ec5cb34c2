/**
 * @module What the bench reads of a process (CPU time and resident memory from /proc, Linux
 * only) and the statistics it reports (percentiles, medians).
 */

import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User plus system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, hence the split on ") "): utime and
  // stime are the 14th and 15th of the line, the 12th and 13th after the name.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The process's resident set size in MB (VmRSS). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

/** CPU µs per request over a span of work: call before, then call the result with the count. */
export function cpuMeter(pid: number | undefined): (requests: number) => number | undefined {
  if (pid === undefined) return () => undefined;
  const before = cpuSeconds(pid);
  return (requests) => (requests > 0 ? ((cpuSeconds(pid) - before) / requests) * 1e6 : undefined);
}

/** The p-quantile (0–1) of values sorted ascending, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function median(values: readonly number[]): number {
  return percentile(sortedCopy(values), 0.5);
}

/** Microseconds since `started` (a `process.hrtime.bigint()` reading). */
export function microsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1000;
}

/** Fisher–Yates shuffle of 0..count-1: the order of one paired round. */
export function shuffledIndexes(count: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

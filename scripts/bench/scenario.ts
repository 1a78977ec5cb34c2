/**
 * @module What every scenario is given (the three targets, started once per run) and gives back
 * (rows for the table, and raw figures for bench/results.json).
 */

import type { BenchOptions } from './options.js';
import type { Running } from './processes.js';
import type { Row } from './report.js';

export interface Targets {
  /** The fake upstream itself: the load generator straight to it. */
  readonly direct: Running;
  readonly floor: Running;
  /** gemini-proxy, started as a user starts it. */
  readonly daemon: Running;
}

export interface ScenarioResult {
  readonly rows: Row[];
  readonly details: unknown;
}

export interface ScenarioContext {
  readonly targets: Targets;
  readonly options: BenchOptions;
  /** Progress lines on stderr, so the table on stdout stays clean. */
  readonly say: (line: string) => void;
}

/** Whether `value / base` is at most `limit`; undefined when a figure is missing. */
export function atMost(value: number | undefined, base: number | undefined, limit: number): boolean | undefined {
  return value === undefined || base === undefined || !Number.isFinite(value) || !Number.isFinite(base) ? undefined : value <= base * limit;
}

/** Whether `value / base` is at least `limit`; undefined when a figure is missing. */
export function atLeast(value: number | undefined, base: number | undefined, limit: number): boolean | undefined {
  return value === undefined || base === undefined || !Number.isFinite(value) || !Number.isFinite(base) ? undefined : value >= base * limit;
}

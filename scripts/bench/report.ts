/**
 * @module The bench's one table (figures for direct, the floor and gemini-proxy, the ratios of
 * gemini-proxy's to the other two, and issue 14's target for the row) and bench/results.json.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname } from 'node:path';

export interface Goal {
  readonly text: string;
  /** Whether the run meets it; undefined when the figures to decide are missing. */
  readonly met: boolean | undefined;
}

export interface Row {
  readonly scenario: string;
  readonly metric: string;
  readonly direct?: number | undefined;
  readonly floor?: number | undefined;
  readonly daemon?: number | undefined;
  /** Ratios only mean something for rates, times and sizes, not for counts like chunks lost. */
  readonly noRatios?: boolean;
  readonly goal?: Goal;
  readonly note?: string;
  /** Decimals shown; by default fewer as the figure grows (0 from 100 up). */
  readonly digits?: number;
}

export interface Machine {
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly kernel: string;
  readonly loadAverageAtStart: number[];
}

export function machine(): Machine {
  const cpu = cpus();
  const speed = cpu[0]?.speed ?? 0;
  // Some virtual machines report no clock speed (0): the model name alone then.
  const name = `${cpu[0]?.model ?? 'unknown CPU'}${speed > 0 ? ` @ ${speed} MHz` : ''}`;
  return { node: process.version, cpu: name, cores: cpu.length, kernel: release(), loadAverageAtStart: loadavg() };
}

function ratio(value: number | undefined, base: number | undefined): number | undefined {
  return value === undefined || base === undefined || base === 0 || !Number.isFinite(value) || !Number.isFinite(base) ? undefined : value / base;
}

function ratios(row: Row): { toDirect: number | undefined; toFloor: number | undefined } {
  if (row.noRatios) return { toDirect: undefined, toFloor: undefined };
  return { toDirect: ratio(row.daemon, row.direct), toFloor: ratio(row.daemon, row.floor) };
}

function figure(value: number | undefined, fixed?: number): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  const digits = fixed ?? (Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const times = (value: number | undefined): string => (value === undefined ? '' : `${value.toFixed(2)}×`);
const verdict = (goal: Goal | undefined): string => (goal === undefined ? '' : goal.met === undefined ? '?' : goal.met ? 'yes' : 'NO');

const HEADER = ['scenario', 'metric', 'direct', 'floor', 'gemini-proxy', '×direct', '×floor', 'target', 'met'];
/** Columns aligned right (the figures and ratios). */
const RIGHT = new Set([2, 3, 4, 5, 6]);

export function formatTable(rows: readonly Row[]): string {
  let previous = '';
  const cells = rows.map((row) => {
    const { toDirect, toFloor } = ratios(row);
    const scenario = row.scenario === previous ? '' : row.scenario;
    previous = row.scenario;
    return [scenario, row.metric, figure(row.direct, row.digits), figure(row.floor, row.digits), figure(row.daemon, row.digits), times(toDirect), times(toFloor), row.goal?.text ?? '', verdict(row.goal)];
  });
  const widths = HEADER.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: readonly string[]): string =>
    values.map((value, column) => (RIGHT.has(column) ? value.padStart(widths[column]!) : value.padEnd(widths[column]!))).join('  ').trimEnd();
  const notes = rows.filter((row) => row.note !== undefined).map((row) => `  ${row.scenario}, ${row.metric}: ${row.note}`);
  return [line(HEADER), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line), ...(notes.length > 0 ? ['', 'Notes:', ...notes] : [])].join('\n');
}

export function writeResults(path: string, content: {
  readonly machine: Machine; readonly options: unknown; readonly seconds: number; readonly rows: readonly Row[]; readonly details: unknown;
}): void {
  const rows = content.rows.map((row) => ({ ...row, ...ratios(row) }));
  const result = { date: new Date().toISOString(), ...content, machine: { ...content.machine, loadAverageAtEnd: loadavg() }, rows };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, (_key, value: unknown) => (value instanceof Set ? [...value] : value), 2)}\n`);
}

/**
 * @module The usage book: per key and per model, the requests sent with each key, those that
 * failed (by the error policy's verdict) and the tokens Google counted for the answers
 * (`usageMetadata`), by clock hour and by Pacific day: a day ends at midnight in
 * America/Los_Angeles, when Google's daily quotas reset. Bounded: the last HOURS_KEPT hours and
 * DAYS_KEPT days, each at most MAX_CELLS key × model cells (more models fold into OTHER_MODEL).
 * Its JSON-safe form (UsageDoc) is what the state file keeps, what one process sends the others
 * (deltas, added) and what a snapshot brings (totals, merged by maximum, so that applying one
 * twice, or after the counts it already holds, counts nothing twice). Keys appear only by id.
 * Pure: the clock is passed in.
 */

import { isObject } from '../protocols/shared/json.js';
import type { UsageMetadata } from '../protocols/gemini/types.js';
import { nextPacificMidnight } from './pacific-midnight.js';

const HOUR_MS = 3_600_000;
/** The longest Pacific day (the autumn switch), and a margin past it for another's clock. */
const LONGEST_DAY_MS = 25 * HOUR_MS;
/** Clock hours kept, the current one included. */
export const HOURS_KEPT = 24;
/** Pacific days kept: today and yesterday. */
export const DAYS_KEPT = 2;
/** Key × model cells per hour or day; past it a key's further models are counted as OTHER_MODEL. */
export const MAX_CELLS = 20_000;
/** Where models past MAX_CELLS are counted (and, past twice that, nothing is). */
export const OTHER_MODEL = '(other)';
/** Verdicts kept per cell; the policy has a dozen, so more can only come from a broken peer. */
const MAX_VERDICTS = 32;

/** The counts of one cell, in this order in a UsageDoc. */
const REQUESTS = 0;
const PROMPT = 1;
const CANDIDATES = 2;
const THOUGHTS = 3;
const CACHED = 4;
const COUNTS = 5;

/** What /status shows for a key over an hour or a day (all its models together). */
export interface UsageTotals {
  requests: number;
  /** Attempt verdict name → how many of the requests failed so. */
  failures: Record<string, number>;
  promptTokens: number;
  candidatesTokens: number;
  thoughtsTokens: number;
  cachedTokens: number;
}

/** `[requests, prompt, candidates, thoughts, cached]`, then the failures by verdict when any. */
export type CountsDoc = readonly [number, number, number, number, number, Readonly<Record<string, number>>?];
/** Key id → model → counts. */
export type CellsDoc = Readonly<Record<string, Readonly<Record<string, CountsDoc>>>>;

/** The book, or a part of it, as JSON: hours by their start, days by their end (epoch ms). */
export interface UsageDoc {
  readonly hours: Readonly<Record<string, CellsDoc>>;
  readonly days: Readonly<Record<string, CellsDoc>>;
}

/** How a UsageDoc is taken in: a delta is added; another's totals are merged by maximum. */
export type MergeMode = 'add' | 'max';

/** The start of the clock hour holding `nowMs` (Pacific hours are whole hours off UTC's). */
export function hourOf(nowMs: number): number {
  return nowMs - (((nowMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

class Cell {
  readonly n: number[] = [0, 0, 0, 0, 0];
  failures: Map<string, number> | undefined;

  fail(verdict: string, by: number, mode: MergeMode): void {
    this.failures ??= new Map();
    const had = this.failures.get(verdict);
    if (had === undefined && this.failures.size >= MAX_VERDICTS) return;
    this.failures.set(verdict, mode === 'add' ? (had ?? 0) + by : Math.max(had ?? 0, by));
  }
}

/** A token count as Google sent it: a whole number, or nothing (0). */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

class Bucket {
  readonly keys = new Map<string, Map<string, Cell>>();
  cells = 0;

  /** The cell for `keyId` and `model`, made when missing; undefined past every bound. */
  cell(keyId: string, model: string): Cell | undefined {
    let models = this.keys.get(keyId);
    const found = models?.get(model);
    if (found !== undefined) return found;
    const name = this.cells < MAX_CELLS ? model : OTHER_MODEL;
    const other = models?.get(name);
    if (other !== undefined) return other;
    if (this.cells >= 2 * MAX_CELLS) return undefined;
    if (models === undefined) {
      models = new Map();
      this.keys.set(keyId, models);
    }
    const cell = new Cell();
    models.set(name, cell);
    this.cells++;
    return cell;
  }

  /** `keyId`'s counts over all its models, added to `into`. */
  sum(keyId: string, into: UsageTotals): void {
    for (const cell of this.keys.get(keyId)?.values() ?? []) {
      into.requests += cell.n[REQUESTS] ?? 0;
      into.promptTokens += cell.n[PROMPT] ?? 0;
      into.candidatesTokens += cell.n[CANDIDATES] ?? 0;
      into.thoughtsTokens += cell.n[THOUGHTS] ?? 0;
      into.cachedTokens += cell.n[CACHED] ?? 0;
      for (const [verdict, count] of cell.failures ?? []) into.failures[verdict] = (into.failures[verdict] ?? 0) + count;
    }
  }
}

/** An object for names that come from outside (key ids, models): `__proto__` is a name like any. */
function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function emptyTotals(): UsageTotals {
  return { requests: 0, failures: record(), promptTokens: 0, candidatesTokens: 0, thoughtsTokens: 0, cachedTokens: 0 };
}

export class UsageBook {
  /** By the hour's start. */
  readonly #hours = new Map<number, Bucket>();
  /** By the day's end (the Pacific midnight that closes it). */
  readonly #days = new Map<number, Bucket>();
  /** The Pacific day last asked about, so its midnight is computed once a day, not per request. */
  #dayStart = Number.POSITIVE_INFINITY;
  #dayEnd = Number.NEGATIVE_INFINITY;
  /** Counts that found no cell (every bound reached). */
  dropped = 0;

  /**
   * One request sent with `keyId` for `model` (`''`: a call without one): failed when `verdict`
   * is not `ok`; `usage`, when given, is what Google counted for its answer.
   */
  count(keyId: string, model: string, verdict: string, usage: UsageMetadata | undefined, nowMs: number): void {
    const hour = this.#bucket(this.#hours, hourOf(nowMs), nowMs);
    const day = this.#bucket(this.#days, this.#dayEndOf(nowMs), nowMs);
    if (!countInto(hour.cell(keyId, model), verdict, usage)) this.dropped++;
    if (!countInto(day.cell(keyId, model), verdict, usage)) this.dropped++;
  }

  /** `keyId`'s counts in the current clock hour and the current Pacific day, all models together. */
  totals(keyId: string, nowMs: number): { hour: UsageTotals; day: UsageTotals } {
    const hour = emptyTotals();
    const day = emptyTotals();
    this.#hours.get(hourOf(nowMs))?.sum(keyId, hour);
    this.#days.get(this.#dayEndOf(nowMs))?.sum(keyId, day);
    return { hour, day };
  }

  get empty(): boolean {
    return this.#hours.size === 0 && this.#days.size === 0;
  }

  clear(): void {
    this.#hours.clear();
    this.#days.clear();
  }

  toDoc(): UsageDoc {
    return { hours: bucketsDoc(this.#hours), days: bucketsDoc(this.#days) };
  }

  /** Takes in `doc` (checked by parseUsageDoc); hours and days outside what is kept are left out. */
  merge(doc: UsageDoc, mode: MergeMode, nowMs: number): void {
    const hour = hourOf(nowMs);
    const dayEnd = this.#dayEndOf(nowMs);
    for (const [at, cells] of Object.entries(doc.hours)) {
      const start = Number(at);
      if (start > hour - HOURS_KEPT * HOUR_MS && start <= hour + HOUR_MS) this.#mergeCells(this.#bucket(this.#hours, start, nowMs), cells, mode);
    }
    for (const [at, cells] of Object.entries(doc.days)) {
      const end = Number(at);
      if (end > nowMs - (DAYS_KEPT - 1) * LONGEST_DAY_MS && end <= dayEnd + LONGEST_DAY_MS) this.#mergeCells(this.#bucket(this.#days, end, nowMs), cells, mode);
    }
  }

  #mergeCells(bucket: Bucket, cells: CellsDoc, mode: MergeMode): void {
    for (const [keyId, models] of Object.entries(cells)) {
      for (const [model, counts] of Object.entries(models)) {
        const cell = bucket.cell(keyId, model);
        if (cell === undefined) {
          this.dropped++;
          continue;
        }
        for (let i = 0; i < COUNTS; i++) {
          const by = counts[i] as number;
          cell.n[i] = mode === 'add' ? (cell.n[i] ?? 0) + by : Math.max(cell.n[i] ?? 0, by);
        }
        for (const [verdict, by] of Object.entries(counts[COUNTS] ?? {})) cell.fail(verdict, by, mode);
      }
    }
  }

  /** The bucket at `at`, made when missing; making one drops the hours and days no longer kept. */
  #bucket(buckets: Map<number, Bucket>, at: number, nowMs: number): Bucket {
    let bucket = buckets.get(at);
    if (bucket === undefined) {
      bucket = new Bucket();
      buckets.set(at, bucket);
      this.#prune(nowMs);
    }
    return bucket;
  }

  #prune(nowMs: number): void {
    const oldestHour = hourOf(nowMs) - (HOURS_KEPT - 1) * HOUR_MS;
    for (const start of this.#hours.keys()) if (start < oldestHour) this.#hours.delete(start);
    // Days by count: the DAYS_KEPT latest ends (a day is 23 to 25 hours long).
    const ends = [...this.#days.keys()].sort((a, b) => b - a);
    for (const end of ends.slice(DAYS_KEPT)) this.#days.delete(end);
  }

  /** The end of the Pacific day holding `nowMs`. */
  #dayEndOf(nowMs: number): number {
    if (nowMs < this.#dayStart || nowMs >= this.#dayEnd) {
      this.#dayEnd = nextPacificMidnight(nowMs);
      // 26 hours before a midnight lies in the day before the previous one, whatever its length.
      this.#dayStart = nextPacificMidnight(this.#dayEnd - LONGEST_DAY_MS - HOUR_MS);
    }
    return this.#dayEnd;
  }
}

/** Adds one request to `cell`; false when there is no cell to count it in. */
function countInto(cell: Cell | undefined, verdict: string, usage: UsageMetadata | undefined): boolean {
  if (cell === undefined) return false;
  const n = cell.n;
  n[REQUESTS] = (n[REQUESTS] ?? 0) + 1;
  if (verdict !== 'ok') cell.fail(verdict, 1, 'add');
  if (usage !== undefined) {
    n[PROMPT] = (n[PROMPT] ?? 0) + tokenCount(usage.promptTokenCount);
    n[CANDIDATES] = (n[CANDIDATES] ?? 0) + tokenCount(usage.candidatesTokenCount);
    n[THOUGHTS] = (n[THOUGHTS] ?? 0) + tokenCount(usage.thoughtsTokenCount);
    n[CACHED] = (n[CACHED] ?? 0) + tokenCount(usage.cachedContentTokenCount);
  }
  return true;
}

function bucketsDoc(buckets: Map<number, Bucket>): Record<string, CellsDoc> {
  const doc = record<CellsDoc>();
  for (const [at, bucket] of buckets) {
    const cells = record<Record<string, CountsDoc>>();
    for (const [keyId, models] of bucket.keys) {
      const byModel = record<CountsDoc>();
      for (const [model, cell] of models) byModel[model] = countsDoc(cell);
      cells[keyId] = byModel;
    }
    doc[String(at)] = cells;
  }
  return doc;
}

function countsDoc(cell: Cell): CountsDoc {
  const [requests = 0, prompt = 0, candidates = 0, thoughts = 0, cached = 0] = cell.n;
  if (cell.failures === undefined || cell.failures.size === 0) return [requests, prompt, candidates, thoughts, cached];
  const failures = record<number>();
  for (const [verdict, count] of cell.failures) failures[verdict] = count;
  return [requests, prompt, candidates, thoughts, cached, failures];
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isCounts(value: unknown): value is CountsDoc {
  if (!Array.isArray(value) || value.length < COUNTS || value.length > COUNTS + 1) return false;
  for (let i = 0; i < COUNTS; i++) if (!isCount(value[i])) return false;
  const failures: unknown = value[COUNTS];
  return failures === undefined || (isObject(failures) && Object.values(failures).every(isCount));
}

function isCells(value: unknown): value is CellsDoc {
  return isObject(value) && Object.values(value).every((models) => isObject(models) && Object.values(models).every(isCounts));
}

function isBuckets(value: unknown): value is Record<string, CellsDoc> {
  return isObject(value) && Object.entries(value).every(([at, cells]) => /^\d{1,16}$/.test(at) && isCells(cells));
}

/** `value` as a UsageDoc when it is one in every part, else undefined (a broken doc is dropped whole). */
export function parseUsageDoc(value: unknown): UsageDoc | undefined {
  if (!isObject(value) || !isBuckets(value['hours']) || !isBuckets(value['days'])) return undefined;
  return { hours: value['hours'], days: value['days'] };
}

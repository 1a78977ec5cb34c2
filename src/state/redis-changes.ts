/**
 * @module What each shared change writes in Redis, and how the changes still in force are read
 * back. A change's state is one string key holding the change as JSON, with a time to live that
 * ends with the state (a cooling expires when the cooling does), so Redis forgets for us. Times
 * travel as time to live, not as epoch ms: each process turns them back with its own clock.
 * Changes from the wire are checked field by field; anything malformed is dropped. Pure.
 */

import { isObject } from '../protocols/shared/json.js';
import { DAYS_KEPT, HOURS_KEPT, parseUsageDoc, type CountsDoc, type UsageDoc } from '../upstream/usage.js';
import { endingAt, entryOf, type EntryChange } from './entries.js';
import type { SharedChange } from './link.js';
import type { RedisKeys } from './redis-keys.js';

/** The one write a change makes: a value (with its time to live, or none) or a removal. */
export type StateWrite =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly ttlMs: number | undefined }
  | { readonly op: 'del'; readonly key: string };

/** The write that keeps `change` for processes that start or reconnect later. */
export function stateWrite(keys: RedisKeys, change: EntryChange, nowMs: number): StateWrite {
  const { subject, set, untilMs } = entryOf(change);
  const key = keys.entry(subject);
  if (!set) return { op: 'del', key };
  if (untilMs === Infinity) return { op: 'set', key, value: JSON.stringify(change), ttlMs: undefined };
  const ttlMs = Math.ceil(untilMs - nowMs);
  return ttlMs <= 0 ? { op: 'del', key } : { op: 'set', key, value: JSON.stringify(change), ttlMs };
}

/**
 * The change a state entry holds, its end moved to `nowMs + pttl` (this process's clock); undefined
 * when the entry is gone (`pttl` -2) or does not hold a change.
 */
export function rebuild(value: string | null, pttl: number, nowMs: number): EntryChange | undefined {
  if (value === null || pttl === -2) return undefined;
  const change = parseChange(parseJson(value));
  // A state entry never holds usage counts (they live in hashes of their own).
  if (change === undefined || change.type === 'usage') return undefined;
  return pttl < 0 ? change : endingAt(change, nowMs + pttl);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

type Field = 'string' | 'number' | 'string?' | 'path' | 'boolean' | 'usage';

/** Each change's fields and what they hold; the compiler checks every type lists all its fields. */
const SHAPES = {
  'key-cooling': { keyId: 'string', scope: 'string', untilMs: 'number', reason: 'string' },
  'key-uncooled': { keyId: 'string', scope: 'string' },
  'key-disabled': { keyId: 'string', reason: 'string', sinceMs: 'number' },
  'key-enabled': { keyId: 'string' },
  'key-project': { keyId: 'string', learned: 'string' },
  'path-health': { path: 'path', id: 'string', unhealthyUntilMs: 'number', consecutiveFailures: 'number', reason: 'string?' },
  resource: { name: 'string', keyId: 'string', untilMs: 'number' },
  'resource-forgotten': { name: 'string' },
  upload: { id: 'string', keyId: 'string', upstreamPath: 'string', untilMs: 'number' },
  usage: { counts: 'usage', whole: 'boolean' },
} as const satisfies { readonly [T in SharedChange['type']]: { readonly [K in Exclude<keyof Extract<SharedChange, { type: T }>, 'type'>]-?: Field } };

function fits(value: unknown, field: Field): boolean {
  switch (field) {
    case 'string':
      return typeof value === 'string';
    case 'string?':
      return value === undefined || typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'path':
      return value === 'relay' || value === 'egress';
    case 'boolean':
      return typeof value === 'boolean';
    case 'usage':
      return parseUsageDoc(value) !== undefined;
  }
}

/** A well-formed change with only its own fields, or undefined. */
export function parseChange(value: unknown): SharedChange | undefined {
  if (!isObject(value) || typeof value.type !== 'string' || !Object.hasOwn(SHAPES, value.type)) return undefined;
  const type = value.type as SharedChange['type'];
  const change: Record<string, unknown> = { type };
  for (const [name, field] of Object.entries(SHAPES[type]) as [string, Field][]) {
    const fieldValue = value[name];
    if (!fits(fieldValue, field)) return undefined;
    if (fieldValue !== undefined) change[name] = fieldValue;
  }
  // Every field of this type was checked against SHAPES, which the compiler ties to SharedChange.
  return change as SharedChange;
}

const HOUR_MS = 3_600_000;
/** The counts' slots in a usage hash field, in CountsDoc's order; a failure's slot is `f:` and its verdict. */
const SLOTS = ['r', 'p', 'c', 't', 'k'] as const;

/** One usage hash's increments: HINCRBY each `field` by the count after it, then the time to live. */
export interface UsageIncrements {
  readonly key: string;
  readonly ttlMs: number;
  /** field, count, field, count, … (counts as decimal strings). */
  readonly increments: readonly string[];
}

/** A usage hash's field: `key-id model slot`, each part percent-encoded (no space inside a part). */
function usageField(keyId: string, model: string, slot: string): string {
  return `${encodeURIComponent(keyId)} ${encodeURIComponent(model)} ${slot}`;
}

/**
 * The hashes a batch of usage counts adds to: one per hour and per Pacific day, each kept a little
 * longer than the usage book keeps its hours and days (a day's: about two days), so Redis
 * forgets them for us. Zero counts are left out.
 */
export function usageIncrements(keys: RedisKeys, counts: UsageDoc, nowMs: number): UsageIncrements[] {
  const writes: UsageIncrements[] = [];
  const add = (key: string, untilMs: number, cells: UsageDoc['hours'][string]): void => {
    const ttlMs = Math.ceil(untilMs - nowMs);
    const increments: string[] = [];
    for (const [keyId, models] of Object.entries(cells)) {
      for (const [model, row] of Object.entries(models)) {
        SLOTS.forEach((slot, index) => {
          const by = row[index] as number;
          if (by > 0) increments.push(usageField(keyId, model, slot), String(by));
        });
        for (const [verdict, by] of Object.entries(row[SLOTS.length] ?? {})) {
          if (by > 0) increments.push(usageField(keyId, model, `f:${encodeURIComponent(verdict)}`), String(by));
        }
      }
    }
    if (ttlMs > 0 && increments.length > 0) writes.push({ key, ttlMs, increments });
  };
  for (const [at, cells] of Object.entries(counts.hours)) add(keys.usageHour(Number(at)), Number(at) + (HOURS_KEPT + 1) * HOUR_MS, cells);
  for (const [at, cells] of Object.entries(counts.days)) add(keys.usageDay(Number(at)), Number(at) + (DAYS_KEPT - 1) * 25 * HOUR_MS + HOUR_MS, cells);
  return writes;
}

type MutableRow = [number, number, number, number, number, Record<string, number>?];

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * The usage counts the hashes hold (each hash's name and its fields and values, as HGETALL gave
 * them), as totals. Fields not of this shape, or not whole counts, are left out.
 */
export function usageFromHashes(keys: RedisKeys, hashes: readonly { key: string; fields: Iterable<[string, string]> }[]): UsageDoc {
  const doc = { hours: nullRecord<Record<string, Record<string, MutableRow>>>(), days: nullRecord<Record<string, Record<string, MutableRow>>>() };
  for (const { key, fields } of hashes) {
    const bucket = keys.usageBucket(key);
    if (bucket === undefined) continue;
    const cells = (doc[bucket.kind][bucket.at] ??= nullRecord());
    for (const [field, text] of fields) {
      const [keyPart = '', modelPart = '', slot = '', extra] = field.split(' ');
      const keyId = decode(keyPart);
      const model = decode(modelPart);
      const by = Number(text);
      if (extra !== undefined || keyId === undefined || model === undefined || !Number.isSafeInteger(by) || by < 0) continue;
      const row = ((cells[keyId] ??= nullRecord())[model] ??= [0, 0, 0, 0, 0]);
      const index = SLOTS.indexOf(slot as typeof SLOTS[number]);
      if (index !== -1) row[index] = by;
      const verdict = slot.startsWith('f:') ? decode(slot.slice(2)) : undefined;
      if (verdict !== undefined) (row[SLOTS.length] ??= nullRecord())[verdict] = by;
    }
  }
  return doc as { hours: Record<string, Record<string, Record<string, CountsDoc>>>; days: Record<string, Record<string, Record<string, CountsDoc>>> };
}

/** An object for names from outside (key ids, models): `__proto__` is a name like any. */
function nullRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** @module Parsers for setting values: durations, sizes, rates, integers, booleans, lists. Pure. */

import { ConfigError } from './config-error.js';

/** A raw setting as it arrives from a flag, a variable or an INI file. */
export type RawValue = string | boolean | readonly string[];

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

function single(field: string, raw: RawValue): string {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'boolean') return String(raw);
  const last = raw.at(-1);
  if (last === undefined) throw ConfigError.invalid(field, raw, 'a value');
  return last.trim();
}

/** `"90"` (seconds), `"90s"`, `"1500ms"`, `"10m"`, `"1h"` → milliseconds. */
export function parseDuration(field: string, raw: RawValue): number {
  const text = single(field, raw).toLowerCase();
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text);
  const unit = DURATION_UNITS_MS[match?.[2] ?? 's'];
  if (!match?.[1] || unit === undefined) {
    throw ConfigError.invalid(field, raw, 'a duration such as 90, 90s, 1500ms, 10m or 1h');
  }
  return Math.round(Number(match[1]) * unit);
}

/** `"20mb"`, `"512kb"`, `"1048576"` (bytes) → bytes; units are binary (1 mb = 1024 × 1024). */
export function parseSize(field: string, raw: RawValue): number {
  const text = single(field, raw).toLowerCase();
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/.exec(text);
  const unit = SIZE_UNITS[match?.[2] ?? 'b'];
  if (!match?.[1] || unit === undefined) {
    throw ConfigError.invalid(field, raw, 'a size such as 20mb, 512kb or a number of bytes');
  }
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < 1) throw ConfigError.invalid(field, raw, 'a size of at least 1 byte');
  return bytes;
}

/** A request rate: `requests` per `perMs` milliseconds. */
export interface Rate {
  readonly requests: number;
  readonly perMs: number;
}

const RATE_UNITS_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** The most requests a rate may name per unit: keeps the bucket's arithmetic in safe integers. */
const MAX_RATE_REQUESTS = 1_000_000;

/** `"60/m"`, `"5/s"`, `"1000/h"` → a rate; `"none"` or `"off"` → undefined (no limit). */
export function parseRate(field: string, raw: RawValue): Rate | undefined {
  const text = single(field, raw).toLowerCase();
  if (text === 'none' || text === 'off') return undefined;
  const match = /^(\d+)\s*\/\s*(s|m|h)$/.exec(text);
  const requests = Number(match?.[1]);
  const perMs = RATE_UNITS_MS[match?.[2] ?? ''];
  if (perMs === undefined || !Number.isSafeInteger(requests) || requests < 1 || requests > MAX_RATE_REQUESTS) {
    throw ConfigError.invalid(field, raw,
      `a rate such as 60/m: from 1 to ${MAX_RATE_REQUESTS} requests per s, m or h (or none)`);
  }
  return { requests, perMs };
}

/** An integer within [min, max]. */
export function parseInteger(field: string, raw: RawValue, min: number, max: number): number {
  const text = single(field, raw);
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw ConfigError.invalid(field, raw, `an integer from ${min} to ${max}`);
  }
  return value;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export function parseBoolean(field: string, raw: RawValue): boolean {
  const text = single(field, raw).toLowerCase();
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  throw ConfigError.invalid(field, raw, 'true or false');
}

/** A comma-separated string or a repeated value → trimmed, non-empty items. */
export function parseList(raw: RawValue): string[] {
  const parts = typeof raw === 'string' ? [raw] : typeof raw === 'boolean' ? [] : raw;
  return parts
    .flatMap((part) => part.split(','))
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A plain non-empty string (a path, a host). */
export function parseText(field: string, raw: RawValue): string {
  const text = single(field, raw);
  if (text.length === 0) throw ConfigError.invalid(field, raw, 'a non-empty value');
  return text;
}

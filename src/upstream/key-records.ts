/**
 * @module What the rotator knows of each key and relay, and the part of it kept across a restart
 * (by key id, never the key). No I/O; the clock is passed in.
 */

import type { ApiKey, Relay } from '../config/lists.js';
import { newHealth, type Health } from './health.js';

/**
 * The reason a key disabled by hand carries (the dashboard's "disable"), here, in the state file
 * and in the shared `key-disabled` change: Google's reasons are other words.
 */
export const MANUAL_REASON = 'MANUAL';

/** Why a key is out of rotation. `manual`: disabled by hand, back only when enabled by hand. */
export interface Disabled {
  readonly reason: string;
  readonly sinceMs: number;
  readonly manual?: true;
}

export interface KeyRecord {
  /** Replaced on a reload (its labels may change); the record, and its state, stay. */
  key: ApiKey;
  /**
   * Set while the key is out of rotation: until a recovery probe (or a reload's probe) works or,
   * disabled by hand, until it is enabled by hand.
   */
  disabled: Disabled | undefined;
  /**
   * Scope → epoch ms when the key may serve it again. A scope is a model (quotas are per model)
   * or, for calls without one, a resource family (`files:*`); none covers every model.
   */
  readonly cooling: Map<string, number>;
  /** The project whose quota the key shares (src/upstream/projects.ts); undefined: its own. */
  project: string | undefined;
  /** The project Google's error bodies named for this key (`projects/NNN`). */
  learnedProject: string | undefined;
  attempts: number;
  failures: number;
}

export interface RelayRecord extends Health {
  readonly relay: Relay;
}

/** Key state worth keeping across a restart, by key id (never the key). */
export interface SavedKeyState {
  disabled?: { reason: string; sinceMs: number; manual?: true };
  /** Scope (a model or a resource family) → epoch ms the cooling ends. */
  cooling?: Record<string, number>;
  /** The project Google named for the key (`projects/NNN`), learned from its errors. */
  project?: string;
}

export function newKeyRecord(key: ApiKey): KeyRecord {
  return { key, disabled: undefined, cooling: new Map(), project: undefined, learnedProject: undefined, attempts: 0, failures: 0 };
}

export function newRelayRecord(relay: Relay): RelayRecord {
  return { relay, ...newHealth() };
}

/** Whether the key was disabled by hand: no probe, answer nor reload brings it back. */
export function disabledByHand(record: KeyRecord): boolean {
  return record.disabled?.manual === true;
}

/** A key's state at `nowMs`, as /status and /metrics report it. */
export function keyState(record: KeyRecord, nowMs: number): 'active' | 'cooling' | 'disabled' {
  if (record.disabled) return 'disabled';
  for (const until of record.cooling.values()) if (until > nowMs) return 'cooling';
  return 'active';
}

/** The state of every key that has some: disabled, cooling into the future, or a learned project. */
export function exportKeyState(records: readonly KeyRecord[], nowMs: number): Record<string, SavedKeyState> {
  const saved: Record<string, SavedKeyState> = {};
  for (const record of records) {
    const cooling = Object.fromEntries([...record.cooling].filter(([, until]) => until > nowMs));
    const entry: SavedKeyState = {
      ...(record.disabled && { disabled: { ...record.disabled } }),
      ...(Object.keys(cooling).length > 0 && { cooling }),
      ...(record.learnedProject !== undefined && { project: record.learnedProject }),
    };
    if (entry.disabled || entry.cooling || entry.project) saved[record.key.id] = entry;
  }
  return saved;
}

/** Restores saved state onto the keys still listed; returns how many keys it touched. */
export function importKeyState(records: readonly KeyRecord[], saved: Readonly<Record<string, SavedKeyState>>, nowMs: number): number {
  let restored = 0;
  for (const record of records) {
    const entry = Object.hasOwn(saved, record.key.id) ? saved[record.key.id] : undefined;
    if (entry === undefined) continue;
    if (entry.disabled) record.disabled = { ...entry.disabled };
    for (const [scope, until] of Object.entries(entry.cooling ?? {})) {
      if (until > nowMs) record.cooling.set(scope, until);
    }
    if (entry.project !== undefined) record.learnedProject = entry.project;
    restored++;
  }
  return restored;
}

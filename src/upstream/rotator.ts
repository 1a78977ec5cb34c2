/**
 * @module The rotator: which key and which relay the next attempt uses, and the state (cooling,
 * disabled, unhealthy) that decides it. No I/O; the clock is passed in.
 */

import type { ApiKey, Relay } from '../config/lists.js';
import type { Verdict } from './policy.js';

const RELAY_BACKOFF_BASE_MS = 1_000;
const RELAY_BACKOFF_MAX_MS = 60_000;

export interface KeyRecord {
  readonly key: ApiKey;
  /** Set while the key is out of rotation until a recovery probe (or a reload's probe) works. */
  disabled: { readonly reason: string; readonly sinceMs: number } | undefined;
  /**
   * Scope → epoch ms when the key may serve it again. A scope is a model (quotas are per model)
   * or, for calls without one, a resource family (`files:*`); none covers every model.
   */
  readonly cooling: Map<string, number>;
  attempts: number;
  failures: number;
}

export interface RelayRecord {
  readonly relay: Relay;
  consecutiveFailures: number;
  unhealthyUntilMs: number;
  attempts: number;
  failures: number;
}

export type StateChange =
  | { type: 'key-cooling'; keyId: string; scope: string; untilMs: number; reason: string }
  | { type: 'key-disabled'; keyId: string; reason: string }
  | { type: 'key-enabled'; keyId: string; via: string }
  | { type: 'relay-unhealthy'; relayId: string; untilMs: number; failures: number; reason: string }
  | { type: 'relay-healthy'; relayId: string };

/** Key state worth keeping across a restart, by key id (never the key). */
export interface SavedKeyState {
  disabled?: { reason: string; sinceMs: number };
  /** Scope (a model or a resource family) → epoch ms the cooling ends. */
  cooling?: Record<string, number>;
}

export type KeyPick =
  | { readonly ok: true; readonly record: KeyRecord }
  /** Every key not yet tried is cooling for this scope; the first is free at `retryAtMs`. */
  | { readonly ok: false; readonly why: 'cooling'; readonly retryAtMs: number }
  /** Every key is disabled or was already tried by this request. */
  | { readonly ok: false; readonly why: 'none' };

export interface RotatorDeps {
  readonly now: () => number;
  readonly onChange: (change: StateChange) => void;
}

/** A key's state at `nowMs`, as /status and /metrics report it. */
export function keyState(record: KeyRecord, nowMs: number): 'active' | 'cooling' | 'disabled' {
  if (record.disabled) return 'disabled';
  for (const until of record.cooling.values()) if (until > nowMs) return 'cooling';
  return 'active';
}

export class Rotator {
  #keys: KeyRecord[] = [];
  #relays: RelayRecord[] = [];
  /** Round-robin positions: the next pick starts scanning here. */
  #keyCursor = 0;
  #relayCursor = 0;
  readonly #deps: RotatorDeps;

  constructor(keys: readonly ApiKey[], relays: readonly Relay[], deps: RotatorDeps) {
    this.#deps = deps;
    this.replace(keys, relays);
  }

  /** Swaps in new lists (a reload); keys and relays still listed keep their state. */
  replace(keys: readonly ApiKey[], relays: readonly Relay[]): void {
    const oldKeys = new Map(this.#keys.map((record) => [record.key.id, record]));
    const oldRelays = new Map(this.#relays.map((record) => [record.relay.id, record]));
    this.#keys = keys.map((key) => oldKeys.get(key.id) ?? newKeyRecord(key));
    this.#relays = relays.map((relay) => oldRelays.get(relay.id) ?? newRelayRecord(relay));
    this.#keyCursor %= Math.max(1, this.#keys.length);
    this.#relayCursor %= Math.max(1, this.#relays.length);
  }

  get keys(): readonly KeyRecord[] {
    return this.#keys;
  }

  get relays(): readonly RelayRecord[] {
    return this.#relays;
  }

  /** The epoch ms until which `record` may not serve `scope`, or 0. */
  coolingUntil(record: KeyRecord, scope: string): number {
    const end = record.cooling.get(scope);
    if (end === undefined) return 0;
    if (end > this.#deps.now()) return end;
    record.cooling.delete(scope);
    return 0;
  }

  /** The epoch ms at which some enabled key can next serve `scope` (now, if one can). */
  retryAt(scope: string): number {
    const now = this.#deps.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const record of this.#keys) {
      if (record.disabled) continue;
      const until = this.coolingUntil(record, scope);
      if (until === 0) return now;
      soonest = Math.min(soonest, until);
    }
    return Number.isFinite(soonest) ? soonest : now;
  }

  /** The next usable key, round-robin, skipping keys this request already tried. */
  pickKey(scope: string, tried: ReadonlySet<string>): KeyPick {
    const count = this.#keys.length;
    let retryAtMs = Number.POSITIVE_INFINITY;
    for (let step = 0; step < count; step++) {
      const index = (this.#keyCursor + step) % count;
      const record = this.#keys[index];
      if (record === undefined || record.disabled || tried.has(record.key.id)) continue;
      const until = this.coolingUntil(record, scope);
      if (until > 0) {
        retryAtMs = Math.min(retryAtMs, until);
        continue;
      }
      this.#keyCursor = index + 1;
      return { ok: true, record };
    }
    return Number.isFinite(retryAtMs) ? { ok: false, why: 'cooling', retryAtMs } : { ok: false, why: 'none' };
  }

  /**
   * The one key a request about a resource must use (the key that made it): the key itself, or
   * why it cannot serve now. `unavailable`: disabled, or no longer listed.
   */
  pickPinned(keyId: string, scope: string, tried: ReadonlySet<string>): KeyPick | { readonly ok: false; readonly why: 'unavailable' } {
    const record = this.#keys.find((candidate) => candidate.key.id === keyId);
    if (record === undefined || record.disabled) return { ok: false, why: 'unavailable' };
    // Cooling first: a pinned request that just earned a 429 waits for this key, not another.
    const until = this.coolingUntil(record, scope);
    if (until > 0) return { ok: false, why: 'cooling', retryAtMs: until };
    return tried.has(keyId) ? { ok: false, why: 'none' } : { ok: true, record };
  }

  /**
   * The next relay this request has not tried: a healthy one, round-robin; when none is
   * healthy, the one that recovers first, so a lone relay's hiccup never refuses everyone.
   */
  pickRelay(tried: ReadonlySet<string>): RelayRecord | undefined {
    const now = this.#deps.now();
    const count = this.#relays.length;
    let fallback: RelayRecord | undefined;
    for (let step = 0; step < count; step++) {
      const index = (this.#relayCursor + step) % count;
      const record = this.#relays[index];
      if (record === undefined || tried.has(record.relay.id)) continue;
      if (record.unhealthyUntilMs <= now) {
        this.#relayCursor = index + 1;
        return record;
      }
      if (fallback === undefined || record.unhealthyUntilMs < fallback.unhealthyUntilMs) fallback = record;
    }
    return fallback;
  }

  recordAttempt(key: KeyRecord, relay: RelayRecord): void {
    key.attempts++;
    relay.attempts++;
  }

  recordSuccess(relay: RelayRecord): void {
    if (relay.consecutiveFailures === 0) return;
    relay.consecutiveFailures = 0;
    relay.unhealthyUntilMs = 0;
    this.#deps.onChange({ type: 'relay-healthy', relayId: relay.relay.id });
  }

  /** Applies a policy verdict to the key and relay of a failed attempt for `scope`. */
  apply(verdict: Verdict, key: KeyRecord, relay: RelayRecord, scope: string): void {
    if (verdict.key !== 'keep' || verdict.relay === 'unhealthy') key.failures++;
    if (verdict.key === 'cool' && verdict.coolUntilMs !== undefined) {
      this.cool(key, scope, verdict.coolUntilMs, verdict.reason);
    }
    if (verdict.key === 'disable') this.disable(key, verdict.reason);
    if (verdict.relay === 'unhealthy') this.#markUnhealthy(relay, verdict.reason);
  }

  cool(record: KeyRecord, scope: string, untilMs: number, reason: string): void {
    if ((record.cooling.get(scope) ?? 0) >= untilMs) return;
    // Scopes are looked up only when asked for again: drop the ended ones as new ones come.
    const now = this.#deps.now();
    for (const [other, end] of record.cooling) if (end <= now) record.cooling.delete(other);
    record.cooling.set(scope, untilMs);
    this.#deps.onChange({ type: 'key-cooling', keyId: record.key.id, scope, untilMs, reason });
  }

  disable(record: KeyRecord, reason: string): void {
    if (record.disabled) return;
    record.disabled = { reason, sinceMs: this.#deps.now() };
    this.#deps.onChange({ type: 'key-disabled', keyId: record.key.id, reason });
  }

  enable(record: KeyRecord, via: string): void {
    if (!record.disabled) return;
    record.disabled = undefined;
    this.#deps.onChange({ type: 'key-enabled', keyId: record.key.id, via });
  }

  /** The state of every key that has some: disabled, or cooling into the future. */
  exportState(): Record<string, SavedKeyState> {
    const now = this.#deps.now();
    const saved: Record<string, SavedKeyState> = {};
    for (const record of this.#keys) {
      const cooling = Object.fromEntries([...record.cooling].filter(([, until]) => until > now));
      const entry: SavedKeyState = {
        ...(record.disabled && { disabled: { ...record.disabled } }),
        ...(Object.keys(cooling).length > 0 && { cooling }),
      };
      if (entry.disabled || entry.cooling) saved[record.key.id] = entry;
    }
    return saved;
  }

  /** Restores saved state onto the keys still listed; returns how many keys it touched. */
  importState(saved: Readonly<Record<string, SavedKeyState>>): number {
    const now = this.#deps.now();
    let restored = 0;
    for (const record of this.#keys) {
      const entry = Object.hasOwn(saved, record.key.id) ? saved[record.key.id] : undefined;
      if (entry === undefined) continue;
      if (entry.disabled) record.disabled = { ...entry.disabled };
      for (const [scope, until] of Object.entries(entry.cooling ?? {})) {
        if (until > now) record.cooling.set(scope, until);
      }
      restored++;
    }
    return restored;
  }

  #markUnhealthy(record: RelayRecord, reason: string): void {
    record.failures++;
    record.consecutiveFailures++;
    const backoff = Math.min(
      RELAY_BACKOFF_MAX_MS,
      RELAY_BACKOFF_BASE_MS * 2 ** Math.min(record.consecutiveFailures - 1, 16),
    );
    record.unhealthyUntilMs = this.#deps.now() + backoff;
    this.#deps.onChange({
      type: 'relay-unhealthy', relayId: record.relay.id, untilMs: record.unhealthyUntilMs,
      failures: record.consecutiveFailures, reason,
    });
  }
}

function newKeyRecord(key: ApiKey): KeyRecord {
  return { key, disabled: undefined, cooling: new Map(), attempts: 0, failures: 0 };
}

function newRelayRecord(relay: Relay): RelayRecord {
  return { relay, consecutiveFailures: 0, unhealthyUntilMs: 0, attempts: 0, failures: 0 };
}

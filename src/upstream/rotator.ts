/**
 * @module The rotator: which key and which relay the next attempt uses, and the state (cooling,
 * disabled, unhealthy, projects) that decides it. No I/O; the clock is passed in.
 */

import type { ApiKey, EgressProxy, Relay } from '../config/lists.js';
import {
  disabledByHand, exportKeyState, importKeyState, MANUAL_REASON, newKeyRecord, newRelayRecord, type KeyRecord, type RelayRecord, type SavedKeyState,
} from './key-records.js';
import { EgressProxies, type EgressChange } from './egress.js';
import { markHealthy, markUnhealthy } from './health.js';
import { KeyProjects, type Cooling } from './key-projects.js';
import type { Verdict } from './policy.js';
import { summarizeProjects, type ProjectSummary } from './projects.js';
import { RelayLimitWatch, type RelayLimitCall } from './relay-limit.js';

export { disabledByHand, keyState, MANUAL_REASON, type KeyRecord, type RelayRecord, type SavedKeyState } from './key-records.js';

export type StateChange =
  | { type: 'key-cooling'; keyId: string; scope: string; untilMs: number; reason: string; project?: string }
  /** A cooling lifted: the 429 that set it was the relay's (src/upstream/relay-limit.ts). */
  | { type: 'key-uncooled'; keyId: string; scope: string; reason: string }
  /** `manual`: by hand (`via` says where), back only by hand. */
  | { type: 'key-disabled'; keyId: string; reason: string; manual?: true; via?: string }
  | { type: 'key-enabled'; keyId: string; via: string }
  /** Google named the key's project; `sharesQuotaWith`: keys found to share its quota by it. */
  | { type: 'key-project'; keyId: string; project: string; learned: string; sharesQuotaWith?: string[] }
  | { type: 'relay-unhealthy'; relayId: string; untilMs: number; failures: number; reason: string }
  | { type: 'relay-healthy'; relayId: string }
  | EgressChange;

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

/** Whose quota a 429 spends: the key's project, or the key alone. */
function holderOf(record: KeyRecord): string {
  return record.project ?? record.key.id;
}

export class Rotator {
  /** The forward proxies keys leave through (none: every connection goes straight). */
  readonly egress: EgressProxies;
  #keys: KeyRecord[] = [];
  #relays: RelayRecord[] = [];
  /** Round-robin positions: the next pick starts scanning here. */
  #keyCursor = 0;
  #relayCursor = 0;
  readonly #relayLimits = new RelayLimitWatch<Cooling>();
  readonly #projects: KeyProjects;
  readonly #deps: RotatorDeps;

  constructor(keys: readonly ApiKey[], relays: readonly Relay[], deps: RotatorDeps, egress: readonly EgressProxy[] = []) {
    this.#deps = deps;
    this.#projects = new KeyProjects({ ...deps, cool: (record, scope, untilMs, reason) => this.cool(record, scope, untilMs, reason) });
    this.egress = new EgressProxies(egress, deps);
    this.replace(keys, relays, egress);
  }

  /** Swaps in new lists (a reload); keys, relays and egress proxies still listed keep their state. */
  replace(keys: readonly ApiKey[], relays: readonly Relay[], egress: readonly EgressProxy[] = []): void {
    this.egress.replace(egress);
    const oldKeys = new Map(this.#keys.map((record) => [record.key.id, record]));
    const oldRelays = new Map(this.#relays.map((record) => [record.relay.id, record]));
    this.#keys = keys.map((key) => {
      const record = oldKeys.get(key.id);
      if (record === undefined) return newKeyRecord(key);
      record.key = key; // its labels may have changed
      return record;
    });
    this.#relays = relays.map((relay) => oldRelays.get(relay.id) ?? newRelayRecord(relay));
    this.#keyCursor %= Math.max(1, this.#keys.length);
    this.#relayCursor %= Math.max(1, this.#relays.length);
    this.#projects.regroup(this.#keys);
  }

  get keys(): readonly KeyRecord[] {
    return this.#keys;
  }

  get relays(): readonly RelayRecord[] {
    return this.#relays;
  }

  /** The projects known now (labelled or learned), each with its keys' ids. */
  projects(): ProjectSummary[] {
    return summarizeProjects(this.#keys.map((record) => ({ keyId: record.key.id, project: record.project, learned: record.learnedProject })));
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

  /**
   * The next usable key, round-robin, skipping keys this request already tried. Keys of
   * `avoidProjects` (projects this request already tried) come only when no other key can serve:
   * another project's quota is more likely to have room.
   */
  pickKey(scope: string, tried: ReadonlySet<string>, avoidProjects?: ReadonlySet<string>): KeyPick {
    const avoid = avoidProjects !== undefined && avoidProjects.size > 0 ? avoidProjects : undefined;
    const pick = this.#scanKeys(scope, tried, avoid);
    return pick.ok || avoid === undefined ? pick : this.#scanKeys(scope, tried, undefined);
  }

  #scanKeys(scope: string, tried: ReadonlySet<string>, avoid: ReadonlySet<string> | undefined): KeyPick {
    const count = this.#keys.length;
    let retryAtMs = Number.POSITIVE_INFINITY;
    for (let step = 0; step < count; step++) {
      const index = (this.#keyCursor + step) % count;
      const record = this.#keys[index];
      if (record === undefined || record.disabled || tried.has(record.key.id)) continue;
      if (avoid !== undefined && record.project !== undefined && avoid.has(record.project)) continue;
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

  /** An attempt through `relay` succeeded (with `key`, when a key was used). */
  recordSuccess(relay: RelayRecord, key?: KeyRecord): void {
    if (key !== undefined && this.#relays.length > 1) this.#relayLimits.served(holderOf(key), relay.relay.id, this.#deps.now());
    if (markHealthy(relay)) this.#deps.onChange({ type: 'relay-healthy', relayId: relay.relay.id });
  }

  /** The relay-limit rule's call on Google's 429 for `key` through `relay` (relay-limit.ts). */
  relayLimit(key: KeyRecord, relay: RelayRecord): RelayLimitCall | undefined {
    return this.#relayLimits.limited(holderOf(key), relay.relay.id, this.#relays.length, this.#deps.now());
  }

  /** Applies a policy verdict to the key and relay of a failed attempt for `scope`. */
  apply(verdict: Verdict, key: KeyRecord, relay: RelayRecord, scope: string): void {
    if (verdict.key !== 'keep' || verdict.relay === 'unhealthy') key.failures++;
    if (verdict.key === 'cool' && verdict.coolUntilMs !== undefined) {
      const changes = this.#projects.coolAll(key, scope, verdict.coolUntilMs, verdict.reason);
      if (this.#relays.length > 1) this.#relayLimits.cooled(relay.relay.id, changes, this.#deps.now());
    }
    if (verdict.key === 'disable') {
      for (const record of verdict.wholeProject === true ? this.#projects.mates(key) : [key]) this.disable(record, verdict.reason);
    }
    if (verdict.key === 'lift') this.#lift(relay, verdict.reason);
    if (verdict.relay === 'unhealthy') this.#markUnhealthy(relay, verdict.reason);
  }

  /** Cools `record` for `scope` until `untilMs`; true when that is a change. */
  cool(record: KeyRecord, scope: string, untilMs: number, reason: string): boolean {
    if ((record.cooling.get(scope) ?? 0) >= untilMs) return false;
    // Scopes are looked up only when asked for again: drop the ended ones as new ones come.
    const now = this.#deps.now();
    for (const [other, end] of record.cooling) if (end <= now) record.cooling.delete(other);
    record.cooling.set(scope, untilMs);
    const project = record.project === undefined ? {} : { project: record.project };
    this.#deps.onChange({ type: 'key-cooling', keyId: record.key.id, scope, untilMs, reason, ...project });
    return true;
  }

  /** Takes a key out of rotation after an answer: until a probe finds it working again. */
  disable(record: KeyRecord, reason: string): void {
    if (record.disabled) return;
    const own = reason === MANUAL_REASON ? `${reason}_REPORTED` : reason; // the operator's mark is never a relay's
    record.disabled = { reason: own, sinceMs: this.#deps.now() };
    this.#deps.onChange({ type: 'key-disabled', keyId: record.key.id, reason: own });
  }

  /** Brings a key disabled by an answer back (a probe worked); a key disabled by hand stays out. */
  enable(record: KeyRecord, via: string): void {
    if (!record.disabled || disabledByHand(record)) return;
    record.disabled = undefined;
    this.#deps.onChange({ type: 'key-enabled', keyId: record.key.id, via });
  }

  /** Out of rotation by hand (`via`: the dashboard) until `enableByHand`, whatever disabled it before. */
  disableByHand(record: KeyRecord, via: string): void {
    if (disabledByHand(record)) return;
    record.disabled = { reason: MANUAL_REASON, sinceMs: this.#deps.now(), manual: true };
    this.#deps.onChange({ type: 'key-disabled', keyId: record.key.id, reason: MANUAL_REASON, manual: true, via });
  }

  /** Brings any disabled key back into rotation, by hand. */
  enableByHand(record: KeyRecord, via: string): void {
    if (!record.disabled) return;
    record.disabled = undefined;
    this.#deps.onChange({ type: 'key-enabled', keyId: record.key.id, via });
  }

  /** The key with this id, or undefined. */
  findKey(keyId: string): KeyRecord | undefined {
    return this.#keys.find((record) => record.key.id === keyId);
  }

  /** Takes note of the project Google named for `record` (`projects/NNN`, from an error body). */
  learnProject(record: KeyRecord, learned: string | undefined): void {
    this.#projects.learn(this.#keys, record, learned);
  }

  /** The state of every key that has some, by key id (the state file's). */
  exportState(): Record<string, SavedKeyState> {
    return exportKeyState(this.#keys, this.#deps.now());
  }

  /** Restores saved state onto the keys still listed; returns how many keys it touched. */
  importState(saved: Readonly<Record<string, SavedKeyState>>): number {
    const restored = importKeyState(this.#keys, saved, this.#deps.now());
    this.#projects.regroup(this.#keys);
    return restored;
  }

  /** Undoes what 429s through `relay` cooled lately: they were the relay's, not the keys'. */
  #lift(relay: RelayRecord, reason: string): void {
    const now = this.#deps.now();
    for (const { record, scope, untilMs, previous } of this.#relayLimits.takeCoolings(relay.relay.id, now)) {
      if (record.cooling.get(scope) !== untilMs) continue; // cooled again since, by another answer
      if (previous > now) record.cooling.set(scope, previous);
      else record.cooling.delete(scope);
      this.#deps.onChange({ type: 'key-uncooled', keyId: record.key.id, scope, reason });
    }
  }

  #markUnhealthy(record: RelayRecord, reason: string): void {
    markUnhealthy(record, reason, this.#deps.now());
    this.#deps.onChange({
      type: 'relay-unhealthy', relayId: record.relay.id, untilMs: record.unhealthyUntilMs,
      failures: record.consecutiveFailures, reason,
    });
  }
}

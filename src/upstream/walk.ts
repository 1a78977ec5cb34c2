/**
 * @module One request's walk over the key × relay matrix, shared by the HTTP dispatcher and the
 * Live API dialer so both pick and judge alike: which pair the next attempt takes (keys of
 * projects the request has not tried first; the same key again when only the relay was in
 * question), and what a failed attempt means (the error policy with its relay-limit rule, and the
 * once-per-request rule), applied to the rotator. No I/O.
 */

import { ProxyError } from '../errors.js';
import type { AttemptTrail } from './dispatch.js';
import type { EgressRecord } from './egress.js';
import { classify, type Attempted, type Outcome, type Verdict, type VerdictName } from './policy.js';
import type { KeyPick, KeyRecord, RelayRecord, Rotator } from './rotator.js';

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 2_000;

/** Shared "tried nothing yet": most requests never need a set of their own. */
const NONE: ReadonlySet<string> = new Set();

export interface WalkDeps {
  readonly rotator: Rotator;
  readonly now: () => number;
  /** Checks a relay the policy is unsure of with a known-good call (the prober's). */
  readonly checkRelay?: ((relay: RelayRecord) => void) | undefined;
}

/** What one attempt goes by: a key, through a relay, over an egress proxy or none (direct). */
export interface Via {
  readonly key: KeyRecord;
  readonly relay: RelayRecord;
  readonly egress: EgressRecord | undefined;
}

/** The way the next attempt takes, or why there is none. */
export type Step =
  | ({ readonly ok: true } & Via)
  /** `unavailable`: the pinned key is disabled or gone; `no-relay`: every relay (or egress proxy) was tried. */
  | { readonly ok: false; readonly why: 'none' | 'unavailable' | 'no-relay' }
  | { readonly ok: false; readonly why: 'cooling'; readonly retryAtMs: number };

/** Full-jitter exponential back-off before the next key after a 5xx (`count`: attempts so far). */
export function backoffMs(count: number, random: () => number): number {
  return Math.floor(random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (count - 1)));
}

/** Whether a verdict condemned its key on an answer the request may have caused. */
export function condemns(verdict: Verdict): boolean {
  return verdict.oncePerRequest === true && verdict.key !== 'keep';
}

/**
 * The once-per-request rule: a request (all its upstream calls, as its trail shows) condemns at
 * most one key on an answer the request itself may have caused (`oncePerRequest`). A second key
 * refused the same way says more about the request than about both keys: it is only passed over,
 * and a second cooling ends the request.
 */
function oncePerRequest(verdict: Verdict, trail: readonly AttemptTrail[]): Verdict {
  if (verdict.oncePerRequest !== true || !trail.some((entry) => entry.condemned === true)) return verdict;
  return { ...verdict, key: 'keep', ...(verdict.key === 'cool' && { next: 'return' as const }) };
}

export class Walk {
  readonly #deps: WalkDeps;
  readonly #scope: string;
  readonly #pinnedKeyId: string | undefined;
  #triedKeys: Set<string> | undefined;
  #triedProjects: Set<string> | undefined;
  #triedRelays: Set<string> | undefined;
  #triedEgress: Set<string> | undefined;
  /** The key the next attempt takes again: the relay, not the key, was in question. */
  #again: KeyRecord | undefined;

  /** `scope`: what a 429 cools; `pinnedKeyId`: the one key the request may use (key affinity). */
  constructor(deps: WalkDeps, scope: string, pinnedKeyId: string | undefined) {
    this.#deps = deps;
    this.#scope = scope;
    this.#pinnedKeyId = pinnedKeyId;
  }

  /** The way for the next attempt. */
  next(): Step {
    const { rotator } = this.#deps;
    for (;;) {
      const pick = this.#pickKey();
      if (!pick.ok) return pick;
      const key = pick.record;
      const egress = rotator.egress.pick(key.key, this.#triedEgress ?? NONE);
      if (egress === 'none') {
        // Every proxy the key may use failed this request. A key pinned to its own is passed
        // over; any other key would find the same proxies tried.
        if (key.key.egress === undefined || this.#pinnedKeyId !== undefined) return { ok: false, why: 'no-relay' };
        (this.#triedKeys ??= new Set()).add(key.key.id);
        continue;
      }
      const relay = rotator.pickRelay(this.#triedRelays ?? NONE);
      if (relay === undefined) return { ok: false, why: 'no-relay' };
      return { ok: true, key, relay, egress: egress === 'direct' ? undefined : egress };
    }
  }

  /** An attempt is about to go this way. */
  attempting({ key, relay, egress }: Via): void {
    this.#deps.rotator.recordAttempt(key, relay);
    if (egress !== undefined) egress.attempts++;
  }

  /**
   * Judges a failed attempt, applies the verdict to the rotator, and notes what the request has
   * tried. `trail` holds the request's earlier attempts.
   */
  judge(outcome: Outcome, attempted: Attempted, via: Via, trail: readonly AttemptTrail[]): Verdict {
    const { rotator } = this.#deps;
    const { key, relay, egress } = via;
    // First, so a 429 that names the project cools the whole project.
    if (outcome.kind === 'response') rotator.learnProject(key, outcome.error?.project);
    const verdict = oncePerRequest(this.#classify(outcome, attempted, key, relay), trail);
    rotator.apply(verdict, key, relay, this.#scope);
    if (verdict.egress === 'unhealthy' && egress !== undefined) rotator.egress.failed(egress, verdict.reason);
    if (verdict.relay === 'check') this.#deps.checkRelay?.(relay);
    this.#note(verdict, via);
    return verdict;
  }

  /** An attempt succeeded: the relay and egress proxy are well, and served this key. */
  served({ key, relay, egress }: Via): void {
    this.#deps.rotator.recordSuccess(relay, key);
    if (egress !== undefined) this.#deps.rotator.egress.served(egress);
  }

  /**
   * The proxy's 429 when the walk ends on keys that are cooling (or on `last`, a 429 itself):
   * `Retry-After` is when the first key can serve again. Undefined otherwise.
   */
  coolingRefusal(last: VerdictName | undefined, coolingUntil: number | undefined): ProxyError | undefined {
    const cooling = last === 'rate-limited' || (coolingUntil !== undefined && (last === undefined || last === 'key-invalid'));
    if (!cooling) return undefined;
    const retryAt = coolingUntil ?? this.#deps.rotator.retryAt(this.#scope);
    const seconds = Math.max(1, Math.ceil((retryAt - this.#deps.now()) / 1000));
    return new ProxyError('GP_KEYS_COOLING', undefined, { retryAfterSeconds: seconds });
  }

  #pickKey(): KeyPick | { readonly ok: false; readonly why: 'unavailable' } {
    const { rotator } = this.#deps;
    const tried = this.#triedKeys ?? NONE;
    if (this.#pinnedKeyId !== undefined) return rotator.pickPinned(this.#pinnedKeyId, this.#scope, tried);
    const again = this.#again;
    this.#again = undefined;
    const pick = again === undefined ? undefined : rotator.pickPinned(again.key.id, this.#scope, tried);
    return pick?.ok === true ? pick : rotator.pickKey(this.#scope, tried, this.#triedProjects);
  }

  /** The policy's verdict; a key's 429 is put to the relay-limit rule before it cools the key. */
  #classify(outcome: Outcome, attempted: Attempted, key: KeyRecord, relay: RelayRecord): Verdict {
    const nowMs = this.#deps.now();
    const verdict = classify(outcome, attempted, nowMs);
    if (verdict.name !== 'rate-limited' || verdict.oncePerRequest === true) return verdict;
    const relayLimit = this.#deps.rotator.relayLimit(key, relay);
    return relayLimit === undefined ? verdict : classify(outcome, { ...attempted, relayLimit }, nowMs);
  }

  #note(verdict: Verdict, { key, relay, egress }: Via): void {
    if (verdict.next === 'return') return;
    if (verdict.sameKey === true) this.#again = key;
    if (verdict.next === 'next-egress' && egress !== undefined) {
      (this.#triedEgress ??= new Set()).add(egress.proxy.id);
      return;
    }
    if (verdict.next === 'next-relay' || verdict.next === 'next-egress') {
      (this.#triedRelays ??= new Set()).add(relay.relay.id);
      return;
    }
    (this.#triedKeys ??= new Set()).add(key.key.id);
    if (key.project !== undefined) (this.#triedProjects ??= new Set()).add(key.project);
  }
}

/**
 * @module The relay-limit rule, beside the error policy's 429 rows. Google limits per IP address
 * too: when several different keys get Google's 429 through one relay within a short window, and
 * other relays still serve those keys, the limit is the relay's address, not the keys'. The relay
 * then backs off and the keys are not cooled (coolings its 429s caused in the window are lifted).
 * A storm of genuine key limits is told apart: through a lone relay, or with the same keys limited
 * through the other relays too, the keys cool as usual.
 *
 * Keys are counted by quota holder: their project when it is known (keys of one project are
 * limited together, which says nothing of the relay), else the key itself.
 *
 * `relayLimitCall` is the rule, pure; `RelayLimitWatch` keeps the sightings it reads. No I/O; the
 * clock is passed in.
 */

/** How far back sightings count: Google's per-minute windows. */
export const RELAY_LIMIT_WINDOW_MS = 60_000;
/** Distinct quota holders limited through one relay within the window before it is suspected. */
export const RELAY_LIMIT_HOLDERS = 3;

/** The latest outcome of one quota holder through one relay. */
export interface Sighting {
  readonly ok: boolean;
  readonly atMs: number;
}

/** Relay id → quota holder → its latest sighting through that relay. */
export type Sightings = ReadonlyMap<string, ReadonlyMap<string, Sighting>>;

/**
 * `relay`: the relay's address is limited (other relays served most of those holders).
 * `unsure`: the relay is suspected but no other relay has seen those holders lately: the key is
 * tried through another relay, whose answer decides the next time.
 */
export type RelayLimitCall = 'relay' | 'unsure';

function latestElsewhere(sightings: Sightings, relayId: string, holder: string, sinceMs: number): Sighting | undefined {
  let latest: Sighting | undefined;
  for (const [otherId, holders] of sightings) {
    if (otherId === relayId) continue;
    const seen = holders.get(holder);
    if (seen !== undefined && seen.atMs > sinceMs && (latest === undefined || seen.atMs > latest.atMs)) latest = seen;
  }
  return latest;
}

/**
 * The rule's call on a 429 through `relayId` (already in `sightings`), with `relayCount` relays
 * listed: undefined when the 429 is the key's own. Pure.
 */
export function relayLimitCall(sightings: Sightings, relayId: string, relayCount: number, nowMs: number): RelayLimitCall | undefined {
  const here = sightings.get(relayId);
  if (relayCount < 2 || here === undefined) return undefined;
  const sinceMs = nowMs - RELAY_LIMIT_WINDOW_MS;
  const limited: string[] = [];
  for (const [holder, seen] of here) if (!seen.ok && seen.atMs > sinceMs) limited.push(holder);
  if (limited.length < RELAY_LIMIT_HOLDERS) return undefined;
  let served = 0;
  let refused = 0;
  for (const holder of limited) {
    const elsewhere = latestElsewhere(sightings, relayId, holder, sinceMs);
    if (elsewhere?.ok === true) served++;
    else if (elsewhere !== undefined) refused++;
  }
  if (served > refused) return 'relay';
  return served + refused === 0 ? 'unsure' : undefined;
}

/**
 * The sightings the rule reads, and what the relays' 429s cooled (to lift it when the rule finds
 * the relay at fault). Successes are recorded only while a 429 is recent: the hot path pays one
 * comparison otherwise.
 */
export class RelayLimitWatch<Cooling> {
  readonly #sightings = new Map<string, Map<string, Sighting>>();
  #coolings: { readonly relayId: string; readonly atMs: number; readonly changes: readonly Cooling[] }[] = [];
  #last429Ms = Number.NEGATIVE_INFINITY;

  /** Records Google's 429 for `holder` through `relayId`; returns the rule's call on it. */
  limited(holder: string, relayId: string, relayCount: number, nowMs: number): RelayLimitCall | undefined {
    this.#last429Ms = nowMs;
    this.#prune(nowMs);
    this.#see(holder, relayId, { ok: false, atMs: nowMs });
    return relayLimitCall(this.#sightings, relayId, relayCount, nowMs);
  }

  /** Records a success of `holder` through `relayId`, when it may matter. */
  served(holder: string, relayId: string, nowMs: number): void {
    if (nowMs - this.#last429Ms > RELAY_LIMIT_WINDOW_MS) return;
    this.#see(holder, relayId, { ok: true, atMs: nowMs });
  }

  /** Remembers what a 429 through `relayId` cooled. */
  cooled(relayId: string, changes: readonly Cooling[], nowMs: number): void {
    if (changes.length > 0) this.#coolings.push({ relayId, atMs: nowMs, changes });
  }

  /** Takes what 429s through `relayId` cooled within the window, newest first (to undo in order). */
  takeCoolings(relayId: string, nowMs: number): Cooling[] {
    const sinceMs = nowMs - RELAY_LIMIT_WINDOW_MS;
    const taken = this.#coolings.filter((entry) => entry.relayId === relayId && entry.atMs > sinceMs);
    this.#coolings = this.#coolings.filter((entry) => entry.relayId !== relayId && entry.atMs > sinceMs);
    return taken.reverse().flatMap((entry) => [...entry.changes].reverse());
  }

  #see(holder: string, relayId: string, sighting: Sighting): void {
    let holders = this.#sightings.get(relayId);
    if (holders === undefined) {
      holders = new Map();
      this.#sightings.set(relayId, holders);
    }
    holders.set(holder, sighting);
  }

  /** Drops what is older than the window, so memory stays bounded by holders × relays. */
  #prune(nowMs: number): void {
    const sinceMs = nowMs - RELAY_LIMIT_WINDOW_MS;
    for (const [relayId, holders] of this.#sightings) {
      for (const [holder, seen] of holders) if (seen.atMs <= sinceMs) holders.delete(holder);
      if (holders.size === 0) this.#sightings.delete(relayId);
    }
    this.#coolings = this.#coolings.filter((entry) => entry.atMs > sinceMs);
  }
}

/**
 * @module Key affinity: which key made each Gemini resource (`files/abc` → key id), so every
 * later request about it goes out with that key (Google keeps resources per project). Holds key
 * ids only, never keys. The interface is small so a shared store can stand in for the memory one.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * How long Google keeps a resource, so an entry outlives it no longer: files 48 hours (Google
 * deletes them then), caches and batches a week (a cache's own TTL is usually an hour, and may be
 * extended; a batch runs up to 48 hours and its results stay a while), operations a week,
 * interactions 55 days, tuned models, search stores and corpora a year (they stay until deleted),
 * Live API tokens a day (they expire within 20 hours).
 */
export const RESOURCE_LIFETIMES_MS: Readonly<Record<string, number>> = {
  files: 48 * HOUR_MS,
  generatedFiles: 48 * HOUR_MS,
  cachedContents: 7 * DAY_MS,
  batches: 7 * DAY_MS,
  operations: 7 * DAY_MS,
  interactions: 55 * DAY_MS,
  tunedModels: 365 * DAY_MS,
  fileSearchStores: 365 * DAY_MS,
  corpora: 365 * DAY_MS,
  auth_tokens: DAY_MS,
};

/** The most resources remembered; past it the oldest entry goes first. */
export const MAX_AFFINITY_ENTRIES = 100_000;

export interface AffinityEntry {
  readonly keyId: string;
  readonly untilMs: number;
}

/** What changed in the map: an entry set (with its end), or one forgotten. */
export type AffinityChange =
  | { readonly resource: string; readonly keyId: string; readonly untilMs: number }
  | { readonly resource: string; readonly forgotten: true };

export interface ResourceAffinity {
  /** How many resources are remembered (0 lets the hot path skip looking). */
  readonly size: number;
  /** The id of the key that made `resource`, while it lives. */
  keyFor(resource: string): string | undefined;
  remember(resource: string, keyId: string): void;
  forget(resource: string): void;
  /** Every live entry, for the state file. */
  exportEntries(): Record<string, AffinityEntry>;
  /** Restores saved entries still alive; returns how many. */
  importEntries(entries: Readonly<Record<string, AffinityEntry>>): number;
}

function lifetimeOf(resource: string): number {
  const collection = resource.split('/', 1)[0] ?? '';
  return Object.hasOwn(RESOURCE_LIFETIMES_MS, collection) ? RESOURCE_LIFETIMES_MS[collection] ?? DAY_MS : DAY_MS;
}

/** The affinity map in memory: insertion-ordered, bounded, each entry dropped when its resource would be gone. */
export class MemoryAffinity implements ResourceAffinity {
  readonly #entries = new Map<string, AffinityEntry>();
  readonly #now: () => number;
  readonly #max: number;
  readonly #onChange: (change: AffinityChange) => void;

  constructor(now: () => number, onChange: (change: AffinityChange) => void = () => undefined, max = MAX_AFFINITY_ENTRIES) {
    this.#now = now;
    this.#onChange = onChange;
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  keyFor(resource: string): string | undefined {
    const entry = this.#entries.get(resource);
    if (entry === undefined) return undefined;
    if (entry.untilMs > this.#now()) return entry.keyId;
    this.#entries.delete(resource);
    return undefined;
  }

  remember(resource: string, keyId: string): void {
    const untilMs = this.#now() + lifetimeOf(resource);
    this.#set(resource, { keyId, untilMs });
    this.#onChange({ resource, keyId, untilMs });
  }

  forget(resource: string): void {
    if (this.#entries.delete(resource)) this.#onChange({ resource, forgotten: true });
  }

  /** Another process's change, applied quietly (nothing is announced back). */
  applyRemote(change: AffinityChange): void {
    if ('forgotten' in change) this.#entries.delete(change.resource);
    else if (change.untilMs > this.#now()) this.#set(change.resource, { keyId: change.keyId, untilMs: change.untilMs });
  }

  #set(resource: string, entry: AffinityEntry): void {
    this.#entries.delete(resource); // re-inserted last: the newest goes last
    this.#entries.set(resource, entry);
    this.#evict();
  }

  exportEntries(): Record<string, AffinityEntry> {
    const now = this.#now();
    const live: Record<string, AffinityEntry> = {};
    for (const [resource, entry] of this.#entries) if (entry.untilMs > now) live[resource] = entry;
    return live;
  }

  importEntries(entries: Readonly<Record<string, AffinityEntry>>): number {
    const now = this.#now();
    let restored = 0;
    for (const [resource, entry] of Object.entries(entries)) {
      if (entry.untilMs <= now) continue;
      this.#entries.set(resource, { keyId: entry.keyId, untilMs: entry.untilMs });
      restored++;
    }
    this.#evict();
    return restored;
  }

  #evict(): void {
    for (const resource of this.#entries.keys()) {
      if (this.#entries.size <= this.#max) return;
      this.#entries.delete(resource);
    }
  }
}

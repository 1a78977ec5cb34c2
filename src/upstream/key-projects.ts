/**
 * @module The rotator's keys by project: which keys spend one quota (grouped by
 * src/upstream/projects.ts), cooled together, and what Google's error bodies teach about them.
 * No I/O; the clock is passed in.
 */

import type { KeyRecord } from './key-records.js';
import { groupProjects } from './projects.js';
import type { StateChange } from './rotator.js';

export interface KeyProjectsDeps {
  readonly now: () => number;
  readonly onChange: (change: StateChange) => void;
  /** The rotator's cooling of one key; true when it changed something. */
  readonly cool: (record: KeyRecord, scope: string, untilMs: number, reason: string) => boolean;
}

/** A cooling a 429 set, with the one it replaced: what lifting it restores. */
export interface Cooling {
  readonly record: KeyRecord;
  readonly scope: string;
  readonly untilMs: number;
  readonly previous: number;
}

export class KeyProjects {
  /** Project id → its keys; rebuilt whenever what is known of projects changes. */
  #members = new Map<string, KeyRecord[]>();
  readonly #deps: KeyProjectsDeps;

  constructor(deps: KeyProjectsDeps) {
    this.#deps = deps;
  }

  /** Sets each record's project from its label and what was learned (after any change to either). */
  regroup(records: readonly KeyRecord[]): void {
    const groups = groupProjects(records.map((record) => ({
      keyId: record.key.id, declared: record.key.project, learned: record.learnedProject,
    })));
    this.#members = new Map();
    for (const record of records) {
      record.project = groups.get(record.key.id);
      if (record.project === undefined) continue;
      const members = this.#members.get(record.project);
      if (members === undefined) this.#members.set(record.project, [record]);
      else members.push(record);
    }
  }

  /** The keys whose quota `record` spends: its project's, or itself alone. */
  mates(record: KeyRecord): readonly KeyRecord[] {
    return (record.project === undefined ? undefined : this.#members.get(record.project)) ?? [record];
  }

  /** A 429 spends the project's quota for `scope`: every key of it cools. Returns what changed. */
  coolAll(key: KeyRecord, scope: string, untilMs: number, reason: string): Cooling[] {
    const changes: Cooling[] = [];
    for (const record of this.mates(key)) {
      const previous = record.cooling.get(scope) ?? 0;
      if (this.#deps.cool(record, scope, untilMs, reason)) changes.push({ record, scope, untilMs, previous });
    }
    return changes;
  }

  /**
   * Takes note of the project Google named for `record` (`projects/NNN`). Keys found to share it
   * are reported once (the event names them), and from now on cool together.
   */
  learn(records: readonly KeyRecord[], record: KeyRecord, learned: string | undefined): void {
    if (learned === undefined || record.learnedProject === learned) return;
    const before = new Set(this.mates(record));
    record.learnedProject = learned;
    this.regroup(records);
    const mates = this.mates(record);
    const joined = mates.filter((mate) => !before.has(mate)).map((mate) => mate.key.id);
    this.#deps.onChange({
      type: 'key-project', keyId: record.key.id, project: record.project ?? learned, learned,
      ...(joined.length > 0 && { sharesQuotaWith: joined }),
    });
    this.#shareCoolings(mates);
  }

  /** Keys just found to share a project take each other's coolings: the quota is one. */
  #shareCoolings(mates: readonly KeyRecord[]): void {
    if (mates.length < 2) return;
    const now = this.#deps.now();
    const ends = new Map<string, number>();
    for (const mate of mates) {
      for (const [scope, until] of mate.cooling) if (until > now && until > (ends.get(scope) ?? 0)) ends.set(scope, until);
    }
    for (const mate of mates) for (const [scope, until] of ends) this.#deps.cool(mate, scope, until, 'SHARED_PROJECT');
  }
}

/**
 * @module What one process must do alone: write `--state-file` and run the recovery prober.
 * Serving alone, this process is its own lead. Under `--workers` (with or without `--redis`) the
 * primary makes one worker the lead (cluster-hub.ts); every worker loads the state file at start,
 * but only the lead writes it, with what every process learned (the others' changes reach it as
 * remote changes, `watchRemote`), and only the lead probes: it also confirms at once a key
 * another process's answer disabled. When the lead dies the next one takes over, saving at once
 * and starting its prober. With `--redis`, each instance has its own lead, file and prober.
 */

import type { Logger } from '../log/logger.js';
import type { WorkerGroup } from './cluster.js';
import type { SharedChange, StateLink } from './link.js';

export interface LeadParts {
  /** Absent without `--state-file`. */
  readonly stateFile: { scheduleSave(): void } | undefined;
  readonly prober: { start(intervalMs: number): void; stop(): void; confirm(keyId: string): void };
  readonly probeIntervalMs: number;
  readonly log: Logger;
}

/** Remote changes the state file holds: key state and resource owners. */
function saved(change: SharedChange): boolean {
  return change.type.startsWith('key-') || change.type === 'resource' || change.type === 'resource-forgotten';
}

export class LeadChores {
  readonly #parts: LeadParts;
  #lead: boolean;
  #listening = false;
  #stopping = false;

  /** `group`: this worker's under `--workers` (cluster.ts `workerGroup()`); undefined serving alone. */
  constructor(group: WorkerGroup | undefined, parts: LeadParts) {
    this.#parts = parts;
    this.#lead = group === undefined;
    group?.onLead(() => this.#become());
  }

  /** Whether this process writes the state file and probes. */
  get lead(): boolean {
    return this.#lead;
  }

  /** Something the state file holds changed here: the lead saves it (soon, at most once a second). */
  save(): void {
    if (this.#lead) this.#parts.stateFile?.scheduleSave();
  }

  /** The daemon listens: the lead starts probing (a worker made lead later starts then). */
  listening(): void {
    this.#listening = true;
    if (this.#lead) this.#parts.prober.start(this.#parts.probeIntervalMs);
  }

  /**
   * The daemon shuts down: probing stops, and a worker made the lead from now on does not take the
   * role (the lead may exit first while this one drains; it would save after its log closed). A
   * lead keeps saving what it learns while it drains: its last save is flushed at the end.
   */
  stop(): void {
    this.#stopping = true;
    this.#parts.prober.stop();
  }

  /** A change another process made, applied here: the lead saves it, and confirms a key it says is disabled. */
  remote(change: SharedChange): void {
    if (!this.#lead) return;
    if (saved(change)) this.save();
    // The process whose answer disabled the key does not probe: the lead does (never a key disabled by hand).
    if (change.type === 'key-disabled') this.#parts.prober.confirm(change.keyId);
  }

  #become(): void {
    if (this.#stopping) return;
    this.#lead = true;
    this.#parts.log.info({ event: 'lead', stateFile: this.#parts.stateFile !== undefined, probeIntervalMs: this.#parts.probeIntervalMs },
      'this worker writes the state file and runs the recovery prober');
    // The file may lag what the workers learned (the last lead may have died before its save).
    this.save();
    if (this.#listening) this.#parts.prober.start(this.#parts.probeIntervalMs);
  }
}

/** `link` as the daemon applies it: each change another process made is also handed to `seen`, once applied. */
export function watchRemote(link: StateLink, seen: (change: SharedChange) => void): StateLink {
  return {
    sessions: link.sessions,
    publish: (change) => link.publish(change),
    onRemote: (apply) => link.onRemote((change) => {
      apply(change);
      seen(change);
    }),
    snapshot: () => link.snapshot(),
    takeUserMessage: (userId, rate, nowMs) => link.takeUserMessage(userId, rate, nowMs),
    health: () => link.health(),
    close: () => link.close(),
  };
}

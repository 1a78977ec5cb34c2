/**
 * @module This process's part in the shared state: what the rotator, the affinity map and the
 * upload sessions learn is published through the state link (usage counts go out in batches,
 * from the usage ledger itself), and what other processes learned
 * is applied here, quietly. On start (and whenever the link comes back) the link's snapshot
 * brings this process up to date. Never on a request's path: publishing does not wait.
 */

import type { Logger } from '../log/logger.js';
import type { ResourceAffinity, AffinityChange } from '../state/affinity.js';
import type { SharedChange, StateLink } from '../state/link.js';
import type { UploadSession, UploadSessions } from '../state/uploads.js';
import type { Rotator, StateChange } from '../upstream/rotator.js';
import { applyShared, toShared } from '../upstream/shared-changes.js';
import type { UsageLedger } from '../upstream/usage-ledger.js';

export interface SyncedParts {
  readonly rotator: Rotator;
  readonly affinity: ResourceAffinity & { applyRemote(change: AffinityChange): void };
  readonly uploads: UploadSessions;
  /** Usage counts: other processes' batches are added, a snapshot's totals merged. */
  readonly usage?: UsageLedger;
}

export class StateSync {
  readonly #link: StateLink;
  readonly #now: () => number;
  #parts: SyncedParts | undefined;

  constructor(link: StateLink, now: () => number) {
    this.#link = link;
    this.#now = now;
  }

  /** Starts applying other processes' changes to `parts`. */
  attach(parts: SyncedParts): void {
    this.#parts = parts;
    this.#link.onRemote((change) => this.#apply(change));
  }

  /** Brings this process up to date with the changes still in force elsewhere. */
  async resync(log: Logger): Promise<void> {
    try {
      const changes = await this.#link.snapshot();
      for (const change of changes) this.#apply(change);
      if (changes.length > 0) log.info({ event: 'state-resynced', changes: changes.length }, 'shared state applied');
    } catch (error) {
      log.warn({ event: 'state-resync-failed', err: error }, 'shared state could not be read; serving on local state');
    }
  }

  readonly rotatorChanged = (change: StateChange): void => {
    const shared = toShared(change, this.#now());
    if (shared !== undefined) this.#link.publish(shared);
  };

  readonly affinityChanged = (change: AffinityChange): void => {
    this.#link.publish('forgotten' in change
      ? { type: 'resource-forgotten', name: change.resource }
      : { type: 'resource', name: change.resource, keyId: change.keyId, untilMs: change.untilMs });
  };

  readonly uploadOpened = (id: string, session: UploadSession, untilMs: number): void => {
    this.#link.publish({ type: 'upload', id, keyId: session.keyId, upstreamPath: session.upstreamPath, untilMs });
  };

  #apply(change: SharedChange): void {
    const parts = this.#parts;
    if (parts === undefined) return;
    switch (change.type) {
      case 'resource': return parts.affinity.applyRemote({ resource: change.name, keyId: change.keyId, untilMs: change.untilMs });
      case 'resource-forgotten': return parts.affinity.applyRemote({ resource: change.name, forgotten: true });
      case 'usage': return parts.usage?.apply(change);
      case 'upload':
        if (change.untilMs > this.#now()) parts.uploads.adopt(change.id, { keyId: change.keyId, upstreamPath: change.upstreamPath }, change.untilMs);
        return;
      default:
        applyShared(parts.rotator, change);
    }
  }
}

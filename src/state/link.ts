/**
 * @module How one process shares what it learns with the others serving the same keys: one small
 * interface, three links behind it (the embedded memory default, `--workers` through the primary
 * process, `--redis` through Redis). The hot path never waits on a link: changes are published
 * fire-and-forget and applied locally by every other process; only what must be exact (a user's
 * message rate, a chat's history) is asked of the link and awaited. Keys appear only by id.
 */

import type { UsageDoc } from '../upstream/usage.js';
import type { SessionStore } from './sessions.js';

/** A change one process made that every other applies to its local copy. JSON-safe. */
export type SharedChange =
  | { readonly type: 'key-cooling'; readonly keyId: string; readonly scope: string; readonly untilMs: number; readonly reason: string }
  | { readonly type: 'key-uncooled'; readonly keyId: string; readonly scope: string }
  /** `reason` `MANUAL` (src/upstream/key-records.ts): disabled by hand, back only by hand. */
  | { readonly type: 'key-disabled'; readonly keyId: string; readonly reason: string; readonly sinceMs: number }
  | { readonly type: 'key-enabled'; readonly keyId: string }
  /** Google named the key's project (`projects/NNN`). */
  | { readonly type: 'key-project'; readonly keyId: string; readonly learned: string }
  | {
    readonly type: 'path-health';
    readonly path: 'relay' | 'egress';
    readonly id: string;
    /** 0: healthy again. */
    readonly unhealthyUntilMs: number;
    readonly consecutiveFailures: number;
    readonly reason?: string;
  }
  /** A resource (file, cache, batch, token) and the key that made it, until it would be gone. */
  | { readonly type: 'resource'; readonly name: string; readonly keyId: string; readonly untilMs: number }
  | { readonly type: 'resource-forgotten'; readonly name: string }
  /** An upload in progress: its id in the client's upload URL, the key and Google's path. */
  | { readonly type: 'upload'; readonly id: string; readonly keyId: string; readonly upstreamPath: string; readonly untilMs: number }
  /** Usage counts (src/upstream/usage.ts): a process's batch of new counts, or (`whole`) a snapshot's totals. */
  | { readonly type: 'usage'; readonly counts: UsageDoc; readonly whole: boolean };

/** A message-rate limit: at most `requests` in any window of `perMs`. */
export interface WindowRate {
  readonly requests: number;
  readonly perMs: number;
}

export interface LinkHealth {
  readonly kind: 'memory' | 'cluster' | 'redis';
  /** False while the link is down (the process serves on its local copy meanwhile). */
  readonly connected: boolean;
  /** Epoch ms of the last change of `connected`. */
  readonly sinceMs: number;
  /** `--workers`: the pid of the worker that writes `--state-file` and runs the recovery prober. */
  readonly leadPid?: number;
}

export interface StateLink {
  /** Sends a change this process made to every other. Never waits, never throws. */
  publish(change: SharedChange): void;
  /** Registers the one handler for changes made by other processes (never this one's own). */
  onRemote(apply: (change: SharedChange) => void): void;
  /**
   * The changes still in force, for a process that starts or reconnects: each key's cooling and
   * disabled state, paths' health, resources, uploads. Resolves [] when the link has none.
   */
  snapshot(): Promise<readonly SharedChange[]>;
  /**
   * Exact across processes: 0 when `userId` may send one more message now (it is counted), else
   * the ms until it may. Rejects with a ProxyError `GP_STATE_UNAVAILABLE` (503) when the link is
   * down: a limit that cannot be checked is not silently lifted.
   */
  takeUserMessage(userId: string, rate: WindowRate, nowMs: number): Promise<number>;
  /** The chat-session store every process reads and writes. */
  readonly sessions: SessionStore;
  health(): LinkHealth;
  close(): Promise<void>;
}

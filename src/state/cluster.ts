/**
 * @module A worker's link to the primary process under `--workers`: changes go to the primary,
 * which relays them to every other worker; what must be exact (a user's message rate, the chat
 * sessions) is asked of the primary, which holds it (cluster-hub.ts). The channel is the IPC
 * channel node:cluster opens, behind a small interface so tests use an in-memory pair. A request
 * the primary does not answer in time, or while it is gone, rejects with GP_STATE_UNAVAILABLE:
 * nothing ever waits forever, and a limit that cannot be checked is not lifted. The link is also
 * the worker's part in the group: it answers the primary's gatherings with its providers' values,
 * and hears whether it is the lead.
 */

import cluster from 'node:cluster';
import { ProxyError } from '../errors.js';
import {
  isStateMessage, STATE_TAG, type PrimaryMessage, type StateReplies, type StateRequest, type WorkerMessage,
} from './cluster-hub.js';
import { unrefTimer, type Timer } from './hub-gather.js';
import type { LinkHealth, SharedChange, StateLink, WindowRate } from './link.js';
import type { SessionStore } from './sessions.js';

/** The worker's end of the channel to the primary. */
export interface IpcChannel {
  /** Sends one message; false when the channel is closed and the message was dropped. Never throws. */
  send(message: WorkerMessage): boolean;
  onMessage(handler: (message: unknown) => void): void;
  /** Called once when the channel closes: the primary is gone. */
  onClose(handler: () => void): void;
}

export interface ClusterLinkOptions {
  /** How long a request waits for the primary's answer. */
  readonly requestTimeoutMs?: number;
  readonly now?: () => number;
  /** Calls `fire` after `ms` unless the returned cancel is called first (tests fire it themselves). */
  readonly timer?: Timer;
}

/** Long enough for a busy primary, short enough that a client is answered while it still waits. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Remote changes kept until the daemon registers its handler (it does so at start-up). */
const MAX_EARLY_CHANGES = 10_000;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: ProxyError) => void;
  readonly cancel: () => void;
}

function unavailable(why: string): ProxyError {
  return new ProxyError('GP_STATE_UNAVAILABLE', `the shared state is unavailable: ${why}`);
}

/**
 * A worker's part in the group under `--workers`, whatever its state link (with `--redis` too):
 * one view across the live workers (gather.ts), and one worker, the lead, doing what one process
 * must do alone (lead.ts).
 */
export interface WorkerGroup {
  /** Registers this worker's value for `topic` (JSON-safe), which the primary asks for when any worker gathers it. */
  provide(topic: string, provider: () => unknown): void;
  /** Every live worker's value for `topic`, this one's included; a worker that does not answer in time is left out. */
  gather(topic: string): Promise<readonly unknown[]>;
  /** Calls `become` once the primary makes this worker the lead (at once if it is already). */
  onLead(become: () => void): void;
}

export class ClusterLink implements StateLink, WorkerGroup {
  readonly sessions: SessionStore;
  readonly #channel: IpcChannel;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #timer: Timer;
  readonly #pending = new Map<number, Pending>();
  readonly #providers = new Map<string, () => unknown>();
  #become: (() => void) | undefined;
  #isLead = false;
  #leadPid: number | undefined;
  #nextId = 1;
  #apply: ((change: SharedChange) => void) | undefined;
  #early: SharedChange[] = [];
  /** False once the channel closed (for good) or a request went unanswered (until the next message). */
  #connected = true;
  #channelOpen = true;
  #sinceMs: number;
  #stopInflight: (() => void) | undefined;

  constructor(channel: IpcChannel, options: ClusterLinkOptions = {}) {
    this.#channel = channel;
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#timer = options.timer ?? unrefTimer;
    this.#sinceMs = this.#now();
    channel.onMessage((message) => this.#receive(message));
    channel.onClose(() => this.#lose('the primary process is gone'));
    // Listening now: the primary may tell this worker its role.
    channel.send({ gp: STATE_TAG, t: 'hello' });
    this.sessions = {
      open: (settings, nowMs) => this.#request({ op: 'open', settings, nowMs }),
      get: async (chatId, nowMs) => (await this.#request({ op: 'get', chatId, nowMs })) ?? undefined,
      save: async (chatId, history, nowMs) => {
        await this.#request({ op: 'save', chatId, history, nowMs });
      },
      end: (chatId, nowMs) => this.#request({ op: 'end', chatId, nowMs }),
    };
  }

  publish(change: SharedChange): void {
    // A change that cannot be sent is lost to the others; this process keeps it all the same.
    if (this.#channelOpen) this.#channel.send({ gp: STATE_TAG, t: 'publish', change });
  }

  onRemote(apply: (change: SharedChange) => void): void {
    this.#apply = apply;
    const early = this.#early;
    this.#early = [];
    for (const change of early) apply(change);
  }

  /** Rejects with GP_STATE_UNAVAILABLE when the primary cannot be asked (serve on the local state then). */
  snapshot(): Promise<readonly SharedChange[]> {
    return this.#request({ op: 'snapshot' });
  }

  takeUserMessage(userId: string, rate: WindowRate, nowMs: number): Promise<number> {
    return this.#request({ op: 'take', userId, rate, nowMs });
  }

  health(): LinkHealth {
    return { kind: 'cluster', connected: this.#connected, sinceMs: this.#sinceMs, ...(this.#leadPid !== undefined && { leadPid: this.#leadPid }) };
  }

  provide(topic: string, provider: () => unknown): void {
    const known = this.#providers.has(topic);
    this.#providers.set(topic, provider);
    if (!known && this.#channelOpen) this.#channel.send({ gp: STATE_TAG, t: 'provide', topic });
  }

  /** Rejects with GP_STATE_UNAVAILABLE when the primary cannot be asked. */
  gather(topic: string): Promise<readonly unknown[]> {
    return this.#request({ op: 'gather', topic });
  }

  onLead(become: () => void): void {
    this.#become = become;
    if (this.#isLead) become();
  }

  /**
   * Tells the primary, every `everyMs` when it changed, how many requests this worker is
   * serving, so that if this worker dies the primary can log how many were lost.
   */
  watchInflight(read: () => number, everyMs = 1_000): void {
    this.#stopInflight?.();
    let last = -1;
    const report = (): void => {
      const count = read();
      if (count === last || !this.#channelOpen) return;
      last = count;
      this.#channel.send({ gp: STATE_TAG, t: 'inflight', count });
    };
    report();
    const handle = setInterval(report, everyMs);
    handle.unref();
    this.#stopInflight = () => clearInterval(handle);
  }

  /** Stops reporting and fails what still waits; the channel itself belongs to node:cluster. */
  async close(): Promise<void> {
    this.#stopInflight?.();
    this.#lose('the link is closed');
  }

  #request<O extends StateRequest['op']>(request: Extract<StateRequest, { op: O }>): Promise<StateReplies[O]> {
    if (!this.#channelOpen) return Promise.reject(unavailable('the primary process is gone'));
    const id = this.#nextId++;
    return new Promise<StateReplies[O]>((resolve, reject) => {
      const cancel = this.#timer(this.#timeoutMs, () => {
        this.#pending.delete(id);
        this.#setConnected(false);
        reject(unavailable(`the primary process did not answer within ${this.#timeoutMs} ms`));
      });
      // The primary's replies are its own answers to these requests: their shape is the protocol's.
      this.#pending.set(id, { resolve: (value) => resolve(value as StateReplies[O]), reject, cancel });
      if (!this.#channel.send({ gp: STATE_TAG, t: 'request', id, request })) this.#lose('the primary process is gone');
    });
  }

  #receive(message: unknown): void {
    if (!isStateMessage(message)) return;
    // Any word from the primary means it is there again after a request went unanswered.
    this.#setConnected(true);
    const body = message as unknown as PrimaryMessage;
    if (body.t === 'change') this.#deliver(body.change);
    else if (body.t === 'reply') this.#settle(body);
    else if (body.t === 'lead') this.#learnLead(body);
    else if (body.t === 'collect') void this.#collect(body.id, body.topic);
  }

  #deliver(change: SharedChange): void {
    if (this.#apply !== undefined) this.#apply(change);
    else if (this.#early.length < MAX_EARLY_CHANGES) this.#early.push(change);
  }

  /** A lead stays the lead while it lives: the primary only picks another when it is gone. */
  #learnLead(message: Extract<PrimaryMessage, { t: 'lead' }>): void {
    this.#leadPid = message.pid ?? undefined;
    if (!message.self || this.#isLead) return;
    this.#isLead = true;
    this.#become?.();
  }

  /** Answers a gathering with this worker's value; nothing when it has no provider or the provider fails. */
  async #collect(id: number, topic: string): Promise<void> {
    const provider = this.#providers.get(topic);
    let value: unknown;
    try {
      value = provider === undefined ? undefined : await provider();
    } catch {
      value = undefined;
    }
    if (this.#channelOpen) this.#channel.send({ gp: STATE_TAG, t: 'collected', id, ...(value !== undefined && { value }) });
  }

  #settle(reply: Extract<PrimaryMessage, { t: 'reply' }>): void {
    const pending = this.#pending.get(reply.id);
    // An answer that came after its request timed out, or to no request of ours: nobody waits for it.
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    pending.cancel();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new ProxyError(reply.code, reply.message));
  }

  /** The channel is gone for good: every request waiting and to come fails at once. */
  #lose(why: string): void {
    this.#channelOpen = false;
    this.#setConnected(false);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) {
      request.cancel();
      request.reject(unavailable(why));
    }
  }

  #setConnected(connected: boolean): void {
    if (connected === this.#connected || (connected && !this.#channelOpen)) return;
    this.#connected = connected;
    this.#sinceMs = this.#now();
  }
}

/** The worker's IPC channel to the primary, as node:cluster set it up. */
export function processChannel(proc: NodeJS.Process = process): IpcChannel {
  return {
    send: (message) => {
      if (proc.send === undefined || !proc.connected) return false;
      // The callback keeps a send that fails later (the channel closing) from becoming an 'error' event.
      proc.send(message, undefined, undefined, () => undefined);
      return true;
    },
    onMessage: (handler) => {
      proc.on('message', handler);
    },
    onClose: (handler) => {
      proc.once('disconnect', handler);
    },
  };
}

/**
 * In a `--workers` worker, calls `drain` when the primary asks it to stop: with the signal the
 * primary received, and `now` when that was its second (stop at once).
 */
export function onDrainRequest(drain: (signal: string, now: boolean) => void): void {
  if (!cluster.isWorker) return;
  process.on('message', (message: unknown) => {
    if (!isStateMessage(message) || message.t !== 'drain') return;
    drain(typeof message['signal'] === 'string' ? message['signal'] : 'SIGTERM', message['now'] === true);
  });
}

/** This process's link to the primary, once made: one per worker, so the primary hears one hello. */
let processLink: ClusterLink | undefined;

/** In a `--workers` worker, its link to the primary; undefined in a process serving alone. */
export function workerLink(options: ClusterLinkOptions = {}): ClusterLink | undefined {
  if (!cluster.isWorker) return undefined;
  processLink ??= new ClusterLink(processChannel(), options);
  return processLink;
}

/**
 * In a `--workers` worker, its part in the group (the link to the primary, made here when the
 * state link is Redis); undefined in a process serving alone.
 */
export function workerGroup(): WorkerGroup | undefined {
  return workerLink();
}

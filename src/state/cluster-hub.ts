/**
 * @module The primary's side of `--workers`: the one place that holds what must be exact across
 * the workers (the chat sessions and each user's message window) and the latest shared key and
 * path state. It relays every worker's change to all the others, answers their requests, and
 * gives a starting (or restarted) worker a snapshot. It also picks the lead, the one worker that
 * writes `--state-file` and runs the recovery prober (the oldest live one; when it dies, the next
 * oldest), and gathers a topic's values from every worker (hub-gather.ts). No I/O of its own:
 * each worker is a `send` function and its messages are handed to `receive`, so tests wire it to
 * in-memory channels. The message protocol between a worker (cluster.ts) and this hub is here.
 */

import { ProxyError, type ProxyErrorCode } from '../errors.js';
import type { Content } from '../protocols/gemini/types.js';
import { entryOf, subjectName, type EntryChange } from './entries.js';
import type { SharedChange, WindowRate } from './link.js';
import { MemorySessionStore, type SessionLimits } from './memory-sessions.js';
import type { Chat, ChatSettings, OpenResult } from './sessions.js';
import { MAX_RATED_USERS } from './memory.js';
import { SlidingWindow } from './sliding-window.js';
import { Collector, type CollectorOptions } from './hub-gather.js';
import { UsageTotalsKeeper } from '../upstream/usage-ledger.js';

/** Marks our messages on the IPC channel, which node:cluster and others share. */
export const STATE_TAG = 'gemini-proxy/state';

/** What a worker asks of the primary and awaits. */
export type StateRequest =
  | { readonly op: 'snapshot' }
  | { readonly op: 'take'; readonly userId: string; readonly rate: WindowRate; readonly nowMs: number }
  | { readonly op: 'open'; readonly settings: ChatSettings; readonly nowMs: number }
  | { readonly op: 'get'; readonly chatId: string; readonly nowMs: number }
  | { readonly op: 'save'; readonly chatId: string; readonly history: readonly Content[]; readonly nowMs: number }
  | { readonly op: 'end'; readonly chatId: string; readonly nowMs: number }
  /** Every live worker's value for a topic (hub-gather.ts). */
  | { readonly op: 'gather'; readonly topic: string };

/** The value each request resolves with (`null` stands for "none": JSON has no undefined). */
export interface StateReplies {
  snapshot: readonly SharedChange[];
  take: number;
  open: OpenResult;
  get: Chat | null;
  save: null;
  end: boolean;
  gather: readonly unknown[];
}

/** Worker → primary. */
export type WorkerMessage =
  | { readonly gp: typeof STATE_TAG; readonly t: 'publish'; readonly change: SharedChange }
  | { readonly gp: typeof STATE_TAG; readonly t: 'request'; readonly id: number; readonly request: StateRequest }
  /** How many requests the worker is serving, so its death can say how many were lost. */
  | { readonly gp: typeof STATE_TAG; readonly t: 'inflight'; readonly count: number }
  /** The worker's link is up: it hears its role from now on. */
  | { readonly gp: typeof STATE_TAG; readonly t: 'hello' }
  /** The worker has a provider for this topic: ask it when the topic is gathered. */
  | { readonly gp: typeof STATE_TAG; readonly t: 'provide'; readonly topic: string }
  /** Its answer to a `collect`; no `value`: nothing to give. */
  | { readonly gp: typeof STATE_TAG; readonly t: 'collected'; readonly id: number; readonly value?: unknown };

/** Primary → worker. */
export type PrimaryMessage =
  | { readonly gp: typeof STATE_TAG; readonly t: 'change'; readonly change: SharedChange }
  /** Drain as on the signal the primary received; `now`: its second signal, stop at once (handled by serve.ts). */
  | { readonly gp: typeof STATE_TAG; readonly t: 'drain'; readonly signal: string; readonly now: boolean }
  | { readonly gp: typeof STATE_TAG; readonly t: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly gp: typeof STATE_TAG; readonly t: 'reply'; readonly id: number; readonly ok: false; readonly code: ProxyErrorCode; readonly message: string }
  /** Which worker is the lead: this one (`self`) or another; `pid` null when the primary does not know it. */
  | { readonly gp: typeof STATE_TAG; readonly t: 'lead'; readonly self: boolean; readonly pid: number | null }
  /** Asks for the worker's value of a topic, for the collection `id`. */
  | { readonly gp: typeof STATE_TAG; readonly t: 'collect'; readonly id: number; readonly topic: string };

/** Whether a message on the channel is one of ours (node:cluster sends its own on it too). */
export function isStateMessage(message: unknown): message is { gp: typeof STATE_TAG; t: string } & Record<string, unknown> {
  return typeof message === 'object' && message !== null && (message as { gp?: unknown }).gp === STATE_TAG
    && typeof (message as { t?: unknown }).t === 'string';
}

const CHANGE_TYPES: ReadonlySet<string> = new Set<SharedChange['type']>([
  'key-cooling', 'key-uncooled', 'key-disabled', 'key-enabled', 'key-project', 'path-health', 'resource', 'resource-forgotten', 'upload', 'usage',
]);

/** A change the hub knows how to keep: a malformed one must not take the primary down. */
function isChange(value: unknown): value is SharedChange {
  return typeof value === 'object' && value !== null && CHANGE_TYPES.has(String((value as { type?: unknown }).type));
}

export interface HubOptions {
  /** The same limits one process would apply to its chats. */
  readonly sessions: SessionLimits;
  readonly newChatId: () => string;
  readonly now: () => number;
  /** Gathering's time limit, timer and report of a silent worker. */
  readonly gather?: CollectorOptions;
}

interface Peer {
  readonly send: (message: PrimaryMessage) => void;
  readonly pid: number | undefined;
  inflight: number | undefined;
  /** It said hello: its link listens, so it can be told its role. */
  ready: boolean;
  /** The topics it provides. */
  readonly topics: Set<string>;
}

export class ClusterHub {
  readonly #peers = new Map<number, Peer>();
  /** The latest change per slot still in force, oldest first. */
  readonly #state = new Map<string, EntryChange>();
  readonly #store: MemorySessionStore;
  readonly #windows = new SlidingWindow(MAX_RATED_USERS);
  readonly #now: () => number;
  readonly #collector: Collector;
  /** Expired changes are swept when the state grows past this, so it never grows without bound. */
  #sweepAt = 1024;
  /** The workers' usage counts, summed. */
  readonly #usage = new UsageTotalsKeeper();
  #lead: number | undefined;

  constructor(options: HubOptions) {
    this.#store = new MemorySessionStore(options.sessions, options.newChatId);
    this.#now = options.now;
    this.#collector = new Collector(options.gather);
  }

  /** A worker joined (its process `pid`, when known); `send` must never throw (a closed channel drops the message). */
  join(workerId: number, send: (message: PrimaryMessage) => void, pid?: number): void {
    this.#peers.set(workerId, { send, pid, inflight: undefined, ready: false, topics: new Set() });
  }

  /** A worker is gone; returns how many requests it last said it was serving, if it ever did. */
  leave(workerId: number): { inflight: number | undefined } {
    const peer = this.#peers.get(workerId);
    this.#peers.delete(workerId);
    this.#collector.left(workerId);
    if (this.#lead === workerId) this.#designate();
    return { inflight: peer?.inflight };
  }

  /** The lead's worker id, while there is one. */
  get lead(): number | undefined {
    return this.#lead;
  }

  /** Handles one message from a worker; anything not ours, or from a worker not joined, is ignored. */
  receive(workerId: number, message: unknown): void {
    const peer = this.#peers.get(workerId);
    if (peer === undefined || !isStateMessage(message)) return;
    const body = message as unknown as WorkerMessage;
    if (body.t === 'publish' && isChange(body.change)) this.#relay(workerId, body.change);
    else if (body.t === 'inflight' && typeof body.count === 'number') peer.inflight = body.count;
    else if (body.t === 'request' && typeof body.id === 'number') void this.#answer(workerId, body.id, body.request);
    else if (body.t === 'hello') this.#greet(workerId, peer);
    else if (body.t === 'provide' && typeof body.topic === 'string') peer.topics.add(body.topic);
    else if (body.t === 'collected' && typeof body.id === 'number') this.#collector.answer(workerId, body.id, body.value);
  }

  /** A worker's link is up: it learns who the lead is, or becomes it when there is none. */
  #greet(workerId: number, peer: Peer): void {
    peer.ready = true;
    if (this.#lead === undefined) this.#designate();
    else peer.send(this.#leadMessage(workerId));
  }

  /** Makes the oldest ready worker the lead (none: no lead until one says hello), and tells every ready worker. */
  #designate(): void {
    this.#lead = [...this.#peers].find(([, peer]) => peer.ready)?.[0];
    if (this.#lead === undefined) return;
    for (const [id, peer] of this.#peers) if (peer.ready) peer.send(this.#leadMessage(id));
  }

  #leadMessage(to: number): PrimaryMessage {
    const pid = this.#lead === undefined ? undefined : this.#peers.get(this.#lead)?.pid;
    return { gp: STATE_TAG, t: 'lead', self: to === this.#lead, pid: pid ?? null };
  }

  /** Asks every worker providing `topic` for its value (hub-gather.ts). */
  #gather(topic: string): Promise<unknown[]> {
    const providers = [...this.#peers].filter(([, peer]) => peer.topics.has(topic)).map(([id]) => id);
    return this.#collector.collect(topic, providers, (workerId, id) => {
      this.#peers.get(workerId)?.send({ gp: STATE_TAG, t: 'collect', id, topic });
    });
  }

  /** The changes still in force, as a starting worker applies them. */
  snapshot(): SharedChange[] {
    this.#sweep();
    return [...this.#state.values(), ...this.#usage.snapshot()];
  }

  #relay(from: number, change: SharedChange): void {
    if (change.type !== 'usage') this.#remember(change);
    else if (!this.#usage.apply(change, this.#now())) return;
    const message: PrimaryMessage = { gp: STATE_TAG, t: 'change', change };
    for (const [id, peer] of this.#peers) if (id !== from) peer.send(message);
  }

  #remember(change: EntryChange): void {
    const { subject, set } = entryOf(change);
    const slot = subjectName(subject);
    // Deleted first, so the map stays in order of last change.
    this.#state.delete(slot);
    if (set) this.#state.set(slot, change);
    if (this.#state.size > this.#sweepAt) {
      this.#sweep();
      this.#sweepAt = Math.max(1024, this.#state.size * 2);
    }
  }

  #sweep(): void {
    const now = this.#now();
    for (const [slot, change] of this.#state) if (entryOf(change).untilMs <= now) this.#state.delete(slot);
  }

  async #answer(workerId: number, id: number, request: StateRequest): Promise<void> {
    let reply: PrimaryMessage;
    try {
      reply = { gp: STATE_TAG, t: 'reply', id, ok: true, value: await this.#perform(request) };
    } catch (error) {
      // A malformed request must not take the primary down: the worker gets the error instead.
      const code = error instanceof ProxyError ? error.code : 'GP_INTERNAL';
      reply = { gp: STATE_TAG, t: 'reply', id, ok: false, code, message: error instanceof Error ? error.message : String(error) };
    }
    this.#peers.get(workerId)?.send(reply);
  }

  /** Runs one request. Each op's work is synchronous, so requests are applied in arrival order. */
  #perform(request: StateRequest): Promise<StateReplies[StateRequest['op']]> | StateReplies[StateRequest['op']] {
    switch (request.op) {
      case 'snapshot': return this.snapshot();
      case 'take': return this.#windows.take(request.userId, request.rate, request.nowMs);
      case 'open': return this.#store.open(request.settings, request.nowMs);
      case 'get': return this.#store.get(request.chatId, request.nowMs).then((chat) => chat ?? null);
      case 'save': return this.#store.save(request.chatId, request.history, request.nowMs).then(() => null);
      case 'end': return this.#store.end(request.chatId, request.nowMs);
      case 'gather': return this.#gather(String(request.topic));
      default: throw new ProxyError('GP_INTERNAL', `unknown state request ${JSON.stringify((request as { op?: unknown }).op)}`);
    }
  }
}

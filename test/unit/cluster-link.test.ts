/**
 * The `--workers` state link: worker links (ClusterLink) and the primary's hub (ClusterHub) over
 * in-memory channels that behave like node:cluster's IPC (asynchronous, in order, JSON only).
 */

import { afterEach, describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import type { Content } from '../../src/protocols/gemini/types.js';
import { ClusterHub, STATE_TAG, type PrimaryMessage } from '../../src/state/cluster-hub.js';
import { ClusterLink, type ClusterLinkOptions, type IpcChannel } from '../../src/state/cluster.js';
import type { SharedChange } from '../../src/state/link.js';
import type { ChatSettings } from '../../src/state/sessions.js';

const NOW = 1_700_000_000_000;
const SETTINGS: ChatSettings = { userId: 'ana', model: 'gemini-2.5-flash', requestedModel: 'gemini-2.5-flash', generationConfig: { temperature: 0.2 } };

/** What crosses node:cluster's channel: a JSON copy, delivered later, in order. */
function later(deliver: () => void): void {
  setImmediate(deliver);
}

function copy<T>(message: T): T {
  return JSON.parse(JSON.stringify(message)) as T;
}

interface Wired {
  readonly link: ClusterLink;
  /** Changes other workers made, as this worker's daemon would apply them. */
  readonly remote: SharedChange[];
  /** Delivers a message to this worker as if the primary sent it. */
  fromPrimary(message: unknown): void;
  /** The primary goes away: the channel closes. */
  close(): void;
  /** The primary stops answering, with the channel still open. */
  mute(): void;
}

let hubNow = NOW;
let chatIds = 0;
const links: ClusterLink[] = [];

function newHub(limits = { maxChats: 100, maxChatsPerUser: 10, idleTimeoutMs: 60_000 }): ClusterHub {
  return new ClusterHub({ sessions: limits, newChatId: () => `chat-${++chatIds}`, now: () => hubNow });
}

function wire(hub: ClusterHub, workerId: number, options: ClusterLinkOptions = {}): Wired {
  const handlers: ((message: unknown) => void)[] = [];
  const onClose: (() => void)[] = [];
  let open = true;
  let muted = false;
  const toWorker = (message: unknown): void => later(() => handlers.forEach((handler) => handler(copy(message))));
  hub.join(workerId, (message) => {
    if (open && !muted) toWorker(message);
  });
  const channel: IpcChannel = {
    send: (message) => {
      if (!open) return false;
      if (!muted) later(() => hub.receive(workerId, copy(message)));
      return true;
    },
    onMessage: (handler) => handlers.push(handler),
    onClose: (handler) => onClose.push(handler),
  };
  const link = new ClusterLink(channel, options);
  links.push(link);
  const remote: SharedChange[] = [];
  link.onRemote((change) => remote.push(change));
  return {
    link, remote,
    fromPrimary: toWorker,
    close: () => {
      open = false;
      hub.leave(workerId);
      later(() => onClose.forEach((handler) => handler()));
    },
    mute: () => {
      muted = true;
    },
  };
}

/** A round trip through the hub: everything the worker sent before has been handled, and everything sent to it before has arrived. */
async function roundTrip(worker: Wired): Promise<void> {
  await worker.link.snapshot();
}

async function rejection(promise: Promise<unknown>): Promise<ProxyError> {
  const error: unknown = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof ProxyError)) throw new Error(`expected a ProxyError, got ${String(error)}`);
  return error;
}

const cooling = (keyId: string, untilMs: number): SharedChange => ({ type: 'key-cooling', keyId, scope: 'gemini-2.5-flash', untilMs, reason: 'PerMinute' });

afterEach(async () => {
  hubNow = NOW;
  await Promise.all(links.splice(0).map((link) => link.close()));
});

describe('ClusterLink and ClusterHub', () => {
  it('a change published by worker A reaches B and C, and never comes back to A', async () => {
    const hub = newHub();
    const [a, b, c] = [wire(hub, 1), wire(hub, 2), wire(hub, 3)];
    const change = cooling('key-1', NOW + 60_000);
    a.link.publish(change);
    await Promise.all([roundTrip(a), roundTrip(b), roundTrip(c)]);
    expect(b.remote).toEqual([change]);
    expect(c.remote).toEqual([change]);
    expect(a.remote).toEqual([]);
  });

  it('a change that arrives before the daemon registers its handler is applied on registration', async () => {
    const hub = newHub();
    const a = wire(hub, 1);
    const handlers: ((message: unknown) => void)[] = [];
    hub.join(2, (message) => later(() => handlers.forEach((handler) => handler(copy(message)))));
    const b = new ClusterLink({ send: () => true, onMessage: (handler) => handlers.push(handler), onClose: () => undefined });
    links.push(b);
    a.link.publish({ type: 'key-enabled', keyId: 'key-9' });
    await roundTrip(a);
    await new Promise<void>((resolve) => later(resolve));
    const applied: SharedChange[] = [];
    b.onRemote((change) => applied.push(change));
    expect(applied).toEqual([{ type: 'key-enabled', keyId: 'key-9' }]);
  });

  it('takeUserMessage is exact across workers A and B under concurrent calls', async () => {
    const hub = newHub();
    const [a, b] = [wire(hub, 1), wire(hub, 2)];
    const rate = { requests: 3, perMs: 1_000 };
    const calls = [a, b, a, b, a, b, a, b, a, b].map((worker) => worker.link.takeUserMessage('ana', rate, NOW));
    const waits = await Promise.all(calls);
    expect(waits.filter((wait) => wait === 0)).toHaveLength(3);
    expect(waits.filter((wait) => wait > 0)).toEqual(Array(7).fill(1_000));
    // Another user has a window of their own; the first comes back once the window has passed.
    expect(await b.link.takeUserMessage('bo', rate, NOW + 10)).toBe(0);
    expect(await b.link.takeUserMessage('ana', rate, NOW + 999)).toBe(1);
    expect(await a.link.takeUserMessage('ana', rate, NOW + 1_000)).toBe(0);
  });

  it('a chat opened through worker A continues through B, and the per-user chat limit holds across them', async () => {
    const hub = newHub({ maxChats: 100, maxChatsPerUser: 1, idleTimeoutMs: 60_000 });
    const [a, b] = [wire(hub, 1), wire(hub, 2)];
    const opened = await a.link.sessions.open(SETTINGS, NOW);
    if (!opened.ok) throw new Error('the chat was not opened');
    expect(await b.link.sessions.open(SETTINGS, NOW)).toEqual({ ok: false, full: 'user' });
    expect(await b.link.sessions.get(opened.chat.id, NOW + 1)).toEqual(opened.chat);

    const history: Content[] = [{ role: 'user', parts: [{ text: 'hi' }] }, { role: 'model', parts: [{ text: 'hello' }] }];
    await b.link.sessions.save(opened.chat.id, history, NOW + 2);
    expect((await a.link.sessions.get(opened.chat.id, NOW + 3))?.history).toEqual(history);

    expect(await a.link.sessions.end(opened.chat.id, NOW + 4)).toBe(true);
    expect(await b.link.sessions.get(opened.chat.id, NOW + 5)).toBeUndefined();
    expect(await b.link.sessions.end(opened.chat.id, NOW + 5)).toBe(false);
  });

  it('a worker that starts later gets a snapshot of what is still in force', async () => {
    const hub = newHub();
    const a = wire(hub, 1);
    const changes: SharedChange[] = [
      cooling('key-1', NOW + 60_000),
      cooling('key-2', NOW + 5_000), // expired by the time the new worker asks
      cooling('key-3', NOW + 60_000),
      { type: 'key-uncooled', keyId: 'key-3', scope: 'gemini-2.5-flash' },
      { type: 'key-disabled', keyId: 'key-4', reason: 'API_KEY_INVALID', sinceMs: NOW },
      { type: 'key-disabled', keyId: 'key-5', reason: 'API_KEY_INVALID', sinceMs: NOW },
      { type: 'key-enabled', keyId: 'key-5' },
      { type: 'path-health', path: 'relay', id: 'https://relay.example', unhealthyUntilMs: NOW + 60_000, consecutiveFailures: 2 },
      { type: 'path-health', path: 'egress', id: 'egress-1', unhealthyUntilMs: NOW + 60_000, consecutiveFailures: 1 },
      { type: 'path-health', path: 'egress', id: 'egress-1', unhealthyUntilMs: 0, consecutiveFailures: 0 },
      { type: 'resource', name: 'files/abc', keyId: 'key-1', untilMs: NOW + 60_000 },
      { type: 'resource', name: 'files/gone', keyId: 'key-1', untilMs: NOW + 60_000 },
      { type: 'resource-forgotten', name: 'files/gone' },
      { type: 'upload', id: 'up-1', keyId: 'key-1', upstreamPath: '/upload/v1beta/files?upload_id=x', untilMs: NOW + 60_000 },
      { type: 'key-project', keyId: 'key-1', learned: 'projects/123' },
      cooling('key-1', NOW + 90_000), // the latest state of a slot wins
    ];
    for (const change of changes) a.link.publish(change);
    await roundTrip(a);
    hubNow = NOW + 10_000;

    const late = wire(hub, 2);
    expect(await late.link.snapshot()).toEqual([
      { type: 'key-disabled', keyId: 'key-4', reason: 'API_KEY_INVALID', sinceMs: NOW },
      { type: 'path-health', path: 'relay', id: 'https://relay.example', unhealthyUntilMs: NOW + 60_000, consecutiveFailures: 2 },
      { type: 'resource', name: 'files/abc', keyId: 'key-1', untilMs: NOW + 60_000 },
      { type: 'upload', id: 'up-1', keyId: 'key-1', upstreamPath: '/upload/v1beta/files?upload_id=x', untilMs: NOW + 60_000 },
      { type: 'key-project', keyId: 'key-1', learned: 'projects/123' },
      cooling('key-1', NOW + 90_000),
    ]);
  });

  it('ignores a reply to no request of its own, and messages that are not its own', async () => {
    const hub = newHub();
    const a = wire(hub, 1);
    a.fromPrimary({ gp: STATE_TAG, t: 'reply', id: 9_999, ok: true, value: 42 } satisfies PrimaryMessage);
    a.fromPrimary({ gp: STATE_TAG, t: 'reply', id: 9_998, ok: false, code: 'GP_INTERNAL', message: 'stray' } satisfies PrimaryMessage);
    a.fromPrimary({ cmd: 'NODE_CLUSTER', act: 'listening' });
    a.fromPrimary('hello');
    expect(await a.link.takeUserMessage('ana', { requests: 1, perMs: 1_000 }, NOW)).toBe(0);
    expect(await a.link.takeUserMessage('ana', { requests: 1, perMs: 1_000 }, NOW)).toBe(1_000);
    expect(a.remote).toEqual([]);
    expect(a.link.health()).toMatchObject({ kind: 'cluster', connected: true });
  });

  it('the hub survives malformed messages: a bad change is dropped, a bad request is answered with an error', async () => {
    const hub = newHub();
    const [a, b] = [wire(hub, 1), wire(hub, 2)];
    hub.receive(1, { gp: STATE_TAG, t: 'publish', change: { type: 'no-such-change' } });
    hub.receive(1, { gp: STATE_TAG, t: 'publish' });
    hub.receive(1, { gp: STATE_TAG, t: 'request', id: 'x' });
    hub.receive(42, { gp: STATE_TAG, t: 'publish', change: cooling('key-1', NOW + 1) }); // no such worker
    const replies: PrimaryMessage[] = [];
    hub.join(7, (message) => replies.push(message));
    hub.receive(7, { gp: STATE_TAG, t: 'request', id: 1, request: { op: 'no-such-op' } });
    hub.receive(7, { gp: STATE_TAG, t: 'request', id: 2 });
    await roundTrip(a);
    await roundTrip(b);
    expect(replies).toMatchObject([
      { t: 'reply', id: 1, ok: false, code: 'GP_INTERNAL' },
      { t: 'reply', id: 2, ok: false, code: 'GP_INTERNAL' },
    ]);
    expect(b.remote).toEqual([]);
    expect(hub.snapshot()).toEqual([]);
    // And it still answers well-formed requests.
    expect(await a.link.takeUserMessage('ana', { requests: 1, perMs: 1_000 }, NOW)).toBe(0);
  });

  it('while the primary is gone, requests reject with GP_STATE_UNAVAILABLE at once instead of hanging', async () => {
    const hub = newHub();
    const a = wire(hub, 1);
    const waiting = a.link.takeUserMessage('ana', { requests: 1, perMs: 1_000 }, NOW);
    a.close();
    const error = await rejection(waiting);
    expect(error.code).toBe('GP_STATE_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect((await rejection(a.link.takeUserMessage('ana', { requests: 1, perMs: 1_000 }, NOW))).code).toBe('GP_STATE_UNAVAILABLE');
    expect((await rejection(a.link.sessions.get('chat-1', NOW))).code).toBe('GP_STATE_UNAVAILABLE');
    expect((await rejection(a.link.snapshot())).code).toBe('GP_STATE_UNAVAILABLE');
    expect(a.link.health()).toMatchObject({ kind: 'cluster', connected: false });
    a.link.publish(cooling('key-1', NOW + 1)); // never throws
  });

  it('a request the primary does not answer rejects when its timeout fires; the link reconnects on the next word', async () => {
    const timers: { ms: number; fire: () => void }[] = [];
    let clock = NOW;
    const hub = newHub();
    const a = wire(hub, 1, { requestTimeoutMs: 250, now: () => clock, timer: (ms, fire) => {
      timers.push({ ms, fire });
      return () => undefined;
    } });
    a.mute();
    const waiting = a.link.takeUserMessage('ana', { requests: 1, perMs: 1_000 }, NOW);
    expect(timers.map((timer) => timer.ms)).toEqual([250]);
    clock = NOW + 250;
    timers[0]?.fire();
    expect((await rejection(waiting)).code).toBe('GP_STATE_UNAVAILABLE');
    expect(a.link.health()).toEqual({ kind: 'cluster', connected: false, sinceMs: NOW + 250 });

    clock = NOW + 900;
    a.fromPrimary({ gp: STATE_TAG, t: 'change', change: { type: 'key-enabled', keyId: 'key-1' } } satisfies PrimaryMessage);
    await new Promise<void>((resolve) => later(resolve));
    expect(a.remote).toEqual([{ type: 'key-enabled', keyId: 'key-1' }]);
    expect(a.link.health()).toEqual({ kind: 'cluster', connected: true, sinceMs: NOW + 900 });
  });

  it("a worker's last reported in-flight count is what the hub gives back when it leaves", async () => {
    const hub = newHub();
    const [a, b] = [wire(hub, 1), wire(hub, 2)];
    a.link.watchInflight(() => 3);
    a.link.watchInflight(() => 4); // replaces the first watch, and reports at once
    await roundTrip(a);
    await roundTrip(b);
    expect(hub.leave(1)).toEqual({ inflight: 4 });
    expect(hub.leave(2)).toEqual({ inflight: undefined }); // never reported
  });
});

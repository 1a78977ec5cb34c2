/**
 * The Redis link against a real redis-server started here on a free loopback port: two links on
 * it act as two instances. Changes travel between them (never back to their sender), the state
 * they hold is rebuilt by snapshot() and expires with itself, the message rate and the chats are
 * exact across both, prefixes keep deployments apart, Redis going away fails only what needs it
 * and coming back resynchronises, and no API key ever lands in Redis.
 */

import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isProxyError } from '../../src/errors.js';
import type { SharedChange } from '../../src/state/link.js';
import type { SessionLimits } from '../../src/state/memory-sessions.js';
import { RedisLink, type RedisLinkEvent, type RedisLinkOptions } from '../../src/state/redis.js';
import type { ChatSettings } from '../../src/state/sessions.js';
import { canary, forms } from '../support/canary.js';
import { RedisServer } from '../support/redis-server.js';

const LIMITS: SessionLimits = { maxChats: 3, maxChatsPerUser: 2, idleTimeoutMs: 60_000 };
const HOUR = 3_600_000;

/** What a link told or handed over, with a way to wait for the next one that matches. */
class Recorder<T> {
  readonly seen: T[] = [];
  #waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  readonly push = (item: T): void => {
    this.seen.push(item);
    this.#waiters = this.#waiters.filter((waiter) => !(waiter.match(item) && (waiter.resolve(item), true)));
  };

  /** Resolves with the first item, already seen or still to come, that matches. */
  waitFor(match: (item: T) => boolean): Promise<T> {
    const found = this.seen.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Resolves with the next matching item still to come. */
  next(match: (item: T) => boolean): Promise<T> {
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }
}

interface Instance {
  readonly link: RedisLink;
  readonly events: Recorder<RedisLinkEvent>;
  readonly remote: Recorder<SharedChange>;
}

let server: RedisServer;
let inspect: ReturnType<typeof createClient>;
let opened: RedisLink[] = [];
let prefixes = 0;

beforeAll(async () => {
  server = await RedisServer.start();
  inspect = createClient({ url: server.url });
  inspect.on('error', () => {});
  await inspect.connect();
});

afterEach(async () => {
  await Promise.all(opened.map((link) => link.close()));
  opened = [];
});

afterAll(async () => {
  inspect.destroy();
  await server.close();
});

/** A link on the test server, recording its events and the changes it receives. */
function instance(id: string, prefix: string, options: Partial<RedisLinkOptions> = {}): Instance {
  const events = new Recorder<RedisLinkEvent>();
  const remote = new Recorder<SharedChange>();
  const link = new RedisLink({
    url: server.url, prefix, instanceId: id, now: Date.now, sessions: LIMITS, onEvent: events.push, reconnectMaxMs: 100, ...options,
  });
  link.onRemote(remote.push);
  opened.push(link);
  return { link, events, remote };
}

/** Two instances of one deployment, on a prefix no other test uses, both connected. */
async function pair(options: Partial<RedisLinkOptions> = {}): Promise<[Instance, Instance, string]> {
  const prefix = `t${++prefixes}:`;
  const a = instance('instance-a', prefix, options);
  const b = instance('instance-b', prefix, options);
  await Promise.all([up(a), up(b)]);
  return [a, b, prefix];
}

function up(instance: Instance): Promise<RedisLinkEvent> {
  return instance.events.waitFor((event) => event.type === 'up');
}

function settings(userId: string): ChatSettings {
  return { userId, model: 'gemini-2.5-flash', requestedModel: 'gpt-4o', generationConfig: { temperature: 0.5 } };
}

async function stateUnavailable(work: Promise<unknown>): Promise<void> {
  const error: unknown = await work.then(() => undefined, (failure: unknown) => failure);
  expect(isProxyError(error) && error.code).toBe('GP_STATE_UNAVAILABLE');
}

describe('changes between instances', () => {
  it('a change reaches the other instance and never comes back to its sender', async () => {
    const [a, b] = await pair();
    const cooling: SharedChange = { type: 'key-cooling', keyId: 'k1', scope: 'gemini-2.5-flash', untilMs: Date.now() + 60_000, reason: 'quota' };
    a.link.publish(cooling);
    expect(await b.remote.waitFor((change) => change.type === 'key-cooling')).toEqual(cooling);
    // Messages reach every subscriber in the order Redis took them: once b's reaches a, a's own would have too.
    b.link.publish({ type: 'key-enabled', keyId: 'k2' });
    await a.remote.waitFor((change) => change.type === 'key-enabled');
    expect(a.remote.seen).toEqual([{ type: 'key-enabled', keyId: 'k2' }]);
    expect(b.remote.seen).toEqual([cooling]);
    expect(a.link.health()).toMatchObject({ kind: 'redis', connected: true });
  });

  it('malformed messages on the channel are ignored; extra fields are dropped', async () => {
    const [, b, prefix] = await pair();
    const channel = `${prefix}changes`;
    for (const message of ['not json', '[]', '{"origin":"x"}', '{"origin":"x","change":{"type":"key-cooling","keyId":"k"}}',
      '{"origin":"x","change":{"type":"nope"}}', '{"origin":"x","change":{"type":"path-health","path":"moon","id":"r","unhealthyUntilMs":1,"consecutiveFailures":1}}']) {
      await inspect.sendCommand(['PUBLISH', channel, message]);
    }
    await inspect.sendCommand(['PUBLISH', channel, JSON.stringify({ origin: 'x', change: { type: 'key-enabled', keyId: 'k9', secret: 'extra' } })]);
    await b.remote.waitFor((change) => change.type === 'key-enabled');
    expect(b.remote.seen).toEqual([{ type: 'key-enabled', keyId: 'k9' }]);
  });

  it('a handler that throws is reported, and the next change still arrives', async () => {
    const [a, b] = await pair();
    b.link.onRemote(() => {
      throw new Error('the daemon could not apply it');
    });
    a.link.publish({ type: 'key-enabled', keyId: 'k1' });
    expect(await b.events.waitFor((event) => event.type === 'apply-failed')).toMatchObject({ error: new Error('the daemon could not apply it') });
    b.link.onRemote(b.remote.push);
    a.link.publish({ type: 'key-enabled', keyId: 'k2' });
    expect(await b.remote.waitFor((change) => change.type === 'key-enabled')).toEqual({ type: 'key-enabled', keyId: 'k2' });
    expect(b.link.health().connected).toBe(true);
  });
});

describe('snapshot', () => {
  it('rebuilds every state in force, with remaining times turned back into epoch ms', async () => {
    const [a, b, prefix] = await pair();
    const now = Date.now();
    const changes: SharedChange[] = [
      { type: 'key-cooling', keyId: 'k1', scope: 'model:a', untilMs: now + 60_000, reason: 'quota' },
      { type: 'key-disabled', keyId: 'k2', reason: 'API_KEY_INVALID', sinceMs: now },
      { type: 'key-project', keyId: 'k3', learned: 'projects/123' },
      { type: 'path-health', path: 'relay', id: 'relay-1', unhealthyUntilMs: now + 30_000, consecutiveFailures: 3, reason: 'ECONNRESET' },
      { type: 'resource', name: 'files/abc', keyId: 'k1', untilMs: now + 48 * HOUR },
      { type: 'upload', id: 'up-1', keyId: 'k3', upstreamPath: '/upload/v1beta/files?upload_id=x', untilMs: now + 24 * HOUR },
    ];
    for (const change of changes) a.link.publish(change);
    // Each state is written before its message goes out, on the same connection.
    await b.remote.waitFor((change) => change.type === 'upload');

    const snapshot = await b.link.snapshot();
    expect(snapshot).toHaveLength(changes.length);
    for (const change of changes) {
      const rebuilt = snapshot.find((entry) => entry.type === change.type);
      expect(rebuilt).toEqual(withEnds(change, expect.closeTo(endOf(change), -4)));
    }
    expect(await inspect.sendCommand(['PTTL', `${prefix}state:cooling:k1:model%3Aa`])).toSatisfy((ttl: number) => ttl > 50_000 && ttl <= 60_000);
    expect(await inspect.sendCommand(['PTTL', `${prefix}state:disabled:k2`])).toBe(-1);
  });

  it('forgets what was undone, and a cooling once it expired', async () => {
    const [a, b, prefix] = await pair();
    a.link.publish({ type: 'key-cooling', keyId: 'k1', scope: 's', untilMs: Date.now() + 60_000, reason: 'quota' });
    a.link.publish({ type: 'key-disabled', keyId: 'k2', reason: 'dead', sinceMs: 1 });
    a.link.publish({ type: 'resource', name: 'files/x', keyId: 'k1', untilMs: Date.now() + HOUR });
    a.link.publish({ type: 'path-health', path: 'egress', id: 'e1', unhealthyUntilMs: Date.now() + HOUR, consecutiveFailures: 1 });
    a.link.publish({ type: 'key-cooling', keyId: 'k3', scope: 's', untilMs: Date.now() + 500, reason: 'quota' });
    a.link.publish({ type: 'key-uncooled', keyId: 'k1', scope: 's' });
    a.link.publish({ type: 'key-enabled', keyId: 'k2' });
    a.link.publish({ type: 'resource-forgotten', name: 'files/x' });
    a.link.publish({ type: 'path-health', path: 'egress', id: 'e1', unhealthyUntilMs: 0, consecutiveFailures: 0 });
    await b.remote.waitFor((change) => change.type === 'path-health' && change.unhealthyUntilMs === 0);
    expect(await inspect.sendCommand(['PTTL', `${prefix}state:cooling:k3:s`])).toSatisfy((ttl: number) => ttl > 0 && ttl <= 500);
    // Redis drops the short cooling by itself; wait for that condition, not for a time.
    await vi.waitFor(async () => expect(await b.link.snapshot()).toEqual([]), { timeout: 5_000, interval: 20 });
  });

  it('turns a remaining time into epoch ms with the reader\'s own clock', async () => {
    const [a, , prefix] = await pair();
    const ahead = instance('instance-ahead', prefix, { now: () => Date.now() + HOUR });
    await up(ahead);
    const cooling: SharedChange = { type: 'key-cooling', keyId: 'k1', scope: 's', untilMs: Date.now() + 60_000, reason: 'quota' };
    a.link.publish(cooling);
    await ahead.remote.waitFor((change) => change.type === 'key-cooling');
    expect(await ahead.link.snapshot()).toEqual([withEnds(cooling, expect.closeTo(cooling.untilMs + HOUR, -4))]);
  });
});

/** The change with its end (untilMs or unhealthyUntilMs) replaced. */
function withEnds(change: SharedChange, end: unknown): unknown {
  if (change.type === 'path-health') return { ...change, unhealthyUntilMs: end };
  if ('untilMs' in change) return { ...change, untilMs: end };
  return change;
}

function endOf(change: SharedChange): number {
  if (change.type === 'path-health') return change.unhealthyUntilMs;
  return 'untilMs' in change ? change.untilMs : 0;
}

describe('the message rate across instances', () => {
  it('lets exactly `requests` through a window, whichever instance counts', async () => {
    const [a, b, prefix] = await pair();
    const rate = { requests: 3, perMs: 60_000 };
    const now = Date.now();
    const waits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).link.takeUserMessage('alice', rate, now)));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(3);
    for (const wait of waits.filter((wait) => wait !== 0)) expect(wait).toBe(60_000);
    // Another user has a window of their own; the first user's refills once the window has passed.
    expect(await b.link.takeUserMessage('bob', rate, now)).toBe(0);
    expect(await a.link.takeUserMessage('alice', rate, now + 59_999)).toBe(1);
    expect(await b.link.takeUserMessage('alice', rate, now + 60_000)).toBe(0);
    expect(await inspect.sendCommand(['PTTL', `${prefix}rate:alice`])).toSatisfy((ttl: number) => ttl > 50_000 && ttl <= 60_000);
  });
});

describe('chat sessions across instances', () => {
  it('a chat opened on one instance is read, saved and ended on the other', async () => {
    const [a, b, prefix] = await pair();
    const opened = await a.link.sessions.open(settings('alice'), Date.now());
    if (!opened.ok) throw new Error('open failed');
    const id = opened.chat.id;
    expect(await b.link.sessions.get(id, Date.now())).toEqual({ id, settings: settings('alice'), history: [] });
    const history = [{ role: 'user' as const, parts: [{ text: 'hi' }] }, { role: 'model' as const, parts: [{ text: 'hello' }] }];
    await b.link.sessions.save(id, history, Date.now());
    expect(await a.link.sessions.get(id, Date.now())).toEqual({ id, settings: settings('alice'), history });
    expect(await inspect.sendCommand(['PTTL', `${prefix}chat:${id}`])).toSatisfy((ttl: number) => ttl > 50_000 && ttl <= 60_000);
    expect(await a.link.sessions.end(id, Date.now())).toBe(true);
    expect(await b.link.sessions.end(id, Date.now())).toBe(false);
    expect(await b.link.sessions.get(id, Date.now())).toBeUndefined();
    // A chat that ended meanwhile stays ended.
    await a.link.sessions.save(id, history, Date.now());
    expect(await inspect.sendCommand(['EXISTS', `${prefix}chat:${id}`])).toBe(0);
    expect(await a.link.sessions.get('never-opened', Date.now())).toBeUndefined();
  });

  it('holds the per-user and overall limits against concurrent opens from both instances', async () => {
    const [a, b] = await pair();
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).link.sessions.open(settings('alice'), now)));
    expect(results.filter((result) => result.ok)).toHaveLength(2);
    expect(results.filter((result) => !result.ok && result.full === 'user')).toHaveLength(4);
    expect(await b.link.sessions.open(settings('bob'), now)).toMatchObject({ ok: true });
    expect(await a.link.sessions.open(settings('carol'), now)).toEqual({ ok: false, full: 'all' });
    // Ending one frees its place, for its user and in all.
    const first = results.find((result) => result.ok);
    if (!first?.ok) throw new Error('no chat opened');
    expect(await b.link.sessions.end(first.chat.id, now)).toBe(true);
    expect(await a.link.sessions.open(settings('carol'), now)).toMatchObject({ ok: true });
  });

  it('a chat idles out: its time to live is the idle timeout, refreshed by each use', async () => {
    const [a, b, prefix] = await pair();
    const now = Date.now();
    const opened = await a.link.sessions.open(settings('alice'), now);
    if (!opened.ok) throw new Error('open failed');
    const key = `${prefix}chat:${opened.chat.id}`;
    await inspect.sendCommand(['PEXPIRE', key, '5000']);
    expect(await b.link.sessions.get(opened.chat.id, now + 1_000)).toBeDefined();
    expect(await inspect.sendCommand(['PTTL', key])).toSatisfy((ttl: number) => ttl > 50_000);
    // Idle past the timeout by the caller's clock: gone, and its places are free again.
    expect(await b.link.sessions.get(opened.chat.id, now + 1_000 + LIMITS.idleTimeoutMs)).toBeUndefined();
    expect(await inspect.sendCommand(['EXISTS', key])).toBe(0);
    const later = now + 2 * LIMITS.idleTimeoutMs;
    for (const user of ['alice', 'alice', 'bob']) expect(await a.link.sessions.open(settings(user), later)).toMatchObject({ ok: true });
  });
});

describe('deployments sharing one Redis', () => {
  it('two prefixes see nothing of each other', async () => {
    const [a, b] = await pair();
    const [c, d, otherPrefix] = await pair();
    a.link.publish({ type: 'key-disabled', keyId: 'k1', reason: 'dead', sinceMs: 1 });
    await b.remote.waitFor((change) => change.type === 'key-disabled');
    d.link.publish({ type: 'key-enabled', keyId: 'k2' });
    await c.remote.waitFor((change) => change.type === 'key-enabled');
    expect(c.remote.seen).toEqual([{ type: 'key-enabled', keyId: 'k2' }]);
    expect(await c.link.snapshot()).toEqual([]);
    expect(await b.link.snapshot()).toHaveLength(1);
    const rate = { requests: 1, perMs: 60_000 };
    expect(await a.link.takeUserMessage('alice', rate, Date.now())).toBe(0);
    expect(await c.link.takeUserMessage('alice', rate, Date.now())).toBe(0);
    const opened = await a.link.sessions.open(settings('alice'), Date.now());
    if (!opened.ok) throw new Error('open failed');
    expect(await c.link.sessions.get(opened.chat.id, Date.now())).toBeUndefined();
    expect(await inspect.sendCommand(['KEYS', `${otherPrefix}*`])).toEqual([`${otherPrefix}rate:alice`]);
  });

  it('a prefix with glob characters matches only its own entries', async () => {
    const n = ++prefixes;
    const starred = instance('starred', `g*${n}:`);
    const plain = instance('plain', `gX${n}:`);
    await Promise.all([up(starred), up(plain)]);
    plain.link.publish({ type: 'key-project', keyId: 'k1', learned: 'projects/1' });
    await vi.waitFor(async () => expect(await plain.link.snapshot()).toHaveLength(1), { timeout: 5_000, interval: 20 });
    expect(await starred.link.snapshot()).toEqual([]);
  });
});

describe('Redis going away and coming back', () => {
  it('fails only what needs Redis, at once; once back, what was learned meanwhile is shared', async () => {
    let clock = Date.now();
    // Any wait for a reply would outlast the test's own timeout: only failing fast passes.
    const [a, b] = await pair({ now: () => clock, commandTimeoutMs: 60_000 });
    const downs = [a, b].map((side) => side.events.next((event) => event.type === 'down'));
    await server.stop();
    expect(await Promise.all(downs)).toMatchObject([{ type: 'down' }, { type: 'down' }]);
    expect(a.link.health()).toMatchObject({ kind: 'redis', connected: false });

    const whileDown: SharedChange = { type: 'resource', name: 'files/made-while-down', keyId: 'k1', untilMs: clock + HOUR };
    expect(() => {
      a.link.publish(whileDown);
      a.link.publish({ type: 'key-cooling', keyId: 'k1', scope: 's', untilMs: clock + 1_000, reason: 'quota' });
      a.link.publish({ type: 'key-disabled', keyId: 'k2', reason: 'dead', sinceMs: clock });
      a.link.publish({ type: 'key-enabled', keyId: 'k2' });
    }).not.toThrow();
    await stateUnavailable(a.link.takeUserMessage('alice', { requests: 5, perMs: 1_000 }, clock));
    await stateUnavailable(b.link.sessions.open(settings('alice'), clock));
    await stateUnavailable(b.link.sessions.get('some-chat', clock));
    await stateUnavailable(b.link.sessions.save('some-chat', [], clock));
    await stateUnavailable(b.link.sessions.end('some-chat', clock));
    await stateUnavailable(a.link.snapshot());

    // The cooling runs out before Redis returns: it is not sent again.
    clock += 2_000;
    const ups = [a, b].map((side) => side.events.next((event) => event.type === 'up'));
    await server.start();
    await Promise.all(ups);
    expect(a.link.health().connected).toBe(true);
    // a's held changes were sent before its 'up'; its own snapshot comes after them on its connection.
    await a.link.snapshot();
    // This Redis keeps nothing across a restart: what it holds now is what a learned while it was down.
    expect(await b.link.snapshot()).toEqual([{ ...whileDown, untilMs: expect.closeTo(whileDown.untilMs, -4) }]);
    expect(a.link.dropped).toBe(0);
    expect(await b.link.takeUserMessage('alice', { requests: 5, perMs: 1_000 }, clock)).toBe(0);
    expect(await a.link.sessions.open(settings('alice'), clock)).toMatchObject({ ok: true });
    // Told once per outage, not once per reconnection attempt.
    for (const side of [a, b]) expect(side.events.seen.map((event) => event.type)).toEqual(['up', 'down', 'up']);
  });

  it('a Redis that holds the connection but stops answering counts as down until it answers again', async () => {
    const [a, b] = await pair({ healthCheckMs: 100, commandTimeoutMs: 1_000 });
    const downs = [a, b].map((side) => side.events.next((event) => event.type === 'down'));
    const ups = [a, b].map((side) => side.events.next((event) => event.type === 'up'));
    const whileFrozen: SharedChange = { type: 'key-project', keyId: 'k1', learned: 'projects/7' };
    server.pause();
    try {
      const [down] = await Promise.all(downs);
      expect(down).toMatchObject({ type: 'down', reason: 'Redis did not answer within 1000 ms' });
      expect(a.link.health().connected).toBe(false);
      // Not answering: exact calls fail at once rather than after another timeout.
      await stateUnavailable(a.link.takeUserMessage('alice', { requests: 1, perMs: 1_000 }, Date.now()));
      await stateUnavailable(b.link.sessions.get('some-chat', Date.now()));
      a.link.publish(whileFrozen);
    } finally {
      server.resume();
    }
    await Promise.all(ups);
    await b.remote.waitFor((change) => change.type === 'key-project');
    expect(await b.link.snapshot()).toEqual([whileFrozen]);
    expect(await a.link.takeUserMessage('alice', { requests: 1, perMs: 1_000 }, Date.now())).toBe(0);
  });

  it('a link started while Redis is down holds a bounded number of changes, then connects when Redis comes', async () => {
    const late = await RedisServer.start();
    try {
      await late.stop();
      const prefix = `t${++prefixes}:`;
      const events = new Recorder<RedisLinkEvent>();
      // 10,000 held changes go out at once when Redis comes: on a loaded machine that batch may
      // take longer than the default 2 s command timeout, which is not what this test is about.
      const link = new RedisLink({ url: late.url, prefix, instanceId: 'late', now: Date.now, sessions: LIMITS, onEvent: events.push, reconnectMaxMs: 100, commandTimeoutMs: 60_000 });
      opened.push(link);
      expect(link.health()).toMatchObject({ kind: 'redis', connected: false });
      await stateUnavailable(link.takeUserMessage('alice', { requests: 1, perMs: 1_000 }, Date.now()));
      const untilMs = Date.now() + HOUR;
      for (let i = 0; i <= 10_000; i++) link.publish({ type: 'upload', id: `u${i}`, keyId: 'k1', upstreamPath: '/upload', untilMs });
      expect(link.dropped).toBe(1);
      const connected = events.next((event) => event.type === 'up');
      await late.start();
      await connected;
      expect(await link.snapshot()).toHaveLength(10_000);
    } finally {
      await late.close();
    }
  });

  it('close() ends both connections, and returns at once while Redis is down', async () => {
    const closing = instance('closing', `t${++prefixes}:`);
    await up(closing);
    expect(await connectionsOf('closing')).toBe(2);
    await closing.link.close();
    await vi.waitFor(async () => expect(await connectionsOf('closing')).toBe(0), { timeout: 5_000, interval: 20 });
    const gone = await RedisServer.start();
    await gone.stop();
    const password = canary();
    const events = new Recorder<RedisLinkEvent>();
    const url = `redis://:${password}@127.0.0.1:${gone.port}`;
    const stranded = new RedisLink({ url, instanceId: 'x', now: Date.now, sessions: LIMITS, onEvent: events.push });
    // Told once that the first connection failed, with a reason that does not give the URL away.
    const down = await events.waitFor((event) => event.type === 'down');
    expect(JSON.stringify(down)).not.toContain(password);
    await stranded.close();
    expect(events.seen).toEqual([down]);
    await gone.close();
  });
});

/** How many connections Redis holds for the instance (each link names both of its own). */
async function connectionsOf(instanceId: string): Promise<number> {
  const list = String(await inspect.sendCommand(['CLIENT', 'LIST']));
  return list.split('\n').filter((line) => line.includes(` name=gemini-proxy:${instanceId} `)).length;
}

describe('secrets', () => {
  it('Redis holds key ids, never a key', async () => {
    const keys = [{ id: 'key-7f3a', secret: canary() }, { id: 'key-90bc', secret: canary() }];
    const [a, b, prefix] = await pair();
    const now = Date.now();
    // The daemon hands the link ids only; these are all the changes there are.
    for (const { id } of keys) {
      a.link.publish({ type: 'key-cooling', keyId: id, scope: 'gemini-2.5-pro', untilMs: now + 60_000, reason: 'quota' });
      a.link.publish({ type: 'key-disabled', keyId: id, reason: 'API_KEY_INVALID', sinceMs: now });
      a.link.publish({ type: 'key-project', keyId: id, learned: 'projects/42' });
      a.link.publish({ type: 'resource', name: `files/${id}-file`, keyId: id, untilMs: now + HOUR });
      a.link.publish({ type: 'upload', id: `up-${id}`, keyId: id, upstreamPath: '/upload/v1beta/files?upload_id=1', untilMs: now + HOUR });
    }
    a.link.publish({ type: 'path-health', path: 'relay', id: 'relay-1', unhealthyUntilMs: now + HOUR, consecutiveFailures: 2 });
    await b.remote.waitFor((change) => change.type === 'path-health');
    await b.link.takeUserMessage('alice', { requests: 2, perMs: 60_000 }, now);
    const chat = await b.link.sessions.open(settings('alice'), now);
    if (!chat.ok) throw new Error('open failed');
    await a.link.sessions.save(chat.chat.id, [{ role: 'user', parts: [{ text: 'hello' }] }], now);

    const everything = await dump();
    for (const { id, secret } of keys) {
      expect(everything).toContain(id);
      for (const form of forms(secret)) expect(everything).not.toContain(form);
    }
    expect(everything).toContain(`${prefix}state:disabled:key-7f3a`);
  });
});

/** Every key in Redis and every value, as one string. */
async function dump(): Promise<string> {
  const names = (await inspect.sendCommand(['KEYS', '*'])) as string[];
  const values = await Promise.all(names.map(async (name) => {
    const type = String(await inspect.sendCommand(['TYPE', name]));
    if (type === 'string') return inspect.sendCommand(['GET', name]);
    if (type === 'hash') return inspect.sendCommand(['HGETALL', name]);
    if (type === 'zset') return inspect.sendCommand(['ZRANGE', name, '0', '-1', 'WITHSCORES']);
    throw new Error(`unexpected ${type} at ${name}`);
  }));
  return JSON.stringify([names, values]);
}

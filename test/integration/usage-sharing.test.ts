/**
 * Usage counts across processes: two daemons on one state bus each show what the other counted;
 * and through a real redis-server, an instance's batch reaches the other live and is kept in
 * hashes a new instance reads back, with no key secret in Redis.
 */

import { createClient } from '@redis/client';
import { GoogleGenAI } from '@google/genai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import type { SharedChange } from '../../src/state/link.js';
import { RedisLink } from '../../src/state/redis.js';
import { UsageLedger, type UsageChange } from '../../src/upstream/usage-ledger.js';
import { canary, forms } from '../support/canary.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { LinkBus } from '../support/link-pair.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { RedisServer } from '../support/redis-server.js';
import { countedAnswers, usageOf } from '../support/usage-behaviours.js';

const MODEL = 'gemini-2.5-flash';
const USAGE = { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 2, cachedContentTokenCount: 6 };

describe('usage shared on a state bus', () => {
  let upstream: FakeGemini;
  const proxies: TestProxy[] = [];
  const key = canary();

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    upstream.setDefault(countedAnswers(usageOf(100, 20)));
  });

  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await upstream.close();
  });

  it('shows on one daemon what the other counted, once its batch went out', async () => {
    const bus = new LinkBus();
    const [first, second] = await Promise.all([0, 1].map(() => startProxy({ keys: [key], relays: [upstream.url], link: bus.link() })));
    if (first === undefined || second === undefined) throw new Error('two daemons expected');
    proxies.push(first, second);
    await new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: first.url } }).models.generateContent({ model: MODEL, contents: 'shared' });
    // Shutting down sends what is still unsent, at once, rather than within the second.
    await first.close();
    proxies.splice(proxies.indexOf(first), 1);
    await Promise.resolve(); // the bus delivers on a microtask
    const batches = bus.published.filter(({ change }) => change.type === 'usage');
    expect(batches).toHaveLength(1);
    expect(JSON.stringify(batches)).not.toContain(key);
    const status = (await (await fetch(`${second.url}/status`)).json()) as { keys: { id: string; usage: { day: Record<string, unknown> } }[] };
    expect(status.keys[0]?.id).toBe(keyId(key));
    expect(status.keys[0]?.usage.day).toMatchObject({ requests: 1, promptTokens: 100, candidatesTokens: 20 });
  });
});

describe('usage in Redis', () => {
  let server: RedisServer;
  let inspect: ReturnType<typeof createClient>;
  const links: RedisLink[] = [];
  let prefix = 0;

  beforeAll(async () => {
    server = await RedisServer.start();
    inspect = createClient({ url: server.url });
    inspect.on('error', () => {});
    await inspect.connect();
  });

  afterAll(async () => {
    await inspect.quit();
    await server.stop();
  });

  afterEach(async () => {
    await Promise.all(links.splice(0).map((link) => link.close()));
  });

  /** A link that is up (its first 'up' came), and the changes it hears from others. */
  async function instance(name: string, at: string): Promise<{ link: RedisLink; heard: SharedChange[]; next: () => Promise<SharedChange> }> {
    const heard: SharedChange[] = [];
    let wake: ((change: SharedChange) => void) | undefined;
    let up: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      up = resolve;
    });
    const link = new RedisLink({
      url: server.url, prefix: at, instanceId: name, now: Date.now,
      sessions: { maxChats: 3, maxChatsPerUser: 2, idleTimeoutMs: 60_000 },
      onEvent: (event) => event.type === 'up' && up(),
    });
    links.push(link);
    link.onRemote((change) => {
      heard.push(change);
      wake?.(change);
    });
    await ready;
    return { link, heard, next: () => new Promise((resolve) => { wake = resolve; }) };
  }

  it('adds every instance\'s batches up in Redis, announces them live, and gives a new instance the totals', async () => {
    const at = `usage-${++prefix}:`;
    const secret = canary();
    const id = keyId(secret);
    const [a, b] = [await instance('a', at), await instance('b', at)];
    const ledgerOf = (link: RedisLink) => new UsageLedger({ now: Date.now, publish: (change) => link.publish(change) });
    const [countA, countB] = [ledgerOf(a.link), ledgerOf(b.link)];
    const heardByB = b.next();
    countA.record(MODEL, [{ key: id, relay: 'r', verdict: 'ok', ms: 1 }], USAGE);
    countA.flush();
    expect((await heardByB).type).toBe('usage');
    countB.apply((b.heard[0] ?? {}) as UsageChange);
    expect(countB.book.totals(id, Date.now()).day).toMatchObject({ requests: 1, promptTokens: 10 });

    const heardByA = a.next();
    countB.record(MODEL, [{ key: id, relay: 'r', verdict: 'rate-limited', ms: 1 }], undefined);
    countB.flush();
    await heardByA;

    const late = await instance('c', at);
    const snapshot = (await late.link.snapshot()).filter((change): change is UsageChange => change.type === 'usage');
    expect(snapshot).toHaveLength(1);
    expect(snapshot[0]?.whole).toBe(true);
    const fresh = new UsageLedger({ now: Date.now });
    for (const change of snapshot) fresh.apply(change);
    expect(fresh.book.totals(id, Date.now()).day).toMatchObject({ requests: 2, promptTokens: 10, cachedTokens: 6, failures: { 'rate-limited': 1 } });

    const names = await inspect.keys(`${at}*`);
    expect(names.filter((name) => name.includes('usage:'))).toHaveLength(2);
    for (const name of names.filter((item) => item.includes('usage:'))) {
      expect(await inspect.pTTL(name)).toBeGreaterThan(0);
      const text = JSON.stringify([name, await inspect.hGetAll(name)]);
      for (const form of forms(secret)) expect(text).not.toContain(form);
    }
  });
});

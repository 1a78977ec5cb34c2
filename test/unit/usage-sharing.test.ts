/**
 * Usage counts shared between processes: the `usage` change on the wire, the `--workers` primary's
 * totals for a starting worker, and what Redis keeps (hashes per hour and Pacific day) and gives
 * back, all without a key secret.
 */

import { describe, expect, it } from 'vitest';
import { ClusterHub, STATE_TAG, type PrimaryMessage } from '../../src/state/cluster-hub.js';
import { parseChange, usageFromHashes, usageIncrements } from '../../src/state/redis-changes.js';
import { RedisKeys } from '../../src/state/redis-keys.js';
import { UsageLedger, type UsageChange } from '../../src/upstream/usage-ledger.js';
import { UsageBook, type UsageDoc } from '../../src/upstream/usage.js';

const NOW = Date.parse('2026-07-15T12:10:00Z');
const USAGE = { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 2, cachedContentTokenCount: 6 };
const keys = new RedisKeys('gp:');

function batch(...counts: [key: string, model: string, verdict: string][]): UsageDoc {
  const book = new UsageBook();
  for (const [key, model, verdict] of counts) book.count(key, model, verdict, verdict === 'ok' ? USAGE : undefined, NOW);
  return book.toDoc();
}

/** What Redis holds after the increments: HINCRBY and PEXPIRE, done by hand. */
function applyIncrements(store: Map<string, Map<string, number>>, doc: UsageDoc): void {
  for (const { key, increments } of usageIncrements(keys, doc, NOW)) {
    const hash = store.get(key) ?? new Map<string, number>();
    for (let i = 0; i < increments.length; i += 2) {
      const field = increments[i] ?? '';
      hash.set(field, (hash.get(field) ?? 0) + Number(increments[i + 1]));
    }
    store.set(key, hash);
  }
}

function hashesOf(store: Map<string, Map<string, number>>) {
  return [...store].map(([key, hash]) => ({ key, fields: [...hash].map(([field, value]): [string, string] => [field, String(value)]) }));
}

describe('the usage change on the wire', () => {
  it('is taken as it was sent, and refused malformed', () => {
    const change = { type: 'usage', counts: batch(['k', 'm', 'ok']), whole: false };
    expect(parseChange(JSON.parse(JSON.stringify(change)))).toEqual(change);
    expect(parseChange({ ...change, whole: 'no' })).toBeUndefined();
    expect(parseChange({ ...change, counts: { hours: { 1: { k: { m: [-1, 0, 0, 0, 0] } } }, days: {} } })).toBeUndefined();
  });
});

describe('usage in Redis', () => {
  it('adds every batch into one hash per hour and per Pacific day, and reads them back as totals', () => {
    const store = new Map<string, Map<string, number>>();
    applyIncrements(store, batch(['k:1', 'models/x y', 'ok'], ['k2', 'm', 'rate-limited']));
    applyIncrements(store, batch(['k:1', 'models/x y', 'ok']));
    expect([...store.keys()].sort()).toEqual([`gp:usage:day:${Date.parse('2026-07-16T07:00:00Z')}`, `gp:usage:hour:${Date.parse('2026-07-15T12:00:00Z')}`]);
    const book = new UsageBook();
    book.merge(usageFromHashes(keys, hashesOf(store)), 'max', NOW);
    expect(book.totals('k:1', NOW).day).toMatchObject({ requests: 2, promptTokens: 20, cachedTokens: 12, failures: {} });
    expect(book.totals('k2', NOW).hour).toMatchObject({ requests: 1, promptTokens: 0, failures: { 'rate-limited': 1 } });
  });

  it('keeps an hour a day longer than the book, and a day about two days', () => {
    const writes = usageIncrements(keys, batch(['k', 'm', 'ok']), NOW);
    const ttl = (kind: string) => writes.find((write) => write.key.includes(`:${kind}:`))?.ttlMs ?? 0;
    expect(ttl('hour')).toBe(Date.parse('2026-07-15T12:00:00Z') + 25 * 3_600_000 - NOW);
    expect(ttl('day')).toBeGreaterThan(36 * 3_600_000);
    expect(ttl('day')).toBeLessThan(52 * 3_600_000);
  });

  it('leaves out fields of another shape', () => {
    const doc = usageFromHashes(keys, [
      { key: `gp:usage:hour:${Date.parse('2026-07-15T12:00:00Z')}`, fields: [['k m r', '3'], ['k m r extra', '1'], ['%E0 m r', '1'], ['k m p', '-2'], ['k m q', '9']] },
      { key: 'gp:state:cooling:k', fields: [['k m r', '1']] },
    ]);
    const book = new UsageBook();
    book.merge(doc, 'add', NOW);
    expect(book.totals('k', NOW).hour).toMatchObject({ requests: 3, promptTokens: 0 });
  });
});

describe('usage under --workers', () => {
  it('relays a worker\'s batch to the others, and gives a starting worker the totals', () => {
    const hub = new ClusterHub({ sessions: { maxChats: 10, maxChatsPerUser: 10, idleTimeoutMs: 60_000 }, newChatId: () => 'c', now: () => NOW });
    const heard: PrimaryMessage[] = [];
    hub.join(1, () => undefined);
    hub.join(2, (message) => heard.push(message));
    const change: UsageChange = { type: 'usage', counts: batch(['k', 'm', 'ok']), whole: false };
    hub.receive(1, { gp: STATE_TAG, t: 'publish', change });
    hub.receive(1, { gp: STATE_TAG, t: 'publish', change });
    hub.receive(1, { gp: STATE_TAG, t: 'publish', change: { type: 'usage', counts: 'broken', whole: false } });
    expect(heard.filter((message) => message.t === 'change')).toHaveLength(2);

    const starting = new UsageLedger({ now: () => NOW });
    starting.book.count('k', 'm', 'ok', USAGE, NOW); // already counted before the snapshot came
    for (const snapshot of hub.snapshot()) if (snapshot.type === 'usage') starting.apply(snapshot);
    expect(starting.book.totals('k', NOW).day).toMatchObject({ requests: 2, promptTokens: 20 });
  });
});

/** The usage book (hours, Pacific days, bounds, its JSON form) and reading usage from an answer's tail. */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderUsageMetrics, sumCounters } from '../../src/server/usage-metrics.js';
import { UsageLedger, type UsageChange } from '../../src/upstream/usage-ledger.js';
import { addUsage, UsageTail, usageIn } from '../../src/upstream/usage-tail.js';
import {
  DAYS_KEPT, HOURS_KEPT, MAX_CELLS, OTHER_MODEL, parseUsageDoc, UsageBook, type UsageTotals,
} from '../../src/upstream/usage.js';

const at = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;
const USAGE = { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 2, cachedContentTokenCount: 6, totalTokenCount: 16 };

function totals(requests: number, tokens = 0, failures: Record<string, number> = {}): UsageTotals {
  return { requests, failures, promptTokens: 10 * tokens, candidatesTokens: 4 * tokens, thoughtsTokens: 2 * tokens, cachedTokens: 6 * tokens };
}

describe('UsageBook', () => {
  it('counts requests, failures by verdict and tokens per key, all its models together', () => {
    const book = new UsageBook();
    const now = at('2026-07-15T12:10:00Z');
    book.count('k1', 'gemini-2.5-flash', 'ok', USAGE, now);
    book.count('k1', 'gemini-2.5-pro', 'ok', USAGE, now);
    book.count('k1', 'gemini-2.5-pro', 'rate-limited', undefined, now);
    book.count('k2', 'gemini-2.5-flash', 'key-invalid', undefined, now);
    expect(book.totals('k1', now)).toEqual({ hour: totals(3, 2, { 'rate-limited': 1 }), day: totals(3, 2, { 'rate-limited': 1 }) });
    expect(book.totals('k2', now).day).toEqual(totals(1, 0, { 'key-invalid': 1 }));
    expect(book.totals('k3', now).day).toEqual(totals(0));
  });

  it('ignores token counts that are not whole numbers', () => {
    const book = new UsageBook();
    const now = at('2026-07-15T12:10:00Z');
    book.count('k', 'm', 'ok', { promptTokenCount: -3, candidatesTokenCount: 1.5, thoughtsTokenCount: 'x' as unknown as number }, now);
    expect(book.totals('k', now).day).toEqual(totals(1));
  });

  it('starts a new hour on the hour, and keeps the day', () => {
    const book = new UsageBook();
    book.count('k', 'm', 'ok', USAGE, at('2026-07-15T12:59:59Z'));
    const next = at('2026-07-15T13:00:00Z');
    book.count('k', 'm', 'ok', USAGE, next);
    expect(book.totals('k', next)).toEqual({ hour: totals(1, 1), day: totals(2, 2) });
  });

  it.each([
    ['summer (PDT): midnight is 07:00 UTC', '2026-07-16T06:59:59Z', '2026-07-16T07:00:00Z'],
    ['winter (PST): midnight is 08:00 UTC', '2026-01-16T07:59:59Z', '2026-01-16T08:00:00Z'],
    ['the spring switch day (23 hours) ends at 07:00 UTC', '2026-03-09T06:59:59Z', '2026-03-09T07:00:00Z'],
    ['the autumn switch day (25 hours) ends at 08:00 UTC', '2026-11-02T07:59:59Z', '2026-11-02T08:00:00Z'],
  ])('ends the day at Pacific midnight: %s', (_label, before, after) => {
    const book = new UsageBook();
    book.count('k', 'm', 'ok', USAGE, at(before));
    expect(book.totals('k', at(before)).day).toEqual(totals(1, 1));
    expect(book.totals('k', at(after)).day).toEqual(totals(0));
    book.count('k', 'm', 'ok', USAGE, at(after));
    expect(book.totals('k', at(after)).day).toEqual(totals(1, 1));
  });

  it('keeps a whole switch day together: 00:30 PST and 23:30 PDT of 2026-03-08 are one day', () => {
    const book = new UsageBook();
    book.count('k', 'm', 'ok', USAGE, at('2026-03-08T08:30:00Z'));
    book.count('k', 'm', 'ok', USAGE, at('2026-03-09T06:30:00Z'));
    expect(book.totals('k', at('2026-03-09T06:30:00Z')).day).toEqual(totals(2, 2));
    const doc = book.toDoc();
    expect(Object.keys(doc.days)).toEqual([String(at('2026-03-09T07:00:00Z'))]);
  });

  it(`keeps the last ${HOURS_KEPT} hours and ${DAYS_KEPT} days, no more`, () => {
    const book = new UsageBook();
    const start = at('2026-07-10T00:30:00Z');
    for (let hour = 0; hour < 24 * 5; hour++) book.count('k', 'm', 'ok', USAGE, start + hour * HOUR);
    const doc = book.toDoc();
    expect(Object.keys(doc.hours)).toHaveLength(HOURS_KEPT);
    expect(Object.keys(doc.days)).toHaveLength(DAYS_KEPT);
    const last = start + (24 * 5 - 1) * HOUR;
    expect(Math.min(...Object.keys(doc.hours).map(Number))).toBe(last - 30 * 60_000 - (HOURS_KEPT - 1) * HOUR);
  });

  it(`holds at most ${MAX_CELLS} key × model cells an hour: more models are counted as ${OTHER_MODEL}`, () => {
    const book = new UsageBook();
    const now = at('2026-07-15T12:10:00Z');
    for (let i = 0; i < MAX_CELLS + 5; i++) book.count('k', `model-${i}`, 'ok', undefined, now);
    const cells = book.toDoc().hours[String(at('2026-07-15T12:00:00Z'))]?.['k'] ?? {};
    expect(Object.keys(cells)).toHaveLength(MAX_CELLS + 1);
    expect(cells[OTHER_MODEL]?.[0]).toBe(5);
    expect(book.totals('k', now).hour.requests).toBe(MAX_CELLS + 5);
  });

  it('takes names from outside as names: a key id of __proto__ is one key like any', () => {
    const book = new UsageBook();
    const now = at('2026-07-15T12:10:00Z');
    book.count('__proto__', 'constructor', 'ok', USAGE, now);
    const copy = new UsageBook();
    copy.merge(parseUsageDoc(JSON.parse(JSON.stringify(book.toDoc()))) ?? { hours: {}, days: {} }, 'add', now);
    expect(copy.totals('__proto__', now).day).toEqual(totals(1, 1));
    expect(({} as Record<string, unknown>)['constructor']).toBe(Object);
  });
});

describe('UsageDoc', () => {
  const now = at('2026-07-15T12:10:00Z');
  const filled = (): UsageBook => {
    const book = new UsageBook();
    book.count('k1', 'm', 'ok', USAGE, now);
    book.count('k1', 'm', 'upstream-error', undefined, now);
    return book;
  };

  it('survives JSON: added to an empty book it gives the same totals', () => {
    const doc = parseUsageDoc(JSON.parse(JSON.stringify(filled().toDoc())));
    expect(doc).toBeDefined();
    const copy = new UsageBook();
    copy.merge(doc ?? { hours: {}, days: {} }, 'add', now);
    expect(copy.totals('k1', now)).toEqual(filled().totals('k1', now));
  });

  it('adds deltas, and merges totals by maximum: a snapshot applied twice counts nothing twice', () => {
    const book = filled();
    const doc = filled().toDoc();
    book.merge(doc, 'max', now);
    book.merge(doc, 'max', now);
    expect(book.totals('k1', now).day).toEqual(totals(2, 1, { 'upstream-error': 1 }));
    book.merge(doc, 'add', now);
    expect(book.totals('k1', now).day).toEqual(totals(4, 2, { 'upstream-error': 2 }));
  });

  it('leaves out hours and days outside what is kept', () => {
    const book = new UsageBook();
    book.merge(filled().toDoc(), 'add', now + 3 * 24 * HOUR);
    expect(book.empty).toBe(true);
  });

  it.each([
    ['a negative count', { hours: { 1: { k: { m: [-1, 0, 0, 0, 0] } } }, days: {} }],
    ['a fraction', { hours: { 1: { k: { m: [0.5, 0, 0, 0, 0] } } }, days: {} }],
    ['too few counts', { hours: { 1: { k: { m: [1, 0, 0, 0] } } }, days: {} }],
    ['failures that are not counts', { hours: {}, days: { 1: { k: { m: [1, 0, 0, 0, 0, { x: 'y' }] } } } }],
    ['a bucket that is not a time', { hours: { soon: {} }, days: {} }],
    ['no days', { hours: {} }],
  ])('refuses %s', (_label, value) => {
    expect(parseUsageDoc(value)).toBeUndefined();
  });
});

describe('reading usage from the end of an answer', () => {
  const sse = (...events: unknown[]): string => events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join('');
  const event = (usage: Record<string, unknown> | undefined, text = 'hi'): Record<string, unknown> => ({
    candidates: [{ content: { parts: [{ text }] }, finishReason: 'STOP' }], ...(usage && { usageMetadata: usage }), modelVersion: 'm',
  });
  const read = (chunks: readonly string[]) => {
    const tail = new UsageTail();
    for (const chunk of chunks) tail.push(Buffer.from(chunk));
    return tail.read();
  };

  it('reads a whole JSON answer', () => {
    expect(read([JSON.stringify(event(USAGE), null, 2)])).toEqual(USAGE);
  });

  it('reads the last SSE event, not an earlier one', () => {
    expect(read([sse(event({ promptTokenCount: 1 }), event(USAGE))])).toEqual(USAGE);
  });

  it('reads a JSON-array stream by its last element', () => {
    expect(read([`[${JSON.stringify(event({ promptTokenCount: 1 }))},\r\n${JSON.stringify(event(USAGE))}]`])).toEqual(USAGE);
  });

  it('reads a usage cut across chunks, at every cut', () => {
    const text = sse(event({ promptTokenCount: 1 }), event(USAGE));
    for (let cut = 1; cut < text.length; cut++) expect(read([text.slice(0, cut), text.slice(cut)])).toEqual(USAGE);
  });

  it('reads a usage cut into small chunks, behind an answer longer than what is kept', () => {
    const text = sse(event(undefined, 'x'.repeat(40_000)), event(USAGE));
    expect(read(text.match(/[^]{1,5}/g) ?? [])).toEqual(USAGE);
  });

  it('finds none in an answer without usage, nor in text that only mentions it', () => {
    expect(read([sse(event(undefined))])).toBeUndefined();
    expect(read([JSON.stringify(event(undefined, '"usageMetadata": {"promptTokenCount": 99}'))])).toBeUndefined();
    expect(read([])).toBeUndefined();
  });

  it('gives the last whole usage of a body cut inside its last one', () => {
    const text = sse(event({ promptTokenCount: 1 }), event(USAGE));
    expect(usageIn(Buffer.from(text.slice(0, text.lastIndexOf('"candidatesTokenCount"'))))).toEqual({ promptTokenCount: 1 });
  });

  it('adds the usages of a request of several calls', () => {
    expect(addUsage(undefined, { usageMetadata: USAGE })).toBe(USAGE);
    expect(addUsage(USAGE, { usageMetadata: USAGE })).toEqual({ promptTokenCount: 20, candidatesTokenCount: 8, thoughtsTokenCount: 4, cachedContentTokenCount: 12 });
    expect(addUsage(USAGE, { embeddings: [] })).toBe(USAGE);
  });
});

describe('UsageLedger', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const now = at('2026-07-15T12:10:00Z');
  const ok = (key: string) => ({ key, relay: 'r', verdict: 'ok' as const, ms: 1 });
  const limited = (key: string) => ({ key, relay: 'r', verdict: 'rate-limited' as const, ms: 1 });

  it('counts every attempt against its key, and the tokens against the one that answered', () => {
    const ledger = new UsageLedger({ now: () => now });
    ledger.record('m', [limited('a'), ok('b')], USAGE);
    expect(ledger.book.totals('a', now).day).toEqual(totals(1, 0, { 'rate-limited': 1 }));
    expect(ledger.book.totals('b', now).day).toEqual(totals(1, 1));
    expect(ledger.ownCounters()).toEqual({ m: [2, 10, 4, 2, 6] });
  });

  it('publishes a batch at most once a second, and nothing when idle', () => {
    vi.useFakeTimers();
    const published: UsageChange[] = [];
    const ledger = new UsageLedger({ now: () => now, publish: (change) => published.push(change) });
    ledger.record('m', [ok('a')], USAGE);
    ledger.record('m', [ok('a')], USAGE);
    expect(published).toHaveLength(0);
    vi.advanceTimersByTime(1_000);
    expect(published).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(published).toHaveLength(1);
    const other = new UsageLedger({ now: () => now });
    other.apply(published[0] as UsageChange);
    expect(other.book.totals('a', now).day).toEqual(totals(2, 2));
    expect(other.ownCounters()).toEqual({});
  });

  it('renders its counters summed over workers, by model and kind, with no key', async () => {
    const ledger = new UsageLedger({ now: () => now, gather: async () => [{ m: [1, 2, 3, 4, 5] }, { m: [1, 1, 1, 1, 1], '': [1, 0, 0, 0, 0] }, 'junk'] });
    expect(sumCounters(await ledger.gatherCounters())).toEqual(new Map([['m', [2, 3, 4, 5, 6]], ['', [1, 0, 0, 0, 0]]]));
    const text = await renderUsageMetrics(ledger);
    expect(text).toContain('gemini_proxy_usage_requests_total{model="none"} 1');
    expect(text).toContain('gemini_proxy_usage_tokens_total{model="m",kind="cached"} 6');
  });
});

/**
 * The dashboard's rendering, as pure functions (src/server/ui/page/view.ts, traffic-view.ts):
 * escaping, sorting, filtering, the usage columns, the charts' series and the failures table.
 */

import { describe, expect, it } from 'vitest';
import { failureRows, trafficCharts } from '../../src/server/ui/page/traffic-view.js';
import { compact, healthRows, keyRows, keySummary, relative, visibleKeys, type KeyRow, type KeyView, type UsageTotals } from '../../src/server/ui/page/view.js';
import { MINUTE_MS, type FailedRequest } from '../../src/server/traffic.js';

const NOW = Date.UTC(2026, 6, 1, 12, 0, 0);
const at = (ms: number): string => new Date(NOW + ms).toISOString();

const KEYS: KeyRow[] = [
  { id: 'key_c', state: 'active', attempts: 5, failures: 0 },
  { id: 'key_a', project: 'alpha', state: 'cooling', coolingUntil: { 'gemini-2.5-pro': at(90_000), 'gemini-2.5-flash': at(30_000) }, attempts: 2, failures: 1 },
  { id: 'key_b', project: 'beta', state: 'disabled', reason: 'API_KEY_INVALID', disabledAt: at(-5_000), attempts: 1, failures: 1 },
  { id: 'key_d', state: 'disabled', reason: 'MANUAL', manual: true, disabledAt: at(-1_000), attempts: 0, failures: 0 },
];
const view = (change: Partial<KeyView>): KeyView => ({ sort: 'id', descending: false, text: '', state: '', ...change });
const ids = (keys: readonly KeyRow[]): string[] => keys.map((key) => key.id);

describe('dashboard view', () => {
  it('sorts by any column, either way', () => {
    expect(ids(visibleKeys(KEYS, view({})))).toEqual(['key_a', 'key_b', 'key_c', 'key_d']);
    expect(ids(visibleKeys(KEYS, view({ sort: 'state' })))).toEqual(['key_c', 'key_a', 'key_b', 'key_d']);
    expect(ids(visibleKeys(KEYS, view({ sort: 'attempts', descending: true })))).toEqual(['key_c', 'key_a', 'key_b', 'key_d']);
    // Active keys have no time; a cooling key sorts by the first model free again.
    expect(ids(visibleKeys(KEYS, view({ sort: 'until' })))).toEqual(['key_c', 'key_b', 'key_d', 'key_a']);
  });

  it('filters by text (id, project, reason, model) and by state', () => {
    expect(ids(visibleKeys(KEYS, view({ text: 'BETA' })))).toEqual(['key_b']);
    expect(ids(visibleKeys(KEYS, view({ text: 'flash' })))).toEqual(['key_a']);
    expect(ids(visibleKeys(KEYS, view({ state: 'disabled' })))).toEqual(['key_b', 'key_d']);
    expect(ids(visibleKeys(KEYS, view({ state: 'manual' })))).toEqual(['key_d']);
    expect(keySummary(KEYS, 1)).toBe('4 keys: 1 active, 1 cooling, 2 disabled (1 by hand); showing 1');
  });

  it('escapes every value it draws: a relay can put any text in a reason', () => {
    const hostile: KeyRow = { id: 'key_"x', state: 'disabled', reason: '<img src=x onerror=alert(1)>', attempts: 0, failures: 0 };
    const html = keyRows([hostile], NOW);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('data-id="key_&quot;x"');
    const relay = healthRows([{ id: '<b>', state: 'unhealthy', reason: '"><script>', consecutiveFailures: 1, attempts: 1, failures: 1 }], NOW, '');
    expect(relay).not.toMatch(/<b>|<script>/);
  });

  it('shows the actions a key can take: no Disable on a key disabled by hand, Enable only on disabled keys', () => {
    const actions = (key: KeyRow): string[] => [...keyRows([key], NOW).matchAll(/data-action="(\w+)"/g)].map((match) => match[1] ?? '');
    expect(actions(KEYS[0]!)).toEqual(['disable', 'probe']);
    expect(actions(KEYS[2]!)).toEqual(['disable', 'enable', 'probe']);
    expect(actions(KEYS[3]!)).toEqual(['enable', 'probe']);
  });

  it('says times relative to the server clock', () => {
    expect(relative(at(37_000), NOW)).toBe('in 37 s');
    expect(relative(at(-300_000), NOW)).toBe('5 min ago');
    expect(relative(at(3 * 3_600_000), NOW)).toBe('in 3 h');
  });

  it('shows each key\'s usage, last hour / today, and a dash while the daemon gives none', () => {
    const totals = (requests: number, failures: Record<string, number>, tokens: number): UsageTotals => ({
      requests, failures, promptTokens: tokens, candidatesTokens: tokens / 2, thoughtsTokens: tokens / 4, cachedTokens: 0,
    });
    const used: KeyRow = { ...KEYS[0]!, usage: { hour: totals(3, { 'rate-limited': 1 }, 1_000), day: totals(40, { 'rate-limited': 5, 'key-invalid': 1 }, 1_200_000) } };
    const cells = (key: KeyRow): string[] => [...keyRows([key], NOW).matchAll(/<td class="num usage"[^>]*>(.*?)<\/td>/g)].map((match) => match[1] ?? '');
    expect(cells(used)).toEqual(['3 / 40', '1 / 6<small>rate-limited 5, key-invalid 1</small>', '1k / 1.2M', '750 / 900k']);
    expect(cells(KEYS[1]!)).toEqual(['—', '—', '—', '—']);
    // Sorting by a usage column sorts by today's figure; keys without usage come first.
    const more: KeyRow = { ...KEYS[2]!, usage: { hour: totals(0, {}, 0), day: totals(41, {}, 0) } };
    expect(ids(visibleKeys([used, more, KEYS[1]!], view({ sort: 'requests', descending: true })))).toEqual(['key_b', 'key_c', 'key_a']);
    expect(ids(visibleKeys([used, more, KEYS[1]!], view({ sort: 'failed', descending: true })))).toEqual(['key_c', 'key_b', 'key_a']);
    expect([compact(999), compact(1_050), compact(12_345), compact(3_400_000)]).toEqual(['999', '1.1k', '12k', '3.4M']);
  });

  it('turns a traffic snapshot into one value a minute for the last hour, zeros where nothing happened', () => {
    const charts = trafficCharts({
      nowMs: NOW + 30_000,
      minutes: [
        { start: NOW - 2 * MINUTE_MS, requests: { openai: { '2xx': 3, '429': 1 } }, attempts: { ok: 3, 'rate-limited': 2 }, latencyMs: { 100: 4 } },
        { start: NOW, requests: { gemini: { '5xx': 1 }, openai: { '2xx': 1 } }, attempts: { 'upstream-error': 1 }, latencyMs: { 1000: 2 } },
      ],
      failures: [],
    });
    expect(charts.byProtocol.x).toHaveLength(60);
    expect(charts.byProtocol.x.at(-1)).toBe(NOW / 1000);
    const tail = (values: readonly (number | null)[]) => values.slice(-3);
    expect(charts.byProtocol.series.map((series) => [series.label, tail(series.values)])).toEqual([['gemini', [0, 0, 1]], ['openai', [4, 0, 1]]]);
    expect(charts.byStatus.series.map((series) => [series.label, tail(series.values)])).toEqual([['2xx', [3, 0, 1]], ['429', [1, 0, 0]], ['5xx', [0, 0, 1]]]);
    expect(charts.byVerdict.series.map((series) => series.label)).toEqual(['ok', 'rate-limited', 'upstream-error']);
    const [p50, p99] = charts.latency.series;
    expect(tail(p50?.values ?? [])[1]).toBeNull();
    expect(tail(p99?.values ?? [])[2]).toBeGreaterThan(800);
    expect(tail(p99?.values ?? [])[2]).toBeLessThanOrEqual(1000);
  });

  it('shows a failure: its id, route, status, each attempt\'s key, verdict and reason, all escaped', () => {
    const failure: FailedRequest = {
      id: 'req-1', at: NOW - 5_000, protocol: 'openai', route: 'openai-chat', model: '<b>model</b>', status: 400, ms: 120, attemptCount: 22,
      attempts: [
        { key: 'key_a', relay: 'relay.example', status: 429, verdict: 'rate-limited', reason: 'RESOURCE_EXHAUSTED', ms: 50 },
        { key: 'key_b', relay: 'relay.example', egress: 'socks.example', code: 'ECONNRESET', verdict: 'relay-failure', reason: 'ECONNRESET', ms: 1_500 },
      ],
      reason: 'RESOURCE_EXHAUSTED',
    };
    const html = failureRows([failure], NOW);
    expect(html).toContain('data-request="req-1"');
    expect(html).toContain('5 s ago');
    expect(html).not.toContain('<b>');
    expect([...html.matchAll(/class="verdict [^"]+">([^<]+)</g)].map((match) => match[1])).toEqual(['rate-limited', 'relay-failure']);
    expect(html).toContain('429 RESOURCE_EXHAUSTED');
    // A network failure's code is its reason: said once.
    expect(html).toContain('relay-failure</span> ECONNRESET <small>relay.example via socks.example, 1.5 s</small>');
    expect(html).toContain('… 20 earlier');
    expect(failureRows([], NOW)).toContain('No failed request');
  });
});

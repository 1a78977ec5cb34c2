/** The dashboard's rendering, as pure functions (src/server/ui/page/view.ts): escaping, sorting, filtering. */

import { describe, expect, it } from 'vitest';
import { healthRows, keyRows, keySummary, relative, visibleKeys, type KeyRow, type KeyView } from '../../src/server/ui/page/view.js';

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
});

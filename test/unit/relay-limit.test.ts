/** The relay-limit rule, pure, and the watch that keeps its sightings: an IP limit against genuine key limits. */

import { describe, expect, it } from 'vitest';
import {
  RELAY_LIMIT_HOLDERS, RELAY_LIMIT_WINDOW_MS, RelayLimitWatch, relayLimitCall, type Sighting, type Sightings,
} from '../../src/upstream/relay-limit.js';

const T0 = 1_780_000_000_000;

/** `{ r1: { k1: '429@0', k2: 'ok@-5000' } }` → sightings, times relative to T0. */
function sightings(spec: Record<string, Record<string, string>>): Sightings {
  return new Map(Object.entries(spec).map(([relay, holders]) => [relay, new Map(Object.entries(holders).map(([holder, text]) => {
    const [outcome = '', at = '0'] = text.split('@');
    const seen: Sighting = { ok: outcome === 'ok', atMs: T0 + Number(at) };
    return [holder, seen];
  }))]));
}

describe('relayLimitCall', () => {
  it('is three quota holders within a minute', () => {
    expect(RELAY_LIMIT_HOLDERS).toBe(3);
    expect(RELAY_LIMIT_WINDOW_MS).toBe(60_000);
  });

  it('an IP limit: three holders refused through r1, served through r2 → the relay', () => {
    const seen = sightings({ r1: { k1: '429', k2: '429', k3: '429' }, r2: { k1: 'ok@-1000', k2: 'ok@-2000', k4: 'ok' } });
    expect(relayLimitCall(seen, 'r1', 2, T0)).toBe('relay');
  });

  it('served by the majority is enough: one holder limited everywhere does not clear the relay', () => {
    const seen = sightings({ r1: { k1: '429', k2: '429', k3: '429' }, r2: { k1: 'ok', k2: 'ok', k3: '429' } });
    expect(relayLimitCall(seen, 'r1', 2, T0)).toBe('relay');
  });

  it('a storm of genuine key limits, the same holders refused on every relay → the keys\'', () => {
    const seen = sightings({ r1: { k1: '429', k2: '429', k3: '429' }, r2: { k1: '429', k2: '429', k3: 'ok' } });
    expect(relayLimitCall(seen, 'r1', 2, T0)).toBeUndefined();
  });

  it('a storm through a lone relay is the keys\', whatever the sightings', () => {
    const seen = sightings({ r1: { k1: '429', k2: '429', k3: '429', k4: '429' } });
    expect(relayLimitCall(seen, 'r1', 1, T0)).toBeUndefined();
  });

  it('fewer than three holders is never the relay', () => {
    const seen = sightings({ r1: { k1: '429', k2: '429', k3: 'ok' }, r2: { k1: 'ok', k2: 'ok', k3: 'ok' } });
    expect(relayLimitCall(seen, 'r1', 2, T0)).toBeUndefined();
  });

  it('no other relay has seen those holders lately → unsure', () => {
    const seen = sightings({ r1: { k1: '429', k2: '429', k3: '429' }, r2: { k4: 'ok', k1: 'ok@-60000' } });
    expect(relayLimitCall(seen, 'r1', 2, T0)).toBe('unsure');
  });

  it('sightings older than the window do not count, on either side', () => {
    const stale = sightings({ r1: { k1: '429@-60000', k2: '429', k3: '429' }, r2: { k1: 'ok', k2: 'ok', k3: 'ok' } });
    expect(relayLimitCall(stale, 'r1', 2, T0)).toBeUndefined();
    const fresh = sightings({ r1: { k1: '429@-59999', k2: '429', k3: '429' }, r2: { k1: 'ok', k2: 'ok', k3: 'ok' } });
    expect(relayLimitCall(fresh, 'r1', 2, T0)).toBe('relay');
  });

  it('the latest sighting elsewhere counts: served, then refused on r3, is refused', () => {
    const seen = sightings({
      r1: { k1: '429', k2: '429', k3: '429' }, r2: { k1: 'ok@-3000', k2: 'ok@-3000', k3: 'ok@-3000' }, r3: { k1: '429@-1000', k2: '429@-1000' },
    });
    expect(relayLimitCall(seen, 'r1', 3, T0)).toBeUndefined();
  });
});

describe('RelayLimitWatch', () => {
  it('records successes only while a 429 is recent: the hot path stays free', () => {
    const watch = new RelayLimitWatch<string>();
    watch.served('k1', 'r2', T0); // no 429 yet: not recorded
    for (const holder of ['k1', 'k2']) watch.limited(holder, 'r1', 2, T0);
    expect(watch.limited('k3', 'r1', 2, T0)).toBe('unsure');
    watch.served('k1', 'r2', T0 + 1);
    expect(watch.limited('k3', 'r1', 2, T0 + 2)).toBe('relay');
  });

  it('a lone relay is never watched', () => {
    const watch = new RelayLimitWatch<string>();
    for (const holder of ['k1', 'k2', 'k3', 'k4']) expect(watch.limited(holder, 'r1', 1, T0)).toBeUndefined();
  });

  it('a later success through the suspected relay clears that holder', () => {
    const watch = new RelayLimitWatch<string>();
    for (const holder of ['k1', 'k2', 'k3']) watch.served(holder, 'r2', T0);
    watch.limited('k1', 'r1', 2, T0);
    watch.limited('k2', 'r1', 2, T0);
    watch.served('k2', 'r1', T0 + 1);
    expect(watch.limited('k3', 'r1', 2, T0 + 2)).toBeUndefined();
  });

  it('gives back what a relay\'s 429s cooled within the window, newest first, once', () => {
    const watch = new RelayLimitWatch<string>();
    watch.cooled('r1', ['old'], T0 - RELAY_LIMIT_WINDOW_MS);
    watch.cooled('r1', ['a1', 'a2'], T0);
    watch.cooled('r2', ['b'], T0);
    watch.cooled('r1', ['c'], T0 + 1);
    expect(watch.takeCoolings('r1', T0 + 2)).toEqual(['c', 'a2', 'a1']);
    expect(watch.takeCoolings('r1', T0 + 2)).toEqual([]);
    expect(watch.takeCoolings('r2', T0 + 2)).toEqual(['b']);
  });

  it('forgets sightings past the window', () => {
    const watch = new RelayLimitWatch<string>();
    watch.limited('k1', 'r1', 2, T0);
    watch.limited('k2', 'r1', 2, T0);
    expect(watch.limited('k3', 'r1', 2, T0 + RELAY_LIMIT_WINDOW_MS)).toBeUndefined();
  });
});

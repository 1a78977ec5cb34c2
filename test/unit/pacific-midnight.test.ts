/** The next midnight in America/Los_Angeles, when Google's per-day quotas reset. */

import { describe, expect, it } from 'vitest';
import { nextPacificMidnight } from '../../src/upstream/pacific-midnight.js';

/** An ISO instant in UTC → epoch ms. */
const at = (iso: string): number => Date.parse(iso);

describe('nextPacificMidnight', () => {
  it.each([
    // [label, now (UTC), expected midnight (UTC)]
    ['summer (PDT, UTC-7), morning', '2026-07-15T12:00:00.000Z', '2026-07-16T07:00:00.000Z'],
    ['summer, late evening still on the 15th in LA', '2026-07-16T05:30:00.000Z', '2026-07-16T07:00:00.000Z'],
    ['winter (PST, UTC-8), morning', '2026-01-15T12:00:00.000Z', '2026-01-16T08:00:00.000Z'],
    ['winter, late evening', '2026-01-16T07:59:00.000Z', '2026-01-16T08:00:00.000Z'],
    ['end of a month', '2026-01-31T20:00:00.000Z', '2026-02-01T08:00:00.000Z'],
    ['end of a year', '2026-12-31T20:00:00.000Z', '2027-01-01T08:00:00.000Z'],
    ['leap day', '2028-02-29T20:00:00.000Z', '2028-03-01T08:00:00.000Z'],
  ])('%s', (_label, now, expected) => {
    expect(new Date(nextPacificMidnight(at(now))).toISOString()).toBe(expected);
  });

  describe('the spring switch, Sunday 2026-03-08 (02:00 PST → 03:00 PDT)', () => {
    it.each([
      ['the day before: midnight that starts the switch day is still PST', '2026-03-07T20:00:00.000Z', '2026-03-08T08:00:00.000Z'],
      ['00:30 PST, before the switch', '2026-03-08T08:30:00.000Z', '2026-03-09T07:00:00.000Z'],
      ['01:59:59 PST, just before the switch', '2026-03-08T09:59:59.000Z', '2026-03-09T07:00:00.000Z'],
      ['03:00 PDT, just after the switch', '2026-03-08T10:00:00.000Z', '2026-03-09T07:00:00.000Z'],
      ['23:59 PDT on the switch day', '2026-03-09T06:59:00.000Z', '2026-03-09T07:00:00.000Z'],
    ])('%s', (_label, now, expected) => {
      expect(new Date(nextPacificMidnight(at(now))).toISOString()).toBe(expected);
    });
  });

  describe('the autumn switch, Sunday 2026-11-01 (02:00 PDT → 01:00 PST)', () => {
    it.each([
      ['the day before: midnight that starts the switch day is still PDT', '2026-10-31T19:00:00.000Z', '2026-11-01T07:00:00.000Z'],
      ['00:30 PDT, before the switch', '2026-11-01T07:30:00.000Z', '2026-11-02T08:00:00.000Z'],
      ['01:30 PDT, the first 01:30', '2026-11-01T08:30:00.000Z', '2026-11-02T08:00:00.000Z'],
      ['01:30 PST, the repeated 01:30', '2026-11-01T09:30:00.000Z', '2026-11-02T08:00:00.000Z'],
      ['23:59 PST on the switch day', '2026-11-02T07:59:00.000Z', '2026-11-02T08:00:00.000Z'],
    ])('%s', (_label, now, expected) => {
      expect(new Date(nextPacificMidnight(at(now))).toISOString()).toBe(expected);
    });
  });

  describe('around midnight', () => {
    const midnight = at('2026-07-16T07:00:00.000Z');
    const following = at('2026-07-17T07:00:00.000Z');

    it('one millisecond before midnight gives that midnight', () => {
      expect(nextPacificMidnight(midnight - 1)).toBe(midnight);
    });

    it('one second before midnight gives that midnight', () => {
      expect(nextPacificMidnight(midnight - 1_000)).toBe(midnight);
    });

    it('exactly midnight gives the following midnight (strictly after now)', () => {
      expect(nextPacificMidnight(midnight)).toBe(following);
    });

    it('one millisecond after midnight gives the following midnight', () => {
      expect(nextPacificMidnight(midnight + 1)).toBe(following);
    });

    it('the result is always a whole second, later than now and at most 25 hours away', () => {
      for (const now of [midnight - 1, midnight + 1, midnight + 123_456_789, at('2026-11-01T07:00:00.001Z')]) {
        const next = nextPacificMidnight(now);
        expect(next % 1_000).toBe(0);
        expect(next).toBeGreaterThan(now);
        expect(next - now).toBeLessThanOrEqual(25 * 3_600_000);
      }
    });
  });
});

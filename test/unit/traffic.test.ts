/** The dashboard's traffic history (src/server/traffic.ts): minutes that roll, bounds, the merge, percentiles. */

import { describe, expect, it } from 'vitest';
import type { AttemptTrail } from '../../src/upstream/dispatch.js';
import {
  FAILURES_KEPT, isTrafficSnapshot, LATENCY_BOUNDS_MS, latencyBucket, latencyQuantile, mergeTraffic, MINUTE_MS, TRAIL_KEPT, TrafficHistory,
  WINDOW_MINUTES, type FinishedRequest, type TrafficSnapshot,
} from '../../src/server/traffic.js';

const T0 = Date.UTC(2026, 6, 1, 12, 0, 0);
const minute = (n: number): number => T0 + n * MINUTE_MS;

let serial = 0;
/** A request that ended at `endMs` after `ms`. */
function finished(endMs: number, ms: number, change: Partial<FinishedRequest> = {}): FinishedRequest {
  return { id: `req-${++serial}`, protocol: 'openai', route: 'openai-chat', model: 'gemini-2.5-flash', startedAt: endMs - ms, truncated: false, attempts: [], ...change };
}

const ok: AttemptTrail = { key: 'key_aaaa', relay: 'relay.example', status: 200, verdict: 'ok', ms: 40 };
const limited: AttemptTrail = { key: 'key_bbbb', relay: 'relay.example', status: 429, verdict: 'rate-limited', reason: 'RESOURCE_EXHAUSTED', ms: 20, condemned: true };
const invalid: AttemptTrail = { key: 'key_cccc', relay: 'relay.example', status: 400, verdict: 'client-error', reason: 'INVALID_ARGUMENT', ms: 30 };

describe('traffic history', () => {
  it('counts requests by protocol and status class, attempts by verdict, and not the operators\' routes', () => {
    const history = new TrafficHistory();
    history.record(finished(minute(0) + 1_000, 100, { attempts: [limited, ok] }), 200, 100, false);
    history.record(finished(minute(0) + 2_000, 50, { attempts: [invalid] }), 400, 50, false);
    history.record(finished(minute(0) + 3_000, 50, { protocol: 'gemini', route: 'gemini' }), 429, 50, false);
    history.record(finished(minute(0) + 4_000, 50, { protocol: 'gemini', route: 'gemini', truncated: true }), 200, 50, false);
    history.record(finished(minute(0) + 5_000, 50, { protocol: 'anthropic', route: 'anthropic-messages' }), 503, 50, true);
    history.record(finished(minute(0) + 6_000, 5, { protocol: 'ops', route: 'ui-state' }), 200, 5, false);
    history.record(finished(minute(0) + 7_000, 5, { route: 'none' }), 404, 5, false);
    const { minutes } = history.snapshot(minute(0) + 10_000);
    expect(minutes).toHaveLength(1);
    expect(minutes[0]).toMatchObject({
      start: minute(0),
      requests: { openai: { '2xx': 1, '4xx': 1 }, gemini: { '429': 1, cut: 1 }, anthropic: { cut: 1 } },
      attempts: { 'rate-limited': 1, ok: 1, 'client-error': 1 },
    });
    expect(Object.values(minutes[0]?.latencyMs ?? {}).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('keeps a failed request with its trail and Google\'s reason, and nothing but ids, names and numbers', () => {
    const history = new TrafficHistory();
    history.record(finished(minute(0), 70, { id: 'req-ok', attempts: [ok] }), 200, 70, false);
    history.record(finished(minute(0) + 1, 50, { id: 'req-failed', attempts: [limited, invalid] }), 400, 50, false);
    history.record(finished(minute(0) + 2, 9, { id: 'req-cut', protocol: 'gemini', route: 'gemini', model: '', truncated: true }), 200, 9, false);
    expect(history.snapshot(minute(1)).failures).toEqual([
      { id: 'req-cut', at: minute(0) + 2, protocol: 'gemini', route: 'gemini', status: 200, cut: 'truncated', ms: 9, attemptCount: 0, attempts: [] },
      {
        id: 'req-failed', at: minute(0) + 1, protocol: 'openai', route: 'openai-chat', model: 'gemini-2.5-flash', status: 400, ms: 50,
        attemptCount: 2,
        attempts: [
          { key: 'key_bbbb', relay: 'relay.example', status: 429, verdict: 'rate-limited', reason: 'RESOURCE_EXHAUSTED', ms: 20 },
          { key: 'key_cccc', relay: 'relay.example', status: 400, verdict: 'client-error', reason: 'INVALID_ARGUMENT', ms: 30 },
        ],
        reason: 'INVALID_ARGUMENT',
      },
    ]);
  });

  it('rolls its minutes: an hour later a minute\'s slot holds the new minute only, and old minutes leave the snapshot', () => {
    const history = new TrafficHistory();
    history.record(finished(minute(0) + 5, 5), 200, 5, false);
    history.record(finished(minute(1) + 5, 5), 200, 5, false);
    expect(history.snapshot(minute(1)).minutes.map((entry) => entry.start)).toEqual([minute(0), minute(1)]);
    // 59 minutes on, minute 0 is still in the window; 60 on, it is not.
    expect(history.snapshot(minute(59)).minutes.map((entry) => entry.start)).toEqual([minute(0), minute(1)]);
    expect(history.snapshot(minute(60)).minutes.map((entry) => entry.start)).toEqual([minute(1)]);
    // Minute 60 reuses minute 0's slot: its counts start from nothing.
    history.record(finished(minute(60) + 5, 5, { protocol: 'gemini', route: 'gemini' }), 200, 5, false);
    const last = history.snapshot(minute(60)).minutes.at(-1);
    expect(last).toMatchObject({ start: minute(60), requests: { gemini: { '2xx': 1 } } });
    expect(last?.requests['openai']).toBeUndefined();
    // A request that ends late, in a minute whose slot a newer minute took, is not counted there.
    history.record(finished(minute(0) + 10, 5), 200, 5, false);
    expect(history.snapshot(minute(60)).minutes.at(-1)?.requests['openai']).toBeUndefined();
  });

  it('stays bounded whatever the traffic: 60 minutes, 50 failures, 20 attempts each, model names cut', () => {
    const history = new TrafficHistory();
    const trail = Array.from({ length: 500 }, (_, i): AttemptTrail => ({ ...limited, key: `key_${i}` }));
    for (let i = 0; i < 5_000; i++) {
      history.record(finished(T0 + i * 15_000, 10, { model: 'm'.repeat(10_000), attempts: trail, protocol: `p${i % 3}` }), 500, 10, false);
    }
    const snapshot = history.snapshot(T0 + 5_000 * 15_000);
    expect(snapshot.minutes.length).toBeLessThanOrEqual(WINDOW_MINUTES);
    expect(snapshot.failures).toHaveLength(FAILURES_KEPT);
    expect(snapshot.failures[0]?.id).toBe(`req-${serial}`);
    expect(snapshot.failures.every((entry) => entry.attempts.length === TRAIL_KEPT && entry.attemptCount === 500)).toBe(true);
    expect(snapshot.failures[0]?.attempts.at(-1)?.key).toBe('key_499');
    expect(snapshot.failures[0]?.model?.length).toBeLessThanOrEqual(120);
    expect(JSON.stringify(snapshot).length).toBeLessThan(300_000);
  });

  it('is JSON as it is, and merges: minutes summed by start, failures by time, the window of the newest', () => {
    const one = new TrafficHistory();
    const two = new TrafficHistory();
    one.record(finished(minute(0) + 1, 100, { id: 'a', attempts: [ok] }), 200, 100, false);
    one.record(finished(minute(2) + 3, 100, { id: 'c', attempts: [invalid] }), 400, 100, false);
    two.record(finished(minute(0) + 2, 100, { id: 'b', attempts: [limited] }), 429, 100, false);
    two.record(finished(minute(1) + 2, 1_000, { protocol: 'gemini', route: 'gemini' }), 200, 1_000, false);
    const snapshots = [one.snapshot(minute(2) + 10), two.snapshot(minute(2) + 5)];
    expect(JSON.parse(JSON.stringify(snapshots))).toEqual(snapshots);
    const merged = mergeTraffic(snapshots);
    expect(merged.nowMs).toBe(minute(2) + 10);
    expect(merged.minutes.map((entry) => entry.start)).toEqual([minute(0), minute(1), minute(2)]);
    expect(merged.minutes[0]).toMatchObject({ requests: { openai: { '2xx': 1, '429': 1 } }, attempts: { ok: 1, 'rate-limited': 1 } });
    expect(merged.minutes[0]?.latencyMs[String(LATENCY_BOUNDS_MS[latencyBucket(100)])]).toBe(2);
    expect(merged.failures.map((entry) => entry.id)).toEqual(['c', 'b']);
    // Failures at the same millisecond keep their order: a snapshot's, newest first, stays so.
    const tied = new TrafficHistory();
    for (const id of ['z', 'a', 'm']) tied.record(finished(minute(0), 0, { id }), 500, 0, false);
    expect(mergeTraffic([tied.snapshot(minute(0))]).failures.map((entry) => entry.id)).toEqual(['m', 'a', 'z']);
    // Merging is adding: the merge of a merge is the same, a snapshot merged alone is itself.
    expect(mergeTraffic([merged])).toEqual(merged);
    expect(mergeTraffic([snapshots[0] as TrafficSnapshot])).toEqual(snapshots[0]);
    // A worker's minute older than the newest snapshot's hour is dropped.
    expect(mergeTraffic([...snapshots, { nowMs: minute(61), minutes: [], failures: [] }]).minutes.map((entry) => entry.start)).toEqual([minute(2)]);
    expect(mergeTraffic([])).toEqual({ nowMs: 0, minutes: [], failures: [] });
  });

  it('leaves out what another process sent that is not a snapshot, and counts that are not counts', () => {
    const history = new TrafficHistory();
    history.record(finished(minute(0) + 1, 100, { id: 'a', attempts: [ok] }), 500, 100, false);
    const good = history.snapshot(minute(0) + 10);
    const odd = {
      nowMs: minute(0), failures: [],
      minutes: [{ start: minute(0), requests: { openai: { '2xx': 'many' }, gemini: 3 }, attempts: { ok: -1, 'rate-limited': Infinity }, latencyMs: [5] }],
    };
    const junk = [null, 'traffic', 42, [], { nowMs: 1 }, { nowMs: 1, minutes: [{ start: 'x' }], failures: [] }, { nowMs: 1, minutes: [], failures: [{ id: 7 }] }];
    expect(isTrafficSnapshot(good)).toBe(true);
    expect(junk.filter(isTrafficSnapshot)).toEqual([]);
    expect(mergeTraffic([good, odd, ...junk])).toEqual(mergeTraffic([good]));
  });

  it('keeps FAILURES_KEPT failures when merging many workers', () => {
    const workers = Array.from({ length: 3 }, (_, w) => {
      const history = new TrafficHistory();
      for (let i = 0; i < FAILURES_KEPT; i++) history.record(finished(minute(0) + i * 3 + w, 1, { id: `w${w}-${i}` }), 500, 1, false);
      return history.snapshot(minute(1));
    });
    const merged = mergeTraffic(workers);
    expect(merged.failures).toHaveLength(FAILURES_KEPT);
    expect(merged.failures.slice(0, 3).map((entry) => entry.id)).toEqual([`w2-${FAILURES_KEPT - 1}`, `w1-${FAILURES_KEPT - 1}`, `w0-${FAILURES_KEPT - 1}`]);
  });

  it('reads p50 and p99 from a minute\'s histogram, to within its bucket', () => {
    const history = new TrafficHistory();
    for (let i = 0; i < 98; i++) history.record(finished(minute(0) + i, 20), 200, 20, false);
    history.record(finished(minute(0) + 100, 10_000), 200, 10_000, false);
    history.record(finished(minute(0) + 101, 10_000), 200, 10_000, false);
    const latency = history.snapshot(minute(1)).minutes[0]?.latencyMs ?? {};
    const p50 = latencyQuantile(latency, 0.5) ?? 0;
    const p99 = latencyQuantile(latency, 0.99) ?? 0;
    expect(Math.abs(p50 - 20) / 20).toBeLessThan(0.2);
    expect(Math.abs(p99 - 10_000) / 10_000).toBeLessThan(0.2);
    expect(latencyQuantile({}, 0.5)).toBeUndefined();
    // Longer than the last bound: the last bound, the most the histogram can say.
    expect(latencyQuantile({ '+Inf': 3 }, 0.99)).toBe(LATENCY_BOUNDS_MS.at(-1));
  });

  it('has log-spaced bounds, each bucket at most about a fifth wider than the last', () => {
    expect(LATENCY_BOUNDS_MS[0]).toBe(4);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBeGreaterThan(10 * MINUTE_MS);
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) {
      const ratio = (LATENCY_BOUNDS_MS[i] ?? 0) / (LATENCY_BOUNDS_MS[i - 1] ?? 1);
      // Rounded to whole milliseconds, the first few are uneven; from 100 ms on, 2^(1/4) each.
      if ((LATENCY_BOUNDS_MS[i - 1] ?? 0) >= 100) expect(Math.abs(ratio - 2 ** 0.25)).toBeLessThan(0.01);
      else expect(ratio).toBeGreaterThan(1);
    }
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(4)).toBe(0);
    expect(latencyBucket(5)).toBe(1);
    expect(latencyBucket(Number.MAX_SAFE_INTEGER)).toBe(LATENCY_BOUNDS_MS.length);
  });
});

/**
 * /metrics under `--workers`: each worker's counts as a JSON snapshot, snapshots summed into one
 * view, and the gathering that brings them to the worker answering the scrape (the primary's hub
 * and the workers' links over in-memory channels, JSON only, as node:cluster's IPC carries them).
 */

import { describe, expect, it } from 'vitest';
import { mergeMetrics, Metrics, METRICS_TOPIC, renderMetrics, type MetricsSnapshot } from '../../src/server/metrics.js';
import { ClusterHub, type PrimaryMessage } from '../../src/state/cluster-hub.js';
import { ClusterLink, type IpcChannel } from '../../src/state/cluster.js';
import { Gatherer } from '../../src/state/gather.js';
import type { AttemptTrail } from '../../src/upstream/dispatch.js';
import { Rotator } from '../../src/upstream/rotator.js';

const NOW = 1_700_000_000_000;
const IDLE = { inflight: 0, streamsOpen: 0 };

function trail(verdict: string): AttemptTrail {
  return { verdict } as unknown as AttemptTrail;
}

/** A JSON copy: what crosses the channel between processes. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function rotator(): Rotator {
  return new Rotator([{ id: 'key_1', secret: 'AIzaMergeKey0001' } as never], [], { now: () => NOW, onChange: () => undefined });
}

describe('metrics snapshots and their merge', () => {
  it('a snapshot survives JSON and renders as the process\'s own counts did', () => {
    const metrics = new Metrics();
    metrics.record('gemini', 'gemini', 200, 0.02, [trail('rate-limited'), trail('ok')]);
    metrics.record('openai', 'chat', 400, 3, []);
    metrics.recordTruncated('openai');
    const snapshot = metrics.snapshot({ inflight: 2, streamsOpen: 1 });
    expect(copy(snapshot)).toEqual(snapshot);
    expect(mergeMetrics([copy(snapshot)])).toEqual(snapshot);
    const text = renderMetrics(copy(snapshot), { rotator: rotator(), nowMs: NOW });
    expect(sample(text, 'gemini_proxy_requests_total{protocol="openai",route="chat",status="400"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_request_duration_seconds_bucket{protocol="gemini",le="0.025"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_request_duration_seconds_bucket{protocol="gemini",le="0.01"}')).toBe(0);
    expect(sample(text, 'gemini_proxy_streams_truncated_total{protocol="openai"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_requests_in_flight')).toBe(2);
  });

  it('sums counters, histograms bucket by bucket, streams open and requests in flight', () => {
    const one = new Metrics();
    const two = new Metrics();
    one.record('gemini', 'gemini', 200, 0.02, [trail('ok')]);
    one.record('gemini', 'gemini', 200, 0.4, [trail('ok')]);
    two.record('gemini', 'gemini', 200, 0.02, [trail('rate-limited'), trail('ok')]);
    two.record('ollama', 'chat', 200, 7, [trail('ok')]);
    two.recordTruncated('gemini');
    const merged = mergeMetrics([copy(one.snapshot({ inflight: 1, streamsOpen: 0 })), copy(two.snapshot({ inflight: 2, streamsOpen: 1 }))]);
    const text = renderMetrics(merged, { rotator: rotator(), nowMs: NOW });
    expect(sample(text, 'gemini_proxy_requests_total{protocol="gemini",route="gemini",status="200"}')).toBe(3);
    expect(sample(text, 'gemini_proxy_requests_total{protocol="ollama",route="chat",status="200"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_upstream_attempts_total{verdict="ok"}')).toBe(4);
    expect(sample(text, 'gemini_proxy_upstream_attempts_total{verdict="rate-limited"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_request_duration_seconds_bucket{protocol="gemini",le="0.025"}')).toBe(2);
    expect(sample(text, 'gemini_proxy_request_duration_seconds_bucket{protocol="gemini",le="0.5"}')).toBe(3);
    expect(sample(text, 'gemini_proxy_request_duration_seconds_count{protocol="gemini"}')).toBe(3);
    expect(sample(text, 'gemini_proxy_request_duration_seconds_sum{protocol="gemini"}')).toBeCloseTo(0.44);
    expect(sample(text, 'gemini_proxy_streams_truncated_total{protocol="gemini"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_requests_in_flight')).toBe(3);
    expect(sample(text, 'gemini_proxy_streams_open')).toBe(1);
    // The key gauges come from the shared state once, not once per worker.
    expect(sample(text, 'gemini_proxy_keys{state="active"}')).toBe(1);
  });

  it('leaves out a value that is not a snapshot, whatever it is', () => {
    const metrics = new Metrics();
    metrics.record('gemini', 'gemini', 200, 1, [trail('ok')]);
    const good = copy(metrics.snapshot(IDLE));
    const broken: unknown[] = [null, 'text', 7, [], {}, { ...good, requests: { x: 'many' } }, { ...good, durations: { gemini: { counts: 'no' } } }];
    expect(mergeMetrics([...broken, good])).toEqual(good);
    expect(mergeMetrics([])).toEqual({ requests: {}, attempts: {}, durations: {}, truncated: {}, inflight: 0, streamsOpen: 0 });
  });
});

interface Wired {
  readonly link: ClusterLink;
  /** The worker stops answering (its process hangs), its channel still open. */
  mute(): void;
  /** Resolves once the hub has received the next message of this type from the worker. */
  received(type: string): Promise<void>;
}

/** Channels between the hub and a worker's link: asynchronous, in order, JSON only (the worker's pid: 1000 + its id). */
function wire(hub: ClusterHub, workerId: number): Wired {
  const handlers: ((message: unknown) => void)[] = [];
  const waiters: { type: string; resolve: () => void }[] = [];
  let muted = false;
  hub.join(workerId, (message: PrimaryMessage) => {
    if (!muted) setImmediate(() => handlers.forEach((handler) => handler(copy(message))));
  }, 1000 + workerId);
  const channel: IpcChannel = {
    send: (message) => {
      if (muted) return true;
      setImmediate(() => {
        hub.receive(workerId, copy(message));
        const index = waiters.findIndex((waiter) => waiter.type === message.t);
        if (index !== -1) waiters.splice(index, 1)[0]?.resolve();
      });
      return true;
    },
    onMessage: (handler) => handlers.push(handler),
    onClose: () => undefined,
  };
  return {
    link: new ClusterLink(channel),
    mute: () => void (muted = true),
    received: (type) => new Promise((resolve) => waiters.push({ type, resolve })),
  };
}

/** A hub whose gathering time limit the test ends itself; `silent` collects its reports. */
function hubWithTimer(): { hub: ClusterHub; expire(): void; silent: [number, string][] } {
  const timers: (() => void)[] = [];
  const silent: [number, string][] = [];
  const hub = new ClusterHub({
    sessions: { maxChats: 10, maxChatsPerUser: 10, idleTimeoutMs: 60_000 }, newChatId: () => 'chat', now: () => NOW,
    gather: { timer: (_ms, fire) => (timers.push(fire), () => undefined), onSilent: (worker, topic) => silent.push([worker, topic]) },
  });
  return { hub, silent, expire: () => timers.splice(0).forEach((fire) => fire()) };
}

function countingWorker(hub: ClusterHub, workerId: number, requests: number): Wired & { gatherer: Gatherer } {
  const wired = wire(hub, workerId);
  const metrics = new Metrics();
  for (let i = 0; i < requests; i++) metrics.record('gemini', 'gemini', 200, 0.1, [trail('ok')]);
  const gatherer = new Gatherer(wired.link);
  metrics.shareThrough(gatherer, () => IDLE);
  return { ...wired, gatherer };
}

/** The requests' key of protocol, route and status (NUL-separated). */
const GEMINI_200 = ['gemini', 'gemini', '200'].join('\u0000');
const gemini200 = (snapshot: MetricsSnapshot): number | undefined => snapshot.requests[GEMINI_200];

describe('gathering a topic across the workers', () => {
  it('the worker asked gets every worker\'s value, its own included', async () => {
    const { hub } = hubWithTimer();
    const first = countingWorker(hub, 1, 2);
    countingWorker(hub, 2, 3);
    // A worker that provides nothing for the topic is not waited for.
    wire(hub, 3);
    expect(gemini200(mergeMetrics(await first.gatherer.gather(METRICS_TOPIC)))).toBe(5);
  });

  it('a worker that does not answer in time is left out, and reported once however often it stays silent', async () => {
    const { hub, expire, silent } = hubWithTimer();
    const first = countingWorker(hub, 1, 2);
    const second = countingWorker(hub, 2, 3);
    await first.gatherer.gather(METRICS_TOPIC);
    second.mute();
    for (let round = 0; round < 2; round++) {
      const answered = first.received('collected');
      const gathering = first.gatherer.gather(METRICS_TOPIC);
      await answered;
      expire();
      expect(gemini200(mergeMetrics(await gathering))).toBe(2);
    }
    expect(silent).toEqual([[2, METRICS_TOPIC]]);
  });

  it('a worker that dies while a gathering waits for it is left out at once', async () => {
    const { hub, silent } = hubWithTimer();
    const first = countingWorker(hub, 1, 2);
    const second = countingWorker(hub, 2, 3);
    await first.gatherer.gather(METRICS_TOPIC);
    second.mute();
    const answered = first.received('collected');
    const gathering = first.gatherer.gather(METRICS_TOPIC);
    await answered;
    hub.leave(2);
    expect(gemini200(mergeMetrics(await gathering))).toBe(2);
    expect(silent).toEqual([]);
  });

  it('serving alone (no group), a gathering gives this process\'s own value', async () => {
    const gatherer = new Gatherer(undefined);
    const metrics = new Metrics();
    metrics.record('gemini', 'gemini', 200, 0.1, [trail('ok')]);
    metrics.shareThrough(gatherer, () => ({ inflight: 4, streamsOpen: 0 }));
    const values = await gatherer.gather(METRICS_TOPIC);
    expect(values).toHaveLength(1);
    expect(await metrics.collect(() => IDLE)).toMatchObject({ inflight: 4, requests: { [GEMINI_200]: 1 } });
    expect(await gatherer.gather('nobody-provides-this')).toEqual([]);
  });
});

describe('the lead worker', () => {
  it('is the oldest worker whose link is up; when it dies the next oldest becomes it, and all know its pid', async () => {
    const { hub } = hubWithTimer();
    const became: number[] = [];
    const links = [1, 2, 3].map((id) => {
      const { link } = wire(hub, id);
      link.onLead(() => became.push(id));
      return link;
    });
    // A round trip each: the channels keep order, so each has heard who the lead is by then.
    await Promise.all(links.map((link) => link.snapshot()));
    expect(hub.lead).toBe(1);
    expect(became).toEqual([1]);
    expect(links.map((link) => link.health().leadPid)).toEqual([1001, 1001, 1001]);
    hub.leave(1);
    await Promise.all(links.slice(1).map((link) => link.snapshot()));
    expect(became).toEqual([1, 2]);
    expect(links.slice(1).map((link) => link.health().leadPid)).toEqual([1002, 1002]);
  });
});

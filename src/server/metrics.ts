/**
 * @module Prometheus metrics (text format 0.0.4), kept in plain maps: requests by protocol, route
 * and status; upstream attempts by verdict; request durations; key and relay states and open
 * streams read at scrape time. Under `--workers` each worker counts its own and /metrics shows
 * them summed: each worker's counts travel as a JSON snapshot (topic `metrics`, through
 * src/state/gather.ts) and the snapshots merge; the key, relay and egress gauges come from the
 * shared state, once. Alone or with `--redis`, /metrics shows this process's own counts.
 */

import { isObject } from '../protocols/shared/json.js';
import type { Gatherer } from '../state/gather.js';
import type { AttemptTrail } from '../upstream/dispatch.js';
import type { Health } from '../upstream/health.js';
import { keyState, type Rotator } from '../upstream/rotator.js';

/** Seconds; long tails are normal for thinking models. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The topic under which each worker gives its counts. */
export const METRICS_TOPIC = 'metrics';

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** Requests in flight and streams open, read when the counts are taken. */
export interface Load {
  readonly inflight: number;
  readonly streamsOpen: number;
}

/** One process's counts, JSON-safe, as they travel between workers. */
export interface MetricsSnapshot extends Load {
  /** `protocol\0route\0status` → count. */
  readonly requests: Readonly<Record<string, number>>;
  /** Attempt verdict → count. */
  readonly attempts: Readonly<Record<string, number>>;
  /** Protocol → request durations over BUCKETS (per bucket, not cumulative). */
  readonly durations: Readonly<Record<string, Readonly<Histogram>>>;
  /** Protocol → streams that ended without their answer's end. */
  readonly truncated: Readonly<Record<string, number>>;
}

/** What every process shares: the key, relay and egress gauges are read from it. */
export interface SharedGauges {
  readonly rotator: Rotator;
  readonly nowMs: number;
}

function escape(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function labels(pairs: Record<string, string | number>): string {
  const text = Object.entries(pairs).map(([name, value]) => `${name}="${escape(String(value))}"`).join(',');
  return text === '' ? '' : `{${text}}`;
}

function increment(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function emptyHistogram(): Histogram {
  return { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
}

export class Metrics {
  /** `protocol\0route\0status` → count. */
  readonly #requests = new Map<string, number>();
  readonly #attempts = new Map<string, number>();
  readonly #durations = new Map<string, Histogram>();
  /** Streams that ended before their answer was complete, by protocol. */
  readonly #truncated = new Map<string, number>();
  #gatherer: Gatherer | undefined;

  /** Records one stream that started but ended without its answer's end (issue 12 §4). */
  recordTruncated(protocol: string): void {
    increment(this.#truncated, protocol);
  }

  /** Records one finished request and its attempts. */
  record(protocol: string, route: string, status: number, seconds: number, attempts: readonly AttemptTrail[]): void {
    increment(this.#requests, `${protocol}\0${route}\0${status}`);
    for (const attempt of attempts) increment(this.#attempts, attempt.verdict);
    let histogram = this.#durations.get(protocol);
    if (histogram === undefined) {
      histogram = emptyHistogram();
      this.#durations.set(protocol, histogram);
    }
    const bucket = BUCKETS.findIndex((bound) => seconds <= bound);
    if (bucket !== -1) histogram.counts[bucket] = (histogram.counts[bucket] ?? 0) + 1;
    histogram.sum += seconds;
    histogram.count++;
  }

  /** This process's counts now, with its load. */
  snapshot(load: Load): MetricsSnapshot {
    const durations = [...this.#durations].map(([protocol, { counts, sum, count }]): [string, Histogram] => [protocol, { counts: [...counts], sum, count }]);
    return {
      requests: Object.fromEntries(this.#requests), attempts: Object.fromEntries(this.#attempts),
      durations: Object.fromEntries(durations), truncated: Object.fromEntries(this.#truncated),
      inflight: load.inflight, streamsOpen: load.streamsOpen,
    };
  }

  /** Provides this process's counts under METRICS_TOPIC, and collects every worker's through `gatherer` from now on. */
  shareThrough(gatherer: Gatherer, load: () => Load): void {
    gatherer.provide(METRICS_TOPIC, () => this.snapshot(load()));
    this.#gatherer = gatherer;
  }

  /** What /metrics shows: every live worker's counts summed under `--workers`, else this process's. */
  async collect(load: () => Load): Promise<MetricsSnapshot> {
    if (this.#gatherer === undefined) return this.snapshot(load());
    return mergeMetrics(await this.#gatherer.gather(METRICS_TOPIC));
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isCounts(value: unknown): value is Record<string, number> {
  return isObject(value) && Object.values(value).every(isCount);
}

function isHistogram(value: unknown): value is Histogram {
  return isObject(value) && Array.isArray(value['counts']) && value['counts'].every(isCount) && isCount(value['sum']) && isCount(value['count']);
}

/** Whether a value from another process is a snapshot of counts (anything else is left out of a merge). */
export function isMetricsSnapshot(value: unknown): value is MetricsSnapshot {
  return isObject(value) && isCounts(value['requests']) && isCounts(value['attempts']) && isCounts(value['truncated'])
    && isObject(value['durations']) && Object.values(value['durations']).every(isHistogram)
    && isCount(value['inflight']) && isCount(value['streamsOpen']);
}

function addCounts(into: Map<string, number>, counts: Readonly<Record<string, number>>): void {
  for (const [key, value] of Object.entries(counts)) increment(into, key, value);
}

/** The sum of several processes' snapshots; values that are not snapshots are skipped. */
export function mergeMetrics(values: readonly unknown[]): MetricsSnapshot {
  const requests = new Map<string, number>();
  const attempts = new Map<string, number>();
  const truncated = new Map<string, number>();
  const durations = new Map<string, Histogram>();
  let inflight = 0;
  let streamsOpen = 0;
  for (const value of values) {
    if (!isMetricsSnapshot(value)) continue;
    addCounts(requests, value.requests);
    addCounts(attempts, value.attempts);
    addCounts(truncated, value.truncated);
    for (const [protocol, histogram] of Object.entries(value.durations)) {
      const sum = durations.get(protocol) ?? emptyHistogram();
      BUCKETS.forEach((_bound, index) => {
        sum.counts[index] = (sum.counts[index] ?? 0) + (histogram.counts[index] ?? 0);
      });
      sum.sum += histogram.sum;
      sum.count += histogram.count;
      durations.set(protocol, sum);
    }
    inflight += value.inflight;
    streamsOpen += value.streamsOpen;
  }
  return {
    requests: Object.fromEntries(requests), attempts: Object.fromEntries(attempts), durations: Object.fromEntries(durations),
    truncated: Object.fromEntries(truncated), inflight, streamsOpen,
  };
}

type Family = (name: string, type: string, help: string) => void;

/** The whole exposition: `counts` (one process's, or merged), and the gauges of the shared state. */
export function renderMetrics(counts: MetricsSnapshot, shared: SharedGauges): string {
  const lines: string[] = [];
  const family: Family = (name, type, help) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  family('gemini_proxy_requests_total', 'counter', 'Requests answered, by protocol, route and status.');
  for (const [key, value] of Object.entries(counts.requests)) {
    const [protocol = '', route = '', status = ''] = key.split('\0');
    lines.push(`gemini_proxy_requests_total${labels({ protocol, route, status })} ${value}`);
  }
  family('gemini_proxy_upstream_attempts_total', 'counter', 'Upstream attempts, by the error policy\'s verdict (ok for success).');
  for (const [verdict, value] of Object.entries(counts.attempts)) lines.push(`gemini_proxy_upstream_attempts_total${labels({ verdict })} ${value}`);
  renderDurations(lines, family, counts.durations);
  renderStates(lines, family, shared);
  family('gemini_proxy_streams_truncated_total', 'counter', 'Streams that ended without a finish reason, cut or failed after the start, by protocol.');
  for (const [protocol, value] of Object.entries(counts.truncated)) lines.push(`gemini_proxy_streams_truncated_total${labels({ protocol })} ${value}`);
  family('gemini_proxy_streams_open', 'gauge', 'Streamed responses in progress.');
  lines.push(`gemini_proxy_streams_open ${counts.streamsOpen}`);
  family('gemini_proxy_requests_in_flight', 'gauge', 'Requests in progress.');
  lines.push(`gemini_proxy_requests_in_flight ${counts.inflight}`);
  return `${lines.join('\n')}\n`;
}

function renderDurations(lines: string[], family: Family, durations: MetricsSnapshot['durations']): void {
  family('gemini_proxy_request_duration_seconds', 'histogram', 'Time from request to the end of the response, by protocol.');
  for (const [protocol, histogram] of Object.entries(durations)) {
    let cumulative = 0;
    BUCKETS.forEach((bound, index) => {
      cumulative += histogram.counts[index] ?? 0;
      lines.push(`gemini_proxy_request_duration_seconds_bucket${labels({ protocol, le: bound })} ${cumulative}`);
    });
    lines.push(`gemini_proxy_request_duration_seconds_bucket${labels({ protocol, le: '+Inf' })} ${histogram.count}`);
    lines.push(`gemini_proxy_request_duration_seconds_sum${labels({ protocol })} ${histogram.sum}`);
    lines.push(`gemini_proxy_request_duration_seconds_count${labels({ protocol })} ${histogram.count}`);
  }
}

function renderStates(lines: string[], family: Family, { rotator, nowMs }: SharedGauges): void {
  const keys = { active: 0, cooling: 0, disabled: 0 };
  for (const record of rotator.keys) keys[keyState(record, nowMs)]++;
  family('gemini_proxy_keys', 'gauge', 'API keys by state.');
  for (const [name, count] of Object.entries(keys)) lines.push(`gemini_proxy_keys${labels({ state: name })} ${count}`);
  // Keys of one project share its quota: an operator sees a whole project cooling at once.
  const projects = new Map<string, typeof keys>();
  for (const record of rotator.keys) {
    if (record.project === undefined) continue;
    const counts = projects.get(record.project) ?? { active: 0, cooling: 0, disabled: 0 };
    counts[keyState(record, nowMs)]++;
    projects.set(record.project, counts);
  }
  family('gemini_proxy_project_keys', 'gauge', 'API keys by project (an api_keys.txt label, or the projects/NNN Google named) and state.');
  for (const [project, counts] of projects) {
    for (const [name, count] of Object.entries(counts)) lines.push(`gemini_proxy_project_keys${labels({ project, state: name })} ${count}`);
  }
  const health = (records: Iterable<Health>): Record<'healthy' | 'unhealthy', number> => {
    const counts = { healthy: 0, unhealthy: 0 };
    for (const record of records) counts[record.unhealthyUntilMs > nowMs ? 'unhealthy' : 'healthy']++;
    return counts;
  };
  family('gemini_proxy_relays', 'gauge', 'Relays by state.');
  for (const [name, count] of Object.entries(health(rotator.relays))) lines.push(`gemini_proxy_relays${labels({ state: name })} ${count}`);
  family('gemini_proxy_egress_proxies', 'gauge', 'Egress proxies by state.');
  for (const [name, count] of Object.entries(health(rotator.egress.records))) {
    lines.push(`gemini_proxy_egress_proxies${labels({ state: name })} ${count}`);
  }
}

/**
 * @module Prometheus metrics (text format 0.0.4), kept in plain maps: requests by protocol, route
 * and status; upstream attempts by verdict; request durations; key and relay states and open
 * streams read at scrape time.
 */

import type { AttemptTrail } from '../upstream/dispatch.js';
import { keyState, type Rotator } from '../upstream/rotator.js';
import type { Health } from '../upstream/health.js';

/** Seconds; long tails are normal for thinking models. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
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

export interface ScrapeState {
  readonly rotator: Rotator;
  readonly streamsOpen: number;
  readonly inflight: number;
  readonly nowMs: number;
}

export class Metrics {
  /** `protocol\0route\0status` → count. */
  readonly #requests = new Map<string, number>();
  readonly #attempts = new Map<string, number>();
  readonly #durations = new Map<string, Histogram>();
  /** Streams that ended before their answer was complete, by protocol. */
  readonly #truncated = new Map<string, number>();

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
      histogram = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#durations.set(protocol, histogram);
    }
    const bucket = BUCKETS.findIndex((bound) => seconds <= bound);
    if (bucket !== -1) histogram.counts[bucket] = (histogram.counts[bucket] ?? 0) + 1;
    histogram.sum += seconds;
    histogram.count++;
  }

  /** The whole exposition. */
  render(state: ScrapeState): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('gemini_proxy_requests_total', 'counter', 'Requests answered, by protocol, route and status.');
    for (const [key, value] of this.#requests) {
      const [protocol = '', route = '', status = ''] = key.split('\0');
      lines.push(`gemini_proxy_requests_total${labels({ protocol, route, status })} ${value}`);
    }
    family('gemini_proxy_upstream_attempts_total', 'counter', 'Upstream attempts, by the error policy\'s verdict (ok for success).');
    for (const [verdict, value] of this.#attempts) lines.push(`gemini_proxy_upstream_attempts_total${labels({ verdict })} ${value}`);
    this.#renderDurations(lines, family);
    this.#renderStates(lines, family, state);
    family('gemini_proxy_streams_truncated_total', 'counter', 'Streams that ended without a finish reason, cut or failed after the start, by protocol.');
    for (const [protocol, value] of this.#truncated) lines.push(`gemini_proxy_streams_truncated_total${labels({ protocol })} ${value}`);
    family('gemini_proxy_streams_open', 'gauge', 'Streamed responses in progress.');
    lines.push(`gemini_proxy_streams_open ${state.streamsOpen}`);
    family('gemini_proxy_requests_in_flight', 'gauge', 'Requests in progress.');
    lines.push(`gemini_proxy_requests_in_flight ${state.inflight}`);
    return `${lines.join('\n')}\n`;
  }

  #renderDurations(lines: string[], family: (name: string, type: string, help: string) => void): void {
    family('gemini_proxy_request_duration_seconds', 'histogram', 'Time from request to the end of the response, by protocol.');
    for (const [protocol, histogram] of this.#durations) {
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

  #renderStates(lines: string[], family: (name: string, type: string, help: string) => void, state: ScrapeState): void {
    const keys = { active: 0, cooling: 0, disabled: 0 };
    for (const record of state.rotator.keys) keys[keyState(record, state.nowMs)]++;
    family('gemini_proxy_keys', 'gauge', 'API keys by state.');
    for (const [name, count] of Object.entries(keys)) lines.push(`gemini_proxy_keys${labels({ state: name })} ${count}`);
    // Keys of one project share its quota: an operator sees a whole project cooling at once.
    const projects = new Map<string, typeof keys>();
    for (const record of state.rotator.keys) {
      if (record.project === undefined) continue;
      const counts = projects.get(record.project) ?? { active: 0, cooling: 0, disabled: 0 };
      counts[keyState(record, state.nowMs)]++;
      projects.set(record.project, counts);
    }
    family('gemini_proxy_project_keys', 'gauge', 'API keys by project (an api_keys.txt label, or the projects/NNN Google named) and state.');
    for (const [project, counts] of projects) {
      for (const [name, count] of Object.entries(counts)) lines.push(`gemini_proxy_project_keys${labels({ project, state: name })} ${count}`);
    }
    const health = (records: Iterable<Health>): Record<'healthy' | 'unhealthy', number> => {
      const counts = { healthy: 0, unhealthy: 0 };
      for (const record of records) counts[record.unhealthyUntilMs > state.nowMs ? 'unhealthy' : 'healthy']++;
      return counts;
    };
    family('gemini_proxy_relays', 'gauge', 'Relays by state.');
    for (const [name, count] of Object.entries(health(state.rotator.relays))) lines.push(`gemini_proxy_relays${labels({ state: name })} ${count}`);
    family('gemini_proxy_egress_proxies', 'gauge', 'Egress proxies by state.');
    for (const [name, count] of Object.entries(health(state.rotator.egress.records))) {
      lines.push(`gemini_proxy_egress_proxies${labels({ state: name })} ${count}`);
    }
  }
}

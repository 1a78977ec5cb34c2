/**
 * @module What the dashboard shows of `/ui/api/traffic`: the charts' series (one value per
 * minute of the last hour) and the recent failures as HTML text. Pure functions (no DOM), so
 * Node tests run them; the percentiles are the daemon's own (../../traffic.ts).
 */

import {
  latencyQuantile, MINUTE_MS, STATUS_CLASSES, WINDOW_MINUTES, type FailedAttempt, type FailedRequest, type TrafficSnapshot,
} from '../../traffic.js';
import { escapeHtml, relative } from './view.js';

export type { TrafficSnapshot } from '../../traffic.js';

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** One per minute; null where there is nothing to say (no request, no latency). */
  readonly values: readonly (number | null)[];
}

export interface ChartData {
  /** The minutes' starts, in seconds (uPlot's time unit), oldest first. */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
}

export interface TrafficCharts {
  readonly byProtocol: ChartData;
  readonly byStatus: ChartData;
  readonly byVerdict: ChartData;
  readonly latency: ChartData;
}

/** Colours that say the same thing as the badges: green fine, amber the client's, red the upstream's. */
const STATUS_COLORS: Record<string, string> = {
  '2xx': '#1a7f37', '3xx': '#5b6577', '4xx': '#c77c02', '429': '#5b3cc4', '5xx': '#b42318', cut: '#1d2433',
};
const VERDICT_COLORS: Record<string, string> = {
  ok: '#1a7f37', 'rate-limited': '#5b3cc4', 'key-invalid': '#b42318', 'client-error': '#c77c02', 'upstream-error': '#e8590c',
  'relay-failure': '#0b7285', 'relay-limited': '#9c36b5', 'egress-failure': '#495057', 'bad-answer': '#c2255c',
  'empty-answer': '#868e96', aborted: '#1d2433',
};
const PROTOCOL_COLORS: Record<string, string> = {
  gemini: '#1a73e8', openai: '#10a37f', anthropic: '#d97757', ollama: '#495057', session: '#9c36b5', simple: '#c2255c',
};
/** For names the tables above do not know (a protocol or verdict added later). */
const SPARE_COLORS = ['#0b7285', '#e8590c', '#5c940d', '#862e9c', '#1864ab', '#a61e4d'];

function colorOf(table: Record<string, string>, name: string, index: number): string {
  return table[name] ?? SPARE_COLORS[index % SPARE_COLORS.length] ?? '#000000';
}

/** Known names in the order given, then any others alphabetically. */
function ordered(names: Iterable<string>, known: readonly string[]): string[] {
  const rank = (name: string): number => (known.includes(name) ? known.indexOf(name) : known.length);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function sum(values: Readonly<Record<string, number | undefined>>): number {
  return Object.values(values).reduce<number>((total, count) => total + (count ?? 0), 0);
}

/** The charts' data: the last WINDOW_MINUTES minutes up to the snapshot's, missing minutes as 0. */
export function trafficCharts(snapshot: TrafficSnapshot): TrafficCharts {
  const last = Math.floor(snapshot.nowMs / MINUTE_MS) * MINUTE_MS;
  const starts = Array.from({ length: WINDOW_MINUTES }, (_, i) => last - (WINDOW_MINUTES - 1 - i) * MINUTE_MS);
  const byStart = new Map(snapshot.minutes.map((minute) => [minute.start, minute]));
  const minutes = starts.map((start) => byStart.get(start));
  const x = starts.map((start) => start / 1000);
  // An explicit order for the status classes: an object lists `429`, an integer-like key, first.
  const counts = (table: Record<string, string>, names: Iterable<string>, count: (name: string, index: number) => number, order: readonly string[] = Object.keys(table)): ChartData => ({
    x,
    series: ordered(names, order).map((name, n) => ({ label: name, color: colorOf(table, name, n), values: minutes.map((_, i) => count(name, i)) })),
  });
  const protocols = snapshot.minutes.flatMap((minute) => Object.keys(minute.requests));
  const classes = snapshot.minutes.flatMap((minute) => Object.values(minute.requests).flatMap((byClass) => Object.keys(byClass)));
  const verdicts = snapshot.minutes.flatMap((minute) => Object.keys(minute.attempts));
  const quantile = (q: number) => minutes.map((minute) => (minute === undefined ? null : (latencyQuantile(minute.latencyMs, q) ?? null)));
  return {
    byProtocol: counts(PROTOCOL_COLORS, protocols, (name, i) => sum(minutes[i]?.requests[name] ?? {})),
    byStatus: counts(STATUS_COLORS, classes,
      (name, i) => Object.values(minutes[i]?.requests ?? {}).reduce((total, byClass) => total + (byClass[name as keyof typeof byClass] ?? 0), 0),
      STATUS_CLASSES),
    byVerdict: counts(VERDICT_COLORS, verdicts, (name, i) => minutes[i]?.attempts[name] ?? 0),
    latency: {
      x,
      series: [
        { label: 'p50', color: '#1a73e8', values: quantile(0.5) },
        { label: 'p99', color: '#b42318', values: quantile(0.99) },
      ],
    },
  };
}

/** "850 ms", "12.3 s", "2.1 min": a latency for an axis or a cell. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`;
  return `${(ms / 60_000).toFixed(1).replace(/\.0$/, '')} min`;
}

function attemptLine(entry: FailedAttempt): string {
  const via = [entry.relay, entry.egress].filter(Boolean).map((id) => escapeHtml(id)).join(' via ');
  // A network failure's code is its reason too: said once.
  const said = [...new Set([entry.status, entry.code, entry.reason])].filter((part) => part !== undefined).map((part) => escapeHtml(part)).join(' ');
  return `<li><code>${escapeHtml(entry.key)}</code> <span class="verdict ${escapeHtml(entry.verdict)}">${escapeHtml(entry.verdict)}</span>`
    + `${said === '' ? '' : ` ${said}`} <small>${via}, ${escapeHtml(duration(entry.ms))}</small></li>`;
}

function trailCell(failure: FailedRequest): string {
  if (failure.attempts.length === 0) return '<small>no upstream attempt</small>';
  const earlier = failure.attemptCount - failure.attempts.length;
  return `<ol class="trail">${earlier > 0 ? `<li><small>… ${earlier} earlier</small></li>` : ''}${failure.attempts.map(attemptLine).join('')}</ol>`;
}

function statusCell(failure: FailedRequest): string {
  const cut = failure.cut === undefined ? '' : ` <small>${escapeHtml(failure.cut)}</small>`;
  return `<span class="badge ${failure.status >= 500 || failure.cut ? 'disabled' : 'cooling'}">${failure.status}</span>${cut}`;
}

/** The route's name when it says more than the protocol's (`openai-chat`, not `gemini` again). */
function routeName(failure: FailedRequest): string {
  return failure.route === failure.protocol ? '' : ` <small>${escapeHtml(failure.route)}</small>`;
}

/** The recent failures' table body, newest first. */
export function failureRows(failures: readonly FailedRequest[], nowMs: number): string {
  if (failures.length === 0) return '<tr><td colspan="7" class="empty">No failed request since the daemon started.</td></tr>';
  return failures.map((failure) => {
    const at = new Date(failure.at).toISOString();
    return `<tr data-request="${escapeHtml(failure.id)}"><td><time datetime="${at}" title="${at}">${escapeHtml(relative(at, nowMs))}</time></td>`
      + `<td><code>${escapeHtml(failure.id)}</code></td><td>${escapeHtml(failure.protocol)}${routeName(failure)}</td>`
      + `<td>${escapeHtml(failure.model)}</td><td>${statusCell(failure)}</td><td>${trailCell(failure)}</td><td>${escapeHtml(failure.reason)}</td></tr>`;
  }).join('');
}

/**
 * @module The last hour of traffic, for the dashboard: per-minute counts of requests (by protocol
 * and status class) and of upstream attempts (by verdict), a latency histogram per minute (p50
 * and p99 are read from it), and the last failed requests with their attempt trails. Held in
 * memory, bounded whatever the traffic: 60 minute slots reused in a ring, a ring of failures, and
 * only names the code chose (protocols, verdicts) as counter labels. Pure: the time comes from
 * the caller. A snapshot is plain JSON and adds up (`mergeTraffic`), so the workers of
 * `--workers` can each give theirs and the page show their sum.
 *
 * Counted: the requests of the API routes. Not counted: the operators' routes (/status,
 * /metrics, the dashboard itself, which would otherwise chart its own polling), paths no route
 * took, and Live API sessions (WebSocket, not requests). No key, token nor prompt text is kept:
 * a failure holds ids (request, key, relay, egress proxy), names and numbers.
 */

import type { AttemptTrail } from '../upstream/dispatch.js';

/** The topic the workers of `--workers` give their snapshots under (src/state/gather.ts). */
export const TRAFFIC_TOPIC = 'traffic';
export const MINUTE_MS = 60_000;
/** Minutes of history, the one in progress included. */
export const WINDOW_MINUTES = 60;
/** Failed requests kept, the newest. */
export const FAILURES_KEPT = 50;
/** Attempts kept per failed request: the last ones, which decided its answer. */
export const TRAIL_KEPT = 20;
/** A model name is the client's text (before a 404): kept to this length. */
const TEXT_KEPT = 120;

/**
 * Latency buckets' upper bounds, ms: four per doubling (each about 19 % wider than the last, so
 * a percentile read inside one is off by a few per cent at most) from 4 ms to about 12 min, then
 * `+Inf`. Log-spaced: a thinking model's minute and a cached answer's 20 ms read equally well.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [...new Set(Array.from({ length: 71 }, (_, k) => Math.round(2 ** ((k + 8) / 4))))];
const OVERFLOW = '+Inf';

/**
 * What a chart can show at a glance: the class of the status, with 429 apart (the keys ran out:
 * the one a key-rotating proxy's operator watches) and `cut` for an answer that did not end (the
 * client left, or a stream stopped before its answer's end) whatever its status said.
 */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '429', '5xx', 'cut'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export function statusClass(status: number, cut: boolean): StatusClass {
  if (cut) return 'cut';
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return status >= 300 ? '3xx' : '2xx';
}

/** What the history reads of a finished request: a RequestContext has all of it. */
export interface FinishedRequest {
  readonly id: string;
  readonly protocol: string;
  /** The route's name; 'none' when no route took the path. */
  readonly route: string;
  readonly model: string;
  readonly startedAt: number;
  readonly truncated: boolean;
  readonly attempts: readonly AttemptTrail[];
}

/** One attempt of a failed request: ids, the verdict and what Google said, nothing else. */
export type FailedAttempt = Pick<AttemptTrail, 'key' | 'relay' | 'egress' | 'status' | 'code' | 'verdict' | 'reason' | 'ms'>;

/**
 * A request that failed: a status of 400 or more, or an answer cut (`cut`). A 401 for a wrong
 * proxy key is one; so is a stream Google stopped halfway, though its status was 200.
 */
export interface FailedRequest {
  readonly id: string;
  /** When it ended, epoch ms. */
  readonly at: number;
  readonly protocol: string;
  readonly route: string;
  readonly model?: string;
  readonly status: number;
  readonly cut?: 'aborted' | 'truncated';
  readonly ms: number;
  /** How many attempts it made; `attempts` holds the last TRAIL_KEPT of them. */
  readonly attemptCount: number;
  readonly attempts: readonly FailedAttempt[];
  /** Google's reason (or the policy's label) for the last failed attempt; absent with none. */
  readonly reason?: string;
}

/** One minute of traffic in a snapshot. Only minutes that saw traffic are listed. */
export interface MinuteTraffic {
  /** The minute's start, epoch ms. */
  readonly start: number;
  /** Protocol → status class → requests. */
  readonly requests: Readonly<Record<string, Readonly<Partial<Record<StatusClass, number>>>>>;
  /** Attempt verdict (`ok` for a success) → attempts. */
  readonly attempts: Readonly<Record<string, number>>;
  /** A bucket's upper bound in ms (or `+Inf`) → requests that took more than the bound below it and at most this (not cumulative). */
  readonly latencyMs: Readonly<Record<string, number>>;
}

export interface TrafficSnapshot {
  /** The time it was taken (the newest of those merged), epoch ms. */
  readonly nowMs: number;
  /** Oldest first, within the last WINDOW_MINUTES minutes of `nowMs`. */
  readonly minutes: readonly MinuteTraffic[];
  /** Newest first, at most FAILURES_KEPT. */
  readonly failures: readonly FailedRequest[];
}

interface Slot {
  start: number;
  /** Protocol → count per STATUS_CLASSES index. */
  readonly requests: Map<string, number[]>;
  readonly attempts: Map<string, number>;
  /** Count per LATENCY_BOUNDS_MS index, the last for longer. */
  readonly latency: number[];
}

/** The index of the latency bucket `ms` falls in (binary search: about seven comparisons). */
export function latencyBucket(ms: number): number {
  let low = 0;
  let high = LATENCY_BOUNDS_MS.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ms <= (LATENCY_BOUNDS_MS[middle] ?? Infinity)) high = middle;
    else low = middle + 1;
  }
  return low;
}

const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
const clip = (text: string): string => (text.length > TEXT_KEPT ? text.slice(0, TEXT_KEPT) : text);

function failedAttempt(entry: AttemptTrail): FailedAttempt {
  const { key, relay, egress, status, code, verdict, reason, ms } = entry;
  return { key, relay, ...(egress && { egress }), ...(status && { status }), ...(code && { code }), verdict, ...(reason && { reason: clip(reason) }), ms };
}

function failure(request: FinishedRequest, status: number, ms: number, cut: FailedRequest['cut']): FailedRequest {
  const attempts = request.attempts.slice(-TRAIL_KEPT).map(failedAttempt);
  const reason = attempts.findLast((entry) => entry.reason !== undefined)?.reason;
  return {
    id: request.id, at: request.startedAt + ms, protocol: request.protocol, route: request.route,
    ...(request.model && { model: clip(request.model) }), status, ...(cut && { cut }), ms,
    attemptCount: request.attempts.length, attempts, ...(reason && { reason }),
  };
}

export class TrafficHistory {
  readonly #slots: Slot[] = Array.from({ length: WINDOW_MINUTES }, () => ({
    start: -1, requests: new Map(), attempts: new Map(), latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
  }));
  /** A ring: the next failure goes at `#next`. */
  readonly #failures: (FailedRequest | undefined)[] = new Array<FailedRequest | undefined>(FAILURES_KEPT);
  #next = 0;

  /** Counts one finished request that took `ms`; `aborted`: its response did not end. */
  record(request: FinishedRequest, status: number, ms: number, aborted: boolean): void {
    if (request.protocol === 'ops' || request.route === 'none') return;
    const cut = aborted ? 'aborted' : request.truncated ? 'truncated' : undefined;
    const slot = this.#slotFor(request.startedAt + ms);
    if (slot !== undefined) {
      let counts = slot.requests.get(request.protocol);
      if (counts === undefined) slot.requests.set(request.protocol, (counts = STATUS_CLASSES.map(() => 0)));
      const index = STATUS_CLASSES.indexOf(statusClass(status, cut !== undefined));
      counts[index] = (counts[index] ?? 0) + 1;
      for (const { verdict } of request.attempts) slot.attempts.set(verdict, (slot.attempts.get(verdict) ?? 0) + 1);
      const bucket = latencyBucket(ms);
      slot.latency[bucket] = (slot.latency[bucket] ?? 0) + 1;
    }
    if (status < 400 && cut === undefined) return;
    this.#failures[this.#next] = failure(request, status, ms, cut);
    this.#next = (this.#next + 1) % FAILURES_KEPT;
  }

  /** The slot of the minute `atMs` is in, emptied if it held an older minute; none if it holds a newer one. */
  #slotFor(atMs: number): Slot | undefined {
    const start = minuteOf(atMs);
    const slot = this.#slots[(start / MINUTE_MS) % WINDOW_MINUTES];
    if (slot === undefined || slot.start > start) return undefined;
    if (slot.start < start) {
      slot.start = start;
      slot.requests.clear();
      slot.attempts.clear();
      slot.latency.fill(0);
    }
    return slot;
  }

  snapshot(nowMs: number): TrafficSnapshot {
    const oldest = minuteOf(nowMs) - (WINDOW_MINUTES - 1) * MINUTE_MS;
    const minutes = this.#slots
      .filter((slot) => slot.start >= oldest && slot.start <= nowMs)
      .sort((a, b) => a.start - b.start)
      .map(minuteTraffic);
    const failures: FailedRequest[] = [];
    for (let i = 1; i <= FAILURES_KEPT; i++) {
      const entry = this.#failures[(this.#next - i + FAILURES_KEPT) % FAILURES_KEPT];
      if (entry !== undefined) failures.push(entry);
    }
    return { nowMs, minutes, failures };
  }
}

function minuteTraffic(slot: Slot): MinuteTraffic {
  const requests: Record<string, Partial<Record<StatusClass, number>>> = {};
  for (const [protocol, counts] of slot.requests) {
    requests[protocol] = Object.fromEntries(STATUS_CLASSES.flatMap((name, i) => (counts[i] ? [[name, counts[i]]] : [])));
  }
  const latencyMs: Record<string, number> = {};
  slot.latency.forEach((count, i) => {
    if (count > 0) latencyMs[String(LATENCY_BOUNDS_MS[i] ?? OVERFLOW)] = count;
  });
  return { start: slot.start, requests, attempts: Object.fromEntries(slot.attempts), latencyMs };
}

/** Adds counts by name; anything not a count (from a process of another version, say) adds nothing. */
function addCounts(into: Record<string, number>, from: unknown): void {
  if (!isRecord(from)) return;
  for (const [name, count] of Object.entries(from)) if (isCount(count)) into[name] = (into[name] ?? 0) + count;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * Whether a value gathered from another process is a snapshot this merge can read: its shape,
 * down to the minutes' starts and the failures' ids and times (their counts are checked as added).
 */
export function isTrafficSnapshot(value: unknown): value is TrafficSnapshot {
  if (!isRecord(value) || !isCount(value['nowMs']) || !Array.isArray(value['minutes']) || !Array.isArray(value['failures'])) return false;
  const minutesOk = value['minutes'].every((minute: unknown) => isRecord(minute) && isCount(minute['start']) && isRecord(minute['requests']));
  const failuresOk = value['failures'].every((entry: unknown) => isRecord(entry) && typeof entry['id'] === 'string' && isCount(entry['at']) && Array.isArray(entry['attempts']));
  return minutesOk && failuresOk;
}

/**
 * The sum of snapshots (one per worker): minutes added up by start within the last hour of the
 * newest, failures interleaved by time, newest first, FAILURES_KEPT of them. Values that are
 * not snapshots (isTrafficSnapshot) are left out: each came from another process.
 */
export function mergeTraffic(values: readonly unknown[]): TrafficSnapshot {
  const snapshots = values.filter(isTrafficSnapshot);
  const nowMs = Math.max(0, ...snapshots.map((snapshot) => snapshot.nowMs));
  const oldest = minuteOf(nowMs) - (WINDOW_MINUTES - 1) * MINUTE_MS;
  const byStart = new Map<number, { requests: Record<string, Record<string, number>>; attempts: Record<string, number>; latencyMs: Record<string, number> }>();
  for (const minute of snapshots.flatMap((snapshot) => snapshot.minutes)) {
    if (minute.start < oldest) continue;
    let sum = byStart.get(minute.start);
    if (sum === undefined) byStart.set(minute.start, (sum = { requests: {}, attempts: {}, latencyMs: {} }));
    for (const [protocol, classes] of Object.entries(minute.requests)) if (isRecord(classes)) addCounts((sum.requests[protocol] ??= {}), classes);
    addCounts(sum.attempts, minute.attempts);
    addCounts(sum.latencyMs, minute.latencyMs);
  }
  const minutes = [...byStart].sort(([a], [b]) => a - b).map(([start, sum]) => ({ start, ...sum }));
  const failures = snapshots
    .flatMap((snapshot) => snapshot.failures)
    // Stable: failures at the same millisecond keep each snapshot's order (newest first).
    .sort((a, b) => b.at - a.at)
    .slice(0, FAILURES_KEPT);
  return { nowMs, minutes, failures };
}

/**
 * The `q` quantile (0.5, 0.99) of a latency histogram, ms, as Prometheus reads one: linear
 * within the bucket the rank falls in; the last finite bound for the overflow bucket. Undefined
 * for an empty histogram.
 */
export function latencyQuantile(histogram: Readonly<Record<string, number>>, q: number): number | undefined {
  const buckets = Object.entries(histogram)
    .map(([bound, count]) => ({ upper: bound === OVERFLOW ? Infinity : Number(bound), count }))
    .filter((bucket) => bucket.count > 0 && !Number.isNaN(bucket.upper))
    .sort((a, b) => a.upper - b.upper);
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (const { upper, count } of buckets) {
    if (below + count >= rank) {
      const lower = lowerBound(upper);
      return upper === Infinity ? lower : lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return lowerBound(Infinity);
}

/** The bound below `upper` in LATENCY_BOUNDS_MS (0 below the first). */
function lowerBound(upper: number): number {
  const index = upper === Infinity ? LATENCY_BOUNDS_MS.length : LATENCY_BOUNDS_MS.indexOf(upper);
  return index > 0 ? (LATENCY_BOUNDS_MS[index - 1] ?? 0) : 0;
}

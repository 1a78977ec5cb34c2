/**
 * @module The health of a path upstream (a relay, an egress proxy): unhealthy after a failure
 * for a back-off that doubles from 1 s to 60 s with each failure in a row, healthy again on the
 * first success. An unhealthy path is passed over until its back-off ends, then tried again by
 * the next request that would use it. No I/O; the clock is passed in.
 */

const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;

export interface Health {
  consecutiveFailures: number;
  unhealthyUntilMs: number;
  /** Why it was last found unhealthy, for /status. */
  reason: string | undefined;
  attempts: number;
  failures: number;
}

export function newHealth(): Health {
  return { consecutiveFailures: 0, unhealthyUntilMs: 0, reason: undefined, attempts: 0, failures: 0 };
}

/** Marks a failure: unhealthy until the back-off for this many failures in a row ends. */
export function markUnhealthy(health: Health, reason: string, nowMs: number): void {
  health.failures++;
  health.consecutiveFailures++;
  health.reason = reason;
  const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(health.consecutiveFailures - 1, 16));
  health.unhealthyUntilMs = nowMs + backoff;
}

/** Marks a success; true when that ends a run of failures (worth a `…-healthy` line). */
export function markHealthy(health: Health): boolean {
  if (health.consecutiveFailures === 0) return false;
  health.consecutiveFailures = 0;
  health.unhealthyUntilMs = 0;
  health.reason = undefined;
  return true;
}

/**
 * Of `candidates` not in `skip` (by `id`), the first healthy one, else the one whose back-off
 * ends first, so a hiccup of every path never refuses everyone.
 */
export function firstHealthy<T extends Health>(candidates: Iterable<T>, nowMs: number, skip?: (candidate: T) => boolean): T | undefined {
  let fallback: T | undefined;
  for (const candidate of candidates) {
    if (skip?.(candidate) === true) continue;
    if (candidate.unhealthyUntilMs <= nowMs) return candidate;
    if (fallback === undefined || candidate.unhealthyUntilMs < fallback.unhealthyUntilMs) fallback = candidate;
  }
  return fallback;
}

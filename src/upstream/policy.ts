/**
 * @module The error policy: what one failed upstream attempt means for the key, the relay and the
 * request. A table read top to bottom, first match wins; each row cites the entry of Google's
 * error catalogue it answers (https://ai.google.dev/gemini-api/docs/troubleshooting,
 * shared/reference/wire-formats.md §1.10). Pure: the clock is an argument.
 */

import type { GoogleError } from '../protocols/gemini/google-error.js';
import { nextPacificMidnight } from './pacific-midnight.js';

/** One failed attempt, as seen by the dispatcher. */
export type Outcome =
  | { readonly kind: 'response'; readonly status: number; readonly error: GoogleError | undefined }
  | { readonly kind: 'network'; readonly code: string };

export type VerdictName =
  | 'rate-limited'
  | 'key-invalid'
  | 'client-error'
  | 'upstream-error'
  | 'relay-failure';

/** What to do after an attempt failed. */
export interface Verdict {
  readonly name: VerdictName;
  /** cool: out of rotation for this model until `coolUntilMs`; disable: until probed back. */
  readonly key: 'keep' | 'cool' | 'disable';
  readonly relay: 'keep' | 'unhealthy';
  /** return: the upstream answer goes to the client as it is; the rest try again elsewhere. */
  readonly next: 'return' | 'next-key' | 'next-key-after-backoff' | 'next-relay';
  readonly coolUntilMs?: number;
  /** A short label for logs and /status: a Google reason or status, never a message. */
  readonly reason: string;
}

/** Cooling when a 429 names no delay. Google's per-minute windows make 60 s the safe guess. */
export const DEFAULT_COOLDOWN_MS = 60_000;

/** ErrorInfo reasons that say the key itself (or its project) cannot be used. */
const KEY_REASONS = new Set([
  'API_KEY_INVALID',
  'API_KEY_EXPIRED',
  'API_KEY_SERVICE_BLOCKED',
  'API_KEY_HTTP_REFERRER_BLOCKED',
  'API_KEY_IP_ADDRESS_BLOCKED',
  'API_KEY_ANDROID_APP_BLOCKED',
  'API_KEY_IOS_APP_BLOCKED',
  'CONSUMER_SUSPENDED',
  'CONSUMER_INVALID',
  'SERVICE_DISABLED',
  'BILLING_DISABLED',
  'ACCESS_TOKEN_TYPE_UNSUPPORTED',
]);

/**
 * Google sends no ErrorInfo with these 403s, so only the message tells them apart
 * (catalogue B: "reported as leaked", "has been suspended", "denied access").
 */
const KEY_MESSAGES =
  /^API key not valid|^API Key not found|^API key expired|reported as leaked|has been suspended|project has been denied access/i;

/** 401 reasons that mean the proxy sent the wrong credentials, not that the key is bad. */
const PROXY_CREDENTIAL_REASONS = new Set(['OVERLOADED_CREDENTIALS', 'CREDENTIALS_MISSING']);

/** 400 FAILED_PRECONDITION about where the request came from: the egress, not the key (F). */
const LOCATION_MESSAGES = /location is not supported|not available in your country/i;

/** Statuses that, without Google's error body, come from something in front of Google. */
const RELAY_STATUSES = new Set([401, 403, 404, 405, 407, 429, 502]);

interface Row {
  readonly when: (outcome: Outcome) => boolean;
  readonly verdict: (outcome: Outcome, nowMs: number) => Verdict;
}

function response(outcome: Outcome): { status: number; error: GoogleError | undefined } | undefined {
  return outcome.kind === 'response' ? outcome : undefined;
}

function googleReason(outcome: Outcome): string {
  const error = response(outcome)?.error;
  return error?.reasons.find((reason) => KEY_REASONS.has(reason)) ?? (error?.status || 'UNKNOWN');
}

function isKeyProblem(error: GoogleError): boolean {
  return error.reasons.some((reason) => KEY_REASONS.has(reason)) || KEY_MESSAGES.test(error.message);
}

/** Per-day quotas reset at midnight Pacific; otherwise RetryInfo, else the default. */
function coolUntil(error: GoogleError | undefined, nowMs: number): number {
  if (error?.quotaIds.some((id) => /PerDay/i.test(id))) return nextPacificMidnight(nowMs);
  return nowMs + (error?.retryDelayMs ?? DEFAULT_COOLDOWN_MS);
}

const relayFailure = (reason: string): Verdict =>
  ({ name: 'relay-failure', key: 'keep', relay: 'unhealthy', next: 'next-relay', reason });

const clientError = (reason: string): Verdict =>
  ({ name: 'client-error', key: 'keep', relay: 'keep', next: 'return', reason });

/** The table. Read it against the catalogue; the order matters (first match wins). */
const POLICY: readonly Row[] = [
  // Connection refused or reset, TLS failure, DNS failure, no response headers in time.
  {
    when: (o) => o.kind === 'network',
    verdict: (o) => relayFailure(o.kind === 'network' ? o.code : 'network'),
  },
  // A redirect is never followed (it would carry the key elsewhere); a relay that sends one is
  // misconfigured. Same for auth, not-found or gateway answers that are not Google's JSON.
  {
    when: (o) => {
      const r = response(o);
      return r !== undefined && r.error === undefined &&
        ((r.status >= 300 && r.status < 400) || RELAY_STATUSES.has(r.status) || r.status >= 500);
    },
    verdict: (o) => relayFailure(`http-${response(o)?.status ?? 0}`),
  },
  // C. 429 RESOURCE_EXHAUSTED: cool the key for RetryInfo.retryDelay, or until the daily reset.
  {
    when: (o) => response(o)?.status === 429,
    verdict: (o, now) => ({
      name: 'rate-limited', key: 'cool', relay: 'keep', next: 'next-key',
      coolUntilMs: coolUntil(response(o)?.error, now), reason: 'RESOURCE_EXHAUSTED',
    }),
  },
  // F. 400 FAILED_PRECONDITION "User location is not supported": the relay's egress region.
  {
    when: (o) => {
      const r = response(o);
      return r?.status === 400 && r.error?.status === 'FAILED_PRECONDITION' &&
        LOCATION_MESSAGES.test(r.error.message);
    },
    verdict: () => relayFailure('LOCATION_UNSUPPORTED'),
  },
  // A. 400 API_KEY_INVALID (or its message); 401 UNAUTHENTICATED unless the credentials were the
  // proxy's own mistake; B. 403 for a suspended, leaked or blocked key.
  {
    when: (o) => {
      const r = response(o);
      if (r?.error === undefined) return false;
      if (r.status === 401) return !r.error.reasons.some((reason) => PROXY_CREDENTIAL_REASONS.has(reason));
      return (r.status === 400 || r.status === 403) && isKeyProblem(r.error);
    },
    verdict: (o) => ({
      name: 'key-invalid', key: 'disable', relay: 'keep', next: 'next-key', reason: googleReason(o),
    }),
  },
  // G. 500 INTERNAL, 502, 503 UNAVAILABLE (overloaded), 504 DEADLINE_EXCEEDED: transient, nobody's
  // fault; another key after a short back-off.
  {
    when: (o) => [500, 502, 503, 504].includes(response(o)?.status ?? 0),
    verdict: (o) => ({
      name: 'upstream-error', key: 'keep', relay: 'keep', next: 'next-key-after-backoff',
      reason: googleReason(o),
    }),
  },
  // D, E and every other answer: the request itself is at fault (bad argument, unknown model,
  // too large, another project's file). It goes back to the client; nothing is blamed.
  {
    when: () => true,
    verdict: (o) => clientError(googleReason(o)),
  },
];

/** Classifies one failed attempt. */
export function classify(outcome: Outcome, nowMs: number): Verdict {
  for (const row of POLICY) {
    if (row.when(outcome)) return row.verdict(outcome, nowMs);
  }
  return clientError('UNKNOWN');
}

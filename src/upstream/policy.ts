/**
 * @module The error policy: what one failed upstream attempt means for the key, the relay and the
 * request. A table read top to bottom, first match wins; each row cites the entry of Google's
 * error catalogue it answers (https://ai.google.dev/gemini-api/docs/troubleshooting,
 * shared/reference/wire-formats.md §1.10). Pure: the clock is an argument.
 */

import type { GoogleError } from '../protocols/gemini/google-error.js';
import { isKeyProblem, isLocationRefusal, isProjectReason, keyReason } from './google-catalogue.js';
import { nextPacificMidnight } from './pacific-midnight.js';
import type { RelayLimitCall } from './relay-limit.js';

/** One failed attempt, as seen by the dispatcher. */
export type Outcome =
  | { readonly kind: 'response'; readonly status: number; readonly error: GoogleError | undefined }
  | { readonly kind: 'network'; readonly code: string }
  /** A 2xx whose body could not be read whole, was not the JSON asked for, or held nothing. */
  | { readonly kind: 'bad-answer'; readonly code: string };

/** What the policy knows of the request besides the outcome. */
export interface Attempted {
  /** The path came from the client (the pass-through), not from the proxy's own code. */
  readonly clientPath: boolean;
  /**
   * The relay-limit rule's call (src/upstream/relay-limit.ts), asked only of a 429 this table
   * calls the key's `rate-limited` without `oncePerRequest`: is the limit the relay's address?
   */
  readonly relayLimit?: RelayLimitCall | undefined;
}

export type VerdictName =
  | 'rate-limited'
  | 'key-invalid'
  | 'client-error'
  | 'upstream-error'
  | 'relay-failure'
  | 'relay-limited'
  | 'egress-failure'
  | 'bad-answer'
  | 'empty-answer';

/** What to do after an attempt failed. */
export interface Verdict {
  readonly name: VerdictName;
  /**
   * cool: out of rotation for the request's scope until `coolUntilMs` (with its project's keys);
   * disable: until probed back; lift: coolings the relay's recent 429s set are undone.
   */
  readonly key: 'keep' | 'cool' | 'disable' | 'lift';
  /** check: maybe the relay's fault, so a known-good call through it decides (the prober's). */
  readonly relay: 'keep' | 'unhealthy' | 'check';
  /** unhealthy: the egress proxy the attempt went through failed it (src/upstream/egress.ts). */
  readonly egress?: 'unhealthy';
  /** return: the upstream answer goes to the client as it is; the rest try again elsewhere. */
  readonly next: 'return' | 'next-key' | 'next-key-after-backoff' | 'next-relay' | 'next-egress';
  readonly coolUntilMs?: number;
  /** A short label for logs and /status: a Google reason or status, never a message. */
  readonly reason: string;
  /**
   * The request itself may be what Google objects to (a key refused, a token quota a large
   * request alone exceeds): the dispatcher applies only one such verdict per request.
   */
  readonly oncePerRequest?: true;
  /** The key is not in question, the relay is: the next attempt takes it through another relay. */
  readonly sameKey?: true;
  /** `disable` holds for every key of the key's project: the reason is the project's. */
  readonly wholeProject?: true;
}

/** Cooling when a 429 names no delay. Google's per-minute windows make 60 s the safe guess. */
export const DEFAULT_COOLDOWN_MS = 60_000;

/**
 * Statuses that, without Google's error body, come from something in front of Google. 404 and
 * 405 are also what Google's front end answers, as a bare page, for a path or method it does not
 * serve: for the client's own path that is the client's mistake (see the table).
 */
const RELAY_STATUSES = new Set([401, 403, 404, 405, 407, 408, 429, 502]);
const NO_SUCH_PATH = new Set([404, 405]);
/** `bad-answer` codes for answers too large to hold (src/upstream/answer.ts). */
const OVERSIZED_ANSWERS = new Set(['ANSWER_TOO_LARGE', 'ANSWER_OVER_BUDGET']);

interface Row {
  readonly when: (outcome: Outcome, attempted: Attempted) => boolean;
  readonly verdict: (outcome: Outcome, nowMs: number) => Verdict;
}

function response(outcome: Outcome): { status: number; error: GoogleError | undefined } | undefined {
  return outcome.kind === 'response' ? outcome : undefined;
}

/** A response whose body is not Google's error envelope: a relay's page, or empty. */
function bare(outcome: Outcome): number | undefined {
  const r = response(outcome);
  return r !== undefined && r.error === undefined ? r.status : undefined;
}

function googleReason(outcome: Outcome): string {
  const error = response(outcome)?.error;
  return keyReason(error) ?? (error?.status || 'UNKNOWN');
}

/** Per-day quotas reset at midnight Pacific; otherwise RetryInfo, else the default. */
function coolUntil(error: GoogleError | undefined, nowMs: number): number {
  if (error?.quotaIds.some((id) => /PerDay/i.test(id))) return nextPacificMidnight(nowMs);
  return nowMs + (error?.retryDelayMs ?? DEFAULT_COOLDOWN_MS);
}

function codeOf(outcome: Outcome): string {
  return outcome.kind === 'response' ? `http-${outcome.status}` : outcome.code;
}

const relayFailure = (reason: string): Verdict =>
  ({ name: 'relay-failure', key: 'keep', relay: 'unhealthy', next: 'next-relay', reason });

const clientError = (reason: string): Verdict =>
  ({ name: 'client-error', key: 'keep', relay: 'keep', next: 'return', reason });

/**
 * Transport failures of the egress proxy itself (src/upstream/egress-connect.ts): it could not be
 * reached, refused the proxy's credentials, or failed the handshake. A proxy that reports the
 * relay unreachable (`GP_EGRESS_TARGET_UNREACHABLE`) is not among them: that is the relay's.
 */
const EGRESS_FAILURES = new Set(['GP_EGRESS_UNREACHABLE', 'GP_EGRESS_AUTH', 'GP_EGRESS_REFUSED']);

/** The table. Read it against the catalogue; the order matters (first match wins). */
const POLICY: readonly Row[] = [
  // The egress proxy failed before the relay was reached: neither the key nor the relay is in
  // question. The proxy backs off like a relay, and the same key goes through the next proxy on
  // its hash ring (a key pinned with `proxy=` is passed over instead).
  {
    when: (o) => o.kind === 'network' && EGRESS_FAILURES.has(o.code),
    verdict: (o) => ({
      name: 'egress-failure', key: 'keep', relay: 'keep', egress: 'unhealthy', next: 'next-egress', sameKey: true, reason: codeOf(o),
    }),
  },
  // Connection refused or reset, TLS failure, DNS failure, no response headers in time.
  {
    when: (o) => o.kind === 'network',
    verdict: (o) => relayFailure(codeOf(o)),
  },
  // A 2xx too large to hold (past the answer limit, or past what the body budget has room for
  // now): its size is the request's doing, not the relay's. No retry, nothing blamed.
  {
    when: (o) => o.kind === 'bad-answer' && OVERSIZED_ANSWERS.has(o.code),
    verdict: (o) => ({ name: 'bad-answer', key: 'keep', relay: 'keep', next: 'return', reason: codeOf(o) }),
  },
  // A 2xx holding nothing: no candidate, or candidates without a part or a finish reason; a
  // stream that ended before any content (src/protocols/gemini/empty-answer.ts). Google's own
  // hiccup, well formed, so neither the key nor the relay is to blame; another key may answer.
  {
    when: (o) => o.kind === 'bad-answer' && o.code === 'ANSWER_EMPTY',
    verdict: () => ({ name: 'empty-answer', key: 'keep', relay: 'keep', next: 'next-key', reason: 'ANSWER_EMPTY' }),
  },
  // A 2xx cut short, silent past the idle timeout, or not the JSON asked for: Google always
  // answers whole JSON, so whatever is in between is broken. Another relay may answer.
  {
    when: (o) => o.kind === 'bad-answer',
    verdict: (o) => ({ name: 'bad-answer', key: 'keep', relay: 'unhealthy', next: 'next-relay', reason: codeOf(o) }),
  },
  // A redirect is never followed (it would carry the key elsewhere), whatever its body says: a
  // relay that sends one is misconfigured.
  {
    when: (o) => {
      const status = response(o)?.status ?? 0;
      return status >= 300 && status < 400;
    },
    verdict: (o) => relayFailure(codeOf(o)),
  },
  // A bare 404 or 405 for the client's own path: Google's front end does not serve that path or
  // method. The client's answer, so no relay is blamed for it; but a relay that serves nothing
  // answers the same, so a known-good call through it is made to tell (it takes the next row).
  {
    when: (o, attempted) => attempted.clientPath && NO_SUCH_PATH.has(bare(o) ?? 0),
    verdict: (o) => ({ ...clientError(codeOf(o)), relay: 'check' }),
  },
  // Auth, not-found or gateway answers that are not Google's own JSON come from in front of it.
  {
    when: (o) => {
      const status = bare(o);
      return status !== undefined && (RELAY_STATUSES.has(status) || status >= 500);
    },
    verdict: (o) => relayFailure(codeOf(o)),
  },
  // The relay-limit rule (src/upstream/relay-limit.ts: 3 quota holders within 60 s): Google's 429
  // through a relay that other keys' 429s came through lately, while other relays served those
  // keys, is the relay's IP address limited, not the key. The relay backs off, the coolings its
  // 429s set in the window are lifted, and the same key goes through another relay.
  {
    when: (o, attempted) => response(o)?.status === 429 && attempted.relayLimit === 'relay',
    verdict: () => ({
      name: 'relay-limited', key: 'lift', relay: 'unhealthy', next: 'next-relay', sameKey: true, reason: 'RELAY_RATE_LIMITED',
    }),
  },
  // The relay is suspected, but no other relay has seen those keys lately: the key is not cooled
  // yet and goes through another relay, whose answer is the evidence the rule reads next time.
  {
    when: (o, attempted) => response(o)?.status === 429 && attempted.relayLimit === 'unsure',
    verdict: () => ({ name: 'rate-limited', key: 'keep', relay: 'keep', next: 'next-relay', sameKey: true, reason: 'RESOURCE_EXHAUSTED' }),
  },
  // C. 429 RESOURCE_EXHAUSTED: cool the key, and every key of its project (Google's quota is the
  // project's), for RetryInfo.retryDelay, or until the daily reset,
  // for the request's scope only: its model, or for a call without a model its resource family
  // (`files:*`). Never for every model: a rate-limited file listing must not stop generation.
  {
    when: (o) => response(o)?.status === 429,
    verdict: (o, now) => ({
      name: 'rate-limited', key: 'cool', relay: 'keep', next: 'next-key',
      coolUntilMs: coolUntil(response(o)?.error, now), reason: 'RESOURCE_EXHAUSTED',
      // One request larger than a tokens-per-minute quota is refused by every key alike.
      ...(response(o)?.error?.quotaIds.some((id) => /Tokens/i.test(id)) && { oncePerRequest: true }),
    }),
  },
  // F. 400 FAILED_PRECONDITION "User location is not supported": the relay's egress region.
  {
    when: (o) => {
      const r = response(o);
      return r?.status === 400 && r.error !== undefined && isLocationRefusal(r.error);
    },
    verdict: () => relayFailure('LOCATION_UNSUPPORTED'),
  },
  // A. 400 API_KEY_INVALID; 401 for a key the project does not accept; B. 403 for a suspended,
  // leaked or blocked key. Only a structured reason or a whole fixed message counts (above).
  // A reason that is the project's (its billing, its service, the project suspended) disables
  // every key of the project known so far: each one is probed back on its own.
  {
    when: (o) => {
      const r = response(o);
      return r?.error !== undefined && [400, 401, 403].includes(r.status) && isKeyProblem(r.status, r.error);
    },
    verdict: (o) => ({
      name: 'key-invalid', key: 'disable', relay: 'keep', next: 'next-key', reason: googleReason(o), oncePerRequest: true,
      ...(isProjectReason(googleReason(o)) && { wholeProject: true }),
    }),
  },
  // Any other 401 is about a credential that is not the key (the proxy sent exactly one, the
  // key, so OVERLOADED_CREDENTIALS, CREDENTIALS_MISSING or an OAuth complaint is no key's fault).
  // Nobody is blamed; another key may be taken. It never reaches the client as Google's 401,
  // which the client would read as its own proxy key refused (see the dispatcher).
  {
    when: (o) => response(o)?.status === 401,
    verdict: (o) => ({ name: 'upstream-error', key: 'keep', relay: 'keep', next: 'next-key', reason: googleReason(o) }),
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
  // too large, another project's file, a bare 400 or 413 from a relay's front). It goes back to
  // the client (a bare page as the proxy's own error); nothing is blamed.
  {
    when: () => true,
    verdict: (o) => clientError(bare(o) === undefined ? googleReason(o) : codeOf(o)),
  },
];

/** Classifies one failed attempt. */
export function classify(outcome: Outcome, attempted: Attempted, nowMs: number): Verdict {
  for (const row of POLICY) {
    if (row.when(outcome, attempted)) return row.verdict(outcome, nowMs);
  }
  return clientError('UNKNOWN');
}

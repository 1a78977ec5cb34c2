/**
 * @module The one retry loop. Walks the relay × key matrix for one request: picks a pair not yet
 * tried, sends, lets the policy judge a failure, and stops at the first answer worth giving the
 * client. It commits (returns a live body) only on success, so nothing is retried after a byte
 * has reached the client.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from '../errors.js';
import { attempt, type ResponseBody, type UpstreamRequest } from './attempt.js';
import { classify, type Verdict, type VerdictName } from './policy.js';
import type { UpstreamPools } from './pool.js';
import type { KeyRecord, RelayRecord, Rotator } from './rotator.js';

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 2_000;

/** One line of a request's attempt trail, as logged. */
export interface AttemptTrail {
  key: string;
  relay: string;
  status?: number;
  code?: string;
  verdict: VerdictName | 'ok' | 'aborted';
  ms: number;
}

export type DispatchResult =
  /** Committed: a 2xx whose body the caller streams to the client. */
  | { kind: 'success'; status: number; headers: IncomingHttpHeaders; body: ResponseBody }
  /** An upstream answer that goes to the client as it was sent (already read and scrubbed). */
  | { kind: 'answer'; status: number; headers: IncomingHttpHeaders; body: Buffer };

export interface DispatchDeps {
  readonly rotator: Rotator;
  readonly pools: UpstreamPools;
  readonly secrets: () => Iterable<string>;
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface DispatchLimits {
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
}

/** Shared "tried nothing yet": most requests never need a set of their own. */
const NONE_TRIED: ReadonlySet<string> = new Set();

type Success = Extract<DispatchResult, { kind: 'success' }>;

interface Failure {
  readonly verdict: Verdict;
  readonly answer: Extract<DispatchResult, { kind: 'answer' }> | undefined;
}

export class Dispatcher {
  readonly #deps: DispatchDeps;
  readonly #limits: DispatchLimits;

  constructor(deps: DispatchDeps, limits: DispatchLimits) {
    this.#deps = deps;
    this.#limits = limits;
  }

  /**
   * Sends `request` until it succeeds, the policy says to return, or keys, relays, attempts or
   * the deadline run out. `signal` is the client's; `trail` collects one entry per attempt.
   */
  async send(request: UpstreamRequest, signal: AbortSignal, trail: AttemptTrail[]): Promise<DispatchResult> {
    if (signal.aborted) throw signal.reason;
    const { rotator } = this.#deps;
    // Real time, not the injected clock: the deadline is enforced by timers.
    const deadlineAt = Date.now() + this.#limits.requestTimeoutMs;
    let triedKeys: Set<string> | undefined;
    let triedRelays: Set<string> | undefined;
    let last: Failure | undefined;
    for (let count = 1; count <= this.#limits.maxAttempts; count++) {
      const pick = rotator.pickKey(request.model, triedKeys ?? NONE_TRIED);
      if (!pick.ok) return this.#giveUp(request, last, pick.why === 'cooling' ? pick.retryAtMs : undefined);
      const relay = rotator.pickRelay(triedRelays ?? NONE_TRIED);
      if (relay === undefined) break;
      const result = await this.#attempt(request, pick.record, relay, { signal, deadlineAt }, trail);
      if (result.kind === 'success') return result;
      last = result.failure;
      const { next } = last.verdict;
      if (next === 'return') break;
      if (next === 'next-relay') (triedRelays ??= new Set()).add(relay.relay.id);
      else (triedKeys ??= new Set()).add(pick.record.key.id);
      if (next === 'next-key-after-backoff' && count < this.#limits.maxAttempts) {
        const delay = this.#backoff(count);
        if (Date.now() + delay >= deadlineAt) break;
        await this.#deps.sleep(delay, signal).catch(() => {
          throw signal.reason; // the client left during the back-off: no further attempt
        });
      }
    }
    return this.#giveUp(request, last, undefined);
  }

  async #attempt(
    request: UpstreamRequest,
    key: KeyRecord,
    relay: RelayRecord,
    scope: { signal: AbortSignal; deadlineAt: number },
    trail: AttemptTrail[],
  ): Promise<Success | { kind: 'failure'; failure: Failure }> {
    const { rotator, now } = this.#deps;
    const started = now();
    // The deadline bounds the wait for response headers, so a stream that has started is never
    // cut by it (the idle timeout guards it instead). The client's signal goes with the request
    // for its whole life: a client that leaves aborts it, even mid-stream.
    const remaining = scope.deadlineAt - Date.now();
    const deadlineBound = remaining < this.#limits.headersTimeoutMs;
    rotator.recordAttempt(key, relay);
    try {
      if (remaining <= 0) throw new ProxyError('GP_DEADLINE_EXCEEDED');
      const result = await attempt(request, {
        pool: this.#deps.pools.get(relay.relay.origin),
        basePath: relay.relay.basePath,
        secret: key.key.secret,
        signal: scope.signal,
        secrets: this.#deps.secrets,
        ...(deadlineBound && { headersTimeoutMs: remaining }),
      });
      if (!result.ok && deadlineBound && result.outcome.kind === 'network' && result.outcome.code === 'UND_ERR_HEADERS_TIMEOUT') {
        throw new ProxyError('GP_DEADLINE_EXCEEDED'); // the request's deadline, not the relay's fault
      }
      const entry = { key: key.key.id, relay: relay.relay.id, ms: now() - started };
      if (result.ok) {
        rotator.recordSuccess(relay);
        trail.push({ ...entry, status: result.status, verdict: 'ok' });
        return { kind: 'success', status: result.status, headers: result.headers, body: result.body };
      }
      const verdict = classify(result.outcome, now());
      rotator.apply(verdict, key, relay, request.model);
      const status = result.outcome.kind === 'response' ? result.outcome.status : undefined;
      const code = result.outcome.kind === 'network' ? result.outcome.code : undefined;
      trail.push({ ...entry, ...(status && { status }), ...(code && { code }), verdict: verdict.name });
      const answer = result.answer && { kind: 'answer' as const, ...result.answer };
      return { kind: 'failure', failure: { verdict, answer } };
    } catch (error) {
      // Aborted: the deadline passed or the client left. The trail still shows the attempt.
      const code = error instanceof ProxyError ? error.code : 'ABORTED';
      trail.push({ key: key.key.id, relay: relay.relay.id, code, verdict: 'aborted', ms: now() - started });
      throw error;
    }
  }

  /** Full-jitter exponential back-off before the next key after a 5xx. */
  #backoff(count: number): number {
    return Math.floor(this.#deps.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (count - 1)));
  }

  /**
   * The answer when no further attempt will be made. Keys that ran out answer for themselves
   * (429 when cooling, 503 when none is usable): Google's "API key not valid" would make the
   * client think its own proxy key was refused. A relay's own answer (an HTML page, a redirect)
   * is never passed on. Google's answers to the request itself are.
   */
  #giveUp(request: UpstreamRequest, last: Failure | undefined, coolingUntil: number | undefined): DispatchResult {
    const verdict = last?.verdict.name;
    if (verdict === 'relay-failure') throw new ProxyError('GP_UPSTREAM_UNREACHABLE');
    if (verdict === 'rate-limited' || (coolingUntil !== undefined && (verdict === undefined || verdict === 'key-invalid'))) {
      const retryAt = coolingUntil ?? this.#deps.rotator.retryAt(request.model);
      const seconds = Math.max(1, Math.ceil((retryAt - this.#deps.now()) / 1000));
      throw new ProxyError('GP_KEYS_COOLING', undefined, { retryAfterSeconds: seconds });
    }
    if (verdict === undefined || verdict === 'key-invalid' || last?.answer === undefined) {
      throw new ProxyError('GP_NO_KEY_AVAILABLE');
    }
    return last.answer;
  }
}

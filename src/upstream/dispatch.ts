/**
 * @module The one retry loop. Walks the relay × key matrix for one request: picks a pair not yet
 * tried, sends, lets the policy judge a failure, and stops at the first answer worth giving the
 * client. It commits (returns a live body) only on success, so nothing is retried after a byte
 * has reached the client.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError, type ProxyErrorCode } from '../errors.js';
import { readAnswer } from './answer.js';
import { attempt, type AnswerCheck, type AttemptResult, type ResponseBody, type UpstreamRequest } from './attempt.js';
import { classify, type Outcome, type Verdict, type VerdictName } from './policy.js';
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

/** Committed: a 2xx whose body the caller streams to the client. */
export type StreamResult = { kind: 'success'; status: number; headers: IncomingHttpHeaders; body: ResponseBody };
/** A 2xx read whole and checked, for a request with `expect`. */
export type JsonResult = { kind: 'json'; status: number; headers: IncomingHttpHeaders; value: unknown };
/** Google's error answer, which goes to the client as it was sent (already read and scrubbed). */
export type UpstreamAnswer = { kind: 'answer'; status: number; headers: IncomingHttpHeaders; body: Buffer };
export type DispatchResult = StreamResult | JsonResult | UpstreamAnswer;

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

type Success = StreamResult | JsonResult;

interface Failure {
  readonly verdict: Verdict;
  /** Google's own error answer; undefined for a network failure or a relay's bare page. */
  readonly answer: UpstreamAnswer | undefined;
  /** The status of a bare (non-Google) answer, which the client never sees as it was. */
  readonly bareStatus: number | undefined;
}

/** Bare 4xx answers the client's request earned, as the proxy's own errors. */
const BARE_ANSWER_CODES: Readonly<Record<number, ProxyErrorCode>> = {
  404: 'GP_UPSTREAM_NOT_FOUND',
  405: 'GP_METHOD_NOT_ALLOWED',
  413: 'GP_BODY_TOO_LARGE',
};

/** The state of one request's walk through the matrix. */
interface Walk {
  triedKeys: Set<string> | undefined;
  triedRelays: Set<string> | undefined;
  /** A request disables at most one key (see #judge). */
  disabledOne: boolean;
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
  send(request: UpstreamRequest & { readonly expect: AnswerCheck }, signal: AbortSignal, trail: AttemptTrail[]): Promise<JsonResult | UpstreamAnswer>;
  send(request: UpstreamRequest & { readonly expect?: undefined }, signal: AbortSignal, trail: AttemptTrail[]): Promise<StreamResult | UpstreamAnswer>;
  async send(request: UpstreamRequest, signal: AbortSignal, trail: AttemptTrail[]): Promise<DispatchResult> {
    if (signal.aborted) throw signal.reason;
    const { rotator } = this.#deps;
    // Real time, not the injected clock: the deadline is enforced by timers.
    const deadlineAt = Date.now() + this.#limits.requestTimeoutMs;
    const walk: Walk = { triedKeys: undefined, triedRelays: undefined, disabledOne: false };
    let last: Failure | undefined;
    for (let count = 1; count <= this.#limits.maxAttempts; count++) {
      const pick = rotator.pickKey(request.scope, walk.triedKeys ?? NONE_TRIED);
      if (!pick.ok) return this.#giveUp(request, last, pick.why === 'cooling' ? pick.retryAtMs : undefined);
      const relay = rotator.pickRelay(walk.triedRelays ?? NONE_TRIED);
      if (relay === undefined) break;
      const result = await this.#attempt(request, pick.record, relay, { signal, deadlineAt, walk }, trail);
      if (result.kind !== 'failure') return result;
      last = result.failure;
      const { next } = last.verdict;
      if (next === 'return') break;
      if (next === 'next-relay') (walk.triedRelays ??= new Set()).add(relay.relay.id);
      else (walk.triedKeys ??= new Set()).add(pick.record.key.id);
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
    scope: { signal: AbortSignal; deadlineAt: number; walk: Walk },
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
      const result = await this.#read(request, scope.signal, await attempt(request, {
        pool: this.#deps.pools.get(relay.relay.origin),
        basePath: relay.relay.basePath,
        secret: key.key.secret,
        signal: scope.signal,
        secrets: this.#deps.secrets,
        ...(deadlineBound && { headersTimeoutMs: remaining }),
      }));
      if (!result.ok && deadlineBound && result.outcome.kind === 'network' && result.outcome.code === 'UND_ERR_HEADERS_TIMEOUT') {
        throw new ProxyError('GP_DEADLINE_EXCEEDED'); // the request's deadline, not the relay's fault
      }
      const entry = { key: key.key.id, relay: relay.relay.id, ms: now() - started };
      if (result.ok) {
        rotator.recordSuccess(relay);
        trail.push({ ...entry, status: result.status, verdict: 'ok' });
        return result.success;
      }
      const verdict = this.#judge(result.outcome, request, scope.walk);
      rotator.apply(verdict, key, relay, request.scope);
      const { outcome } = result;
      const status = outcome.kind === 'response' ? outcome.status : undefined;
      const code = outcome.kind === 'response' ? undefined : outcome.code;
      trail.push({ ...entry, ...(status && { status }), ...(code && { code }), verdict: verdict.name });
      const google = outcome.kind === 'response' && outcome.error !== undefined;
      return {
        kind: 'failure',
        failure: {
          verdict,
          answer: google && result.answer ? { kind: 'answer', ...result.answer } : undefined,
          bareStatus: google ? undefined : status,
        },
      };
    } catch (error) {
      // Aborted: the deadline passed or the client left. The trail still shows the attempt.
      const code = error instanceof ProxyError ? error.code : 'ABORTED';
      trail.push({ key: key.key.id, relay: relay.relay.id, code, verdict: 'aborted', ms: now() - started });
      throw error;
    }
  }

  /** A 2xx of a request with `expect` is read and checked here, inside the loop. */
  async #read(request: UpstreamRequest, signal: AbortSignal, result: AttemptResult): Promise<
    | { ok: true; status: number; success: Success }
    | { ok: false; outcome: Outcome; answer?: Extract<AttemptResult, { ok: false }>['answer'] }
  > {
    if (!result.ok) return result;
    const { status, headers, body } = result;
    if (request.expect === undefined) return { ok: true, status, success: { kind: 'success', status, headers, body } };
    const read = await readAnswer(body, request.expect, signal);
    if (!read.ok) return { ok: false, outcome: { kind: 'bad-answer', code: read.code } };
    return { ok: true, status, success: { kind: 'json', status, headers, value: read.value } };
  }

  /**
   * The policy's verdict, with one rule of the dispatcher's own: a request disables at most one
   * key. A second key refused by the same request says more about the request than about both
   * keys, whatever the answer looked like; that key is only passed over.
   */
  #judge(outcome: Outcome, request: UpstreamRequest, walk: Walk): Verdict {
    const verdict = classify(outcome, request, this.#deps.now());
    if (verdict.key !== 'disable') return verdict;
    if (!walk.disabledOne) {
      walk.disabledOne = true;
      return verdict;
    }
    return { ...verdict, key: 'keep' };
  }

  /** Full-jitter exponential back-off before the next key after a 5xx. */
  #backoff(count: number): number {
    return Math.floor(this.#deps.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (count - 1)));
  }

  /**
   * The answer when no further attempt will be made. Keys that ran out answer for themselves
   * (429 when cooling, 503 when none is usable): Google's "API key not valid" would make the
   * client think its own proxy key was refused. A relay's own answer (an HTML page, a redirect)
   * is never passed on: it becomes the proxy's own error. Google's answers to the request are.
   */
  #giveUp(request: UpstreamRequest, last: Failure | undefined, coolingUntil: number | undefined): DispatchResult {
    const verdict = last?.verdict.name;
    if (verdict === 'relay-failure') throw new ProxyError('GP_UPSTREAM_UNREACHABLE');
    if (verdict === 'bad-answer') throw new ProxyError('GP_UPSTREAM_BAD_ANSWER');
    if (verdict === 'rate-limited' || (coolingUntil !== undefined && (verdict === undefined || verdict === 'key-invalid'))) {
      const retryAt = coolingUntil ?? this.#deps.rotator.retryAt(request.scope);
      const seconds = Math.max(1, Math.ceil((retryAt - this.#deps.now()) / 1000));
      throw new ProxyError('GP_KEYS_COOLING', undefined, { retryAfterSeconds: seconds });
    }
    if (last?.bareStatus !== undefined) {
      throw new ProxyError(BARE_ANSWER_CODES[last.bareStatus] ?? 'GP_UPSTREAM_REJECTED',
        `the upstream answered ${last.bareStatus} without an API error`);
    }
    if (verdict === undefined || verdict === 'key-invalid' || last?.answer === undefined) {
      throw new ProxyError('GP_NO_KEY_AVAILABLE');
    }
    return last.answer;
  }
}

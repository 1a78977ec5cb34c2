/**
 * @module The one retry loop. Walks the relay × key matrix for one request: picks a pair not yet
 * tried, sends, lets the policy judge a failure, and stops at the first answer worth giving the
 * client. It commits (returns a live body) only on success, so nothing is retried after a byte
 * has reached the client.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError, type ProxyErrorCode } from '../errors.js';
import { readAnswer } from './answer.js';
import { attempt, type AnswerCheck, type AttemptResult, type ByteBudget, type ResponseBody, type UpstreamRequest } from './attempt.js';
import type { ResourceAffinity } from '../state/affinity.js';
import type { ClientSignal } from './client-signal.js';
import { pinFor, type Pin } from './pin.js';
import type { Verdict, VerdictName } from './policy.js';
import type { UpstreamPools } from './pool.js';
import type { RelayRecord, Rotator } from './rotator.js';
import { backoffMs, condemns, Walk, type Via } from './walk.js';

/** One line of a request's attempt trail, as logged. */
export interface AttemptTrail {
  key: string;
  relay: string;
  /** The egress proxy's id, when the attempt went through one. */
  egress?: string;
  status?: number;
  code?: string;
  verdict: VerdictName | 'ok' | 'aborted';
  /** A failed attempt's reason as the policy read it: Google's (`RESOURCE_EXHAUSTED`, `API_KEY_INVALID`) or a code. */
  reason?: string;
  ms: number;
  /** This attempt's answer condemned its key (see Dispatcher#judge). */
  condemned?: true;
}

/** Committed: a 2xx whose body the caller streams to the client; `keyId` answered it. */
export type StreamResult = { kind: 'success'; status: number; headers: IncomingHttpHeaders; body: ResponseBody; keyId: string };
/** A 2xx read whole and checked, for a request with `expect`. */
export type JsonResult = { kind: 'json'; status: number; headers: IncomingHttpHeaders; value: unknown; keyId: string };
/** Google's error answer, which goes to the client as it was sent (already read and scrubbed). */
export type UpstreamAnswer = { kind: 'answer'; status: number; headers: IncomingHttpHeaders; body: Buffer };
export type DispatchResult = StreamResult | JsonResult | UpstreamAnswer;

export interface DispatchDeps {
  readonly rotator: Rotator;
  readonly pools: UpstreamPools;
  readonly secrets: () => ReadonlySet<string>;
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal: ClientSignal) => Promise<void>;
  /** Checks a relay the policy is unsure of with a known-good call (the prober). */
  readonly checkRelay?: (relay: RelayRecord) => void;
  /** Which key made each resource, so a request naming one goes out with that key. */
  readonly affinity?: ResourceAffinity;
}

export interface DispatchLimits {
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
}

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

/** An attempt whose 2xx answer was read and checked (or found wanting). */
type Settled =
  | { readonly ok: true; readonly status: number; readonly headers: IncomingHttpHeaders; readonly value: unknown }
  | Extract<AttemptResult, { ok: false }>;

/** A 2xx of a request with `expect` is read and checked inside the loop, before it commits. */
async function settle(result: Extract<AttemptResult, { ok: true }>, expect: AnswerCheck, budget: ByteBudget | undefined, signal: ClientSignal): Promise<Settled> {
  const { status, headers, body } = result;
  const read = await readAnswer(body, expect, signal, budget);
  return read.ok ? { ok: true, status, headers, value: read.value } : { ok: false, outcome: { kind: 'bad-answer', code: read.code } };
}

/** The key that made a resource the request names is disabled or no longer listed. */
function unavailable(pin: Pin | undefined): ProxyError {
  const what = pin === undefined ? 'the resource' : `${pin.resource}, made with key ${pin.keyId},`;
  return new ProxyError('GP_RESOURCE_KEY_UNAVAILABLE',
    `${what} is served only to that key's project, and the key is disabled or no longer listed`);
}

/**
 * A trail line of one fixed shape, absent fields undefined (left out of the log line): built
 * once per attempt and completed in place, with no object spread on the hot path.
 */
function trailLine({ key, relay, egress }: Via, verdict: AttemptTrail['verdict'], ms: number): AttemptTrail {
  return { key: key.key.id, relay: relay.relay.id, egress: egress?.proxy.id, status: undefined, code: undefined, verdict, reason: undefined, ms, condemned: undefined };
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
  send(request: UpstreamRequest & { readonly expect: AnswerCheck }, signal: ClientSignal, trail: AttemptTrail[]): Promise<JsonResult | UpstreamAnswer>;
  send(request: UpstreamRequest & { readonly expect?: undefined }, signal: ClientSignal, trail: AttemptTrail[]): Promise<StreamResult | UpstreamAnswer>;
  async send(request: UpstreamRequest, signal: ClientSignal, trail: AttemptTrail[]): Promise<DispatchResult> {
    if (signal.aborted) throw signal.reason;
    // Real time, not the injected clock: the deadline is enforced by timers.
    const deadlineAt = Date.now() + this.#limits.requestTimeoutMs;
    let last: Failure | undefined;
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const pin = request.pin ?? pinFor(request.path, body, this.#deps.affinity);
    const walk = new Walk(this.#deps, request.scope, pin?.keyId);
    // A streamed body is gone once sent: no second attempt could send it again.
    const replayable = request.body === undefined || body !== undefined;
    const maxAttempts = replayable ? this.#limits.maxAttempts : 1;
    for (let count = 1; count <= maxAttempts; count++) {
      const step = walk.next();
      if (!step.ok && step.why === 'unavailable') throw unavailable(pin);
      if (!step.ok && step.why === 'no-relay') break;
      if (!step.ok) return this.#giveUp(walk, last, step.why === 'cooling' ? step.retryAtMs : undefined);
      const result = await this.#attempt(request, walk, step, { signal, deadlineAt }, trail);
      if (result.kind !== 'failure') return result;
      last = result.failure;
      const { next } = last.verdict;
      if (next === 'return') break;
      // A 429 that cooled its key is not one of the request's attempts: in a storm of limited
      // keys the request goes on to a key with quota (each key is still tried once at most).
      if (replayable && last.verdict.name === 'rate-limited' && last.verdict.key === 'cool') count--;
      if (next === 'next-key-after-backoff' && count < maxAttempts) {
        const delay = backoffMs(count, this.#deps.random);
        if (Date.now() + delay >= deadlineAt) break;
        await this.#deps.sleep(delay, signal).catch(() => {
          throw signal.reason; // the client left during the back-off: no further attempt
        });
      }
    }
    return this.#giveUp(walk, last, undefined);
  }

  async #attempt(
    request: UpstreamRequest,
    walk: Walk,
    via: Via,
    scope: { signal: ClientSignal; deadlineAt: number },
    trail: AttemptTrail[],
  ): Promise<Success | { kind: 'failure'; failure: Failure }> {
    const { now } = this.#deps;
    const { key, relay, egress } = via;
    const started = now();
    // The deadline bounds the wait for response headers, so a stream that has started is never
    // cut by it (the idle timeout guards it instead). The client's signal goes with the request
    // for its whole life: a client that leaves aborts it, even mid-stream.
    const remaining = scope.deadlineAt - Date.now();
    const deadlineBound = remaining < this.#limits.headersTimeoutMs;
    walk.attempting(via);
    try {
      if (remaining <= 0) throw new ProxyError('GP_DEADLINE_EXCEEDED');
      const sent = await attempt(request, {
        pool: this.#deps.pools.get(relay.relay.origin, egress?.proxy),
        origin: relay.relay.origin,
        basePath: relay.relay.basePath,
        secret: key.key.secret,
        signal: scope.signal,
        secrets: this.#deps.secrets,
        headersTimeoutMs: deadlineBound ? remaining : undefined,
      });
      const result = request.expect === undefined || !sent.ok ? sent : await settle(sent, request.expect, request.budget, scope.signal);
      if (!result.ok && deadlineBound && result.outcome.kind === 'network' && result.outcome.code === 'UND_ERR_HEADERS_TIMEOUT') {
        throw new ProxyError('GP_DEADLINE_EXCEEDED'); // the request's deadline, not the relay's fault
      }
      const line = trailLine(via, 'ok', now() - started);
      if (result.ok) {
        walk.served(via);
        line.status = result.status;
        trail.push(line);
        const { status, headers } = result;
        const keyId = key.key.id;
        return 'value' in result ? { kind: 'json', status, headers, value: result.value, keyId } : { kind: 'success', status, headers, body: result.body, keyId };
      }
      return { kind: 'failure', failure: this.#fail(result, request, walk, via, line, trail) };
    } catch (error) {
      // Aborted: the deadline passed or the client left. The trail still shows the attempt.
      const line = trailLine(via, 'aborted', now() - started);
      line.code = error instanceof ProxyError ? error.code : 'ABORTED';
      trail.push(line);
      throw error;
    }
  }

  /**
   * Judges a failed attempt (with the request's earlier attempts in `trail`), applies the
   * verdict to its key and relay, and adds its `line` to the trail.
   */
  #fail(
    result: Extract<AttemptResult, { ok: false }>,
    request: UpstreamRequest,
    walk: Walk,
    via: Via,
    line: AttemptTrail,
    trail: AttemptTrail[],
  ): Failure {
    const verdict = walk.judge(result.outcome, request, via, trail);
    const { outcome } = result;
    if (outcome.kind === 'response') line.status = outcome.status;
    else line.code = outcome.code;
    line.verdict = verdict.name;
    line.reason = verdict.reason;
    if (condemns(verdict)) line.condemned = true;
    trail.push(line);
    const google = outcome.kind === 'response' && outcome.error !== undefined;
    return {
      verdict,
      answer: google && result.answer ? { kind: 'answer', ...result.answer } : undefined,
      bareStatus: google ? undefined : line.status,
    };
  }

  /**
   * The answer when no further attempt will be made. Keys that ran out answer for themselves
   * (429 when cooling, 503 when none is usable): Google's "API key not valid" would make the
   * client think its own proxy key was refused. A relay's own answer (an HTML page, a redirect)
   * is never passed on: it becomes the proxy's own error. Google's answers to the request are.
   */
  #giveUp(walk: Walk, last: Failure | undefined, coolingUntil: number | undefined): DispatchResult {
    const verdict = last?.verdict.name;
    if (verdict === 'relay-failure') throw new ProxyError('GP_UPSTREAM_UNREACHABLE');
    if (verdict === 'egress-failure') throw new ProxyError('GP_UPSTREAM_UNREACHABLE', 'no egress proxy could carry the request');
    if (verdict === 'bad-answer') {
      // An answer the body budget had no room for: the proxy is full, like a body it cannot take.
      if (last?.verdict.reason === 'ANSWER_OVER_BUDGET') throw new ProxyError('GP_BUSY', undefined, { retryAfterSeconds: 1 });
      throw new ProxyError('GP_UPSTREAM_BAD_ANSWER');
    }
    const cooling = walk.coolingRefusal(verdict, coolingUntil);
    if (cooling !== undefined) throw cooling;
    if (last?.bareStatus !== undefined) {
      throw new ProxyError(BARE_ANSWER_CODES[last.bareStatus] ?? 'GP_UPSTREAM_REJECTED',
        `the upstream answered ${last.bareStatus} without an API error`);
    }
    // Empty answers blame no key: a request whose attempts all got one is told so, not "no key".
    if (verdict === 'empty-answer') throw new ProxyError('GP_UPSTREAM_EMPTY_ANSWER');
    if (verdict === undefined || verdict === 'key-invalid' || last?.answer === undefined) {
      throw new ProxyError('GP_NO_KEY_AVAILABLE');
    }
    if (last.answer.status === 401) throw new ProxyError('GP_UPSTREAM_AUTH');
    return last.answer;
  }
}

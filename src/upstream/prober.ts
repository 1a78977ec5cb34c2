/**
 * @module Recovery probes: every key an answer disabled is tried, now and then, with the cheapest
 * call there is (list one model). A key that answers comes back into rotation. Keys disabled by
 * hand are left alone: only the operator's own probe (`probeNow`) tries them.
 */

import PQueue from 'p-queue';
import type { EgressProxy } from '../config/lists.js';
import { familyScope } from '../protocols/gemini/paths.js';
import { attempt, type AttemptResult, type AttemptTarget, type UpstreamRequest } from './attempt.js';
import { classify } from './policy.js';
import type { UpstreamPools } from './pool.js';
import { disabledByHand, type KeyRecord, type RelayRecord, type Rotator } from './rotator.js';

export const PROBE_TIMEOUT_MS = 30_000;
const RELAY_CHECK_EVERY_MS = 60_000;

/** The cheapest call there is, built by the proxy (so a bare 404 to it blames the relay). */
export const PROBE_REQUEST: UpstreamRequest = {
  method: 'GET', path: '/v1beta/models?pageSize=1', headers: {}, body: undefined,
  scope: familyScope('models'), clientPath: false,
};

/**
 * One probe: list one model with the target's key through its relay. A success's body is drained;
 * undefined means no answer (timeout or abort).
 */
export async function probeKey(target: AttemptTarget): Promise<AttemptResult | undefined> {
  const result = await attempt(PROBE_REQUEST, target).catch(() => undefined);
  if (result?.ok) await result.body.dump();
  return result;
}

/**
 * What one probe found: the key works, works but is rate-limited, was refused (`reason`: Google's
 * word), or there was no answer (timeout, shutdown) or no relay to ask through.
 */
export interface ProbeReport {
  readonly result: 'working' | 'rate-limited' | 'refused' | 'no-answer' | 'no-relay';
  readonly reason?: string;
}

/** The egress proxy a key's probe leaves through: its home, so Google sees the key from its one address. */
function egressOf(rotator: Rotator, record: KeyRecord): EgressProxy | undefined {
  const home = rotator.egress.home(record.key);
  return typeof home === 'string' ? undefined : home.proxy;
}

export interface ProberDeps {
  readonly rotator: Rotator;
  readonly pools: UpstreamPools;
  readonly secrets: () => ReadonlySet<string>;
  readonly now: () => number;
}

export class RecoveryProber {
  readonly #deps: ProberDeps;
  /** A few probes at a time, so a thousand disabled keys do not open a thousand sockets. */
  readonly #queue = new PQueue({ concurrency: 4 });
  readonly #stopped = new AbortController();
  /** Keys with a confirmation probe queued or running. */
  readonly #confirming = new Set<string>();
  /** Relay id → when it was last checked, so a stream of bad paths checks it once a minute. */
  readonly #relayChecks = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: ProberDeps) {
    this.#deps = deps;
  }

  /** Probes every `intervalMs` (0: never on a timer). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.probeAll(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#stopped.abort();
    this.#queue.clear();
  }

  /** Probes every key an answer disabled (not those disabled by hand) once; resolves when all are done. */
  async probeAll(): Promise<void> {
    const disabled = this.#deps.rotator.keys.filter((record) => record.disabled && !disabledByHand(record));
    const signal = this.#stopped.signal;
    await Promise.allSettled(disabled.map((record) => this.#queue.add(() => this.#probe(record, 'probe'), { signal })));
  }

  /**
   * Confirms at once that a key an answer just disabled is dead: when the cheapest call works
   * with it, the answer was about the request after all, and the key is back within one probe.
   * However a request manages to look like a key's fault, it cannot keep a key out of rotation.
   * Runs only while probing is on (`start` with an interval).
   */
  confirm(keyId: string): void {
    if (this.#timer === undefined || this.#confirming.has(keyId)) return;
    const record = this.#deps.rotator.keys.find((candidate) => candidate.key.id === keyId);
    if (record === undefined || disabledByHand(record)) return;
    this.#confirming.add(keyId);
    this.#queue.add(() => this.#probe(record, 'confirmation probe'), { signal: this.#stopped.signal })
      .catch(() => undefined)
      .finally(() => this.#confirming.delete(keyId));
  }

  /**
   * Checks a relay that answered a client's path with a bare 404: the client may have asked for
   * a path Google does not serve, or the relay may serve nothing at all. A known-good call (the
   * cheapest there is, through that relay) tells them apart; the policy marks the relay
   * unhealthy when it fails too. At most once a minute per relay, and only while probing is on.
   */
  checkRelay(relay: RelayRecord): void {
    const now = this.#deps.now();
    if (this.#timer === undefined || now - (this.#relayChecks.get(relay.relay.id) ?? -Infinity) < RELAY_CHECK_EVERY_MS) return;
    this.#relayChecks.set(relay.relay.id, now);
    this.#queue.add(() => this.#checkRelay(relay), { signal: this.#stopped.signal }).catch(() => undefined);
  }

  async #checkRelay(relay: RelayRecord): Promise<void> {
    const { rotator, pools, now } = this.#deps;
    const pick = rotator.pickKey(PROBE_REQUEST.scope, new Set());
    if (!pick.ok) return;
    const result = await probeKey({
      pool: pools.get(relay.relay.origin, egressOf(rotator, pick.record)),
      origin: relay.relay.origin,
      basePath: relay.relay.basePath,
      secret: pick.record.key.secret,
      signal: AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
      secrets: this.#deps.secrets,
    });
    if (result === undefined) return;
    if (result.ok) {
      rotator.recordSuccess(relay);
      return;
    }
    const verdict = classify(result.outcome, PROBE_REQUEST, now());
    if (verdict.name === 'relay-failure') rotator.apply(verdict, pick.record, relay, PROBE_REQUEST.scope);
  }

  /** Resolves when no probe is queued or running. */
  async settled(): Promise<void> {
    await this.#queue.onIdle();
  }

  /**
   * Probes one key now, whatever its state (the dashboard's "probe"), and says what came of it.
   * A working key disabled by an answer comes back; one disabled by hand stays out; an enabled
   * key the probe finds refused is disabled, as an answer refusing it would have.
   */
  async probeNow(record: KeyRecord, via: string): Promise<ProbeReport> {
    // Stopped (shutdown) before its turn came: no answer.
    const report = await this.#queue.add(() => this.#probe(record, via, true), { signal: this.#stopped.signal }).catch(() => undefined);
    return report ?? { result: 'no-answer' };
  }

  async #probe(record: KeyRecord, via: string, anyState = false): Promise<ProbeReport | undefined> {
    const { rotator, pools, now } = this.#deps;
    // Keys disabled by hand are the operator's: only a probe the operator asks for touches them.
    if (!anyState && (!record.disabled || disabledByHand(record))) return undefined;
    const relay = rotator.pickRelay(new Set());
    if (relay === undefined) return { result: 'no-relay' };
    const signal = AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]);
    const result = await probeKey({
      pool: pools.get(relay.relay.origin, egressOf(rotator, record)),
      origin: relay.relay.origin,
      basePath: relay.relay.basePath,
      secret: record.key.secret,
      signal,
      secrets: this.#deps.secrets,
    });
    if (result === undefined) return { result: 'no-answer' };
    if (result.ok) {
      rotator.enable(record, via);
      return { result: 'working' };
    }
    // A rate-limited key is a working key: back into rotation, cooling.
    const verdict = classify(result.outcome, PROBE_REQUEST, now());
    if (verdict.name === 'rate-limited') {
      rotator.enable(record, via);
      rotator.apply(verdict, record, relay, PROBE_REQUEST.scope);
      return { result: 'rate-limited', reason: verdict.reason };
    }
    if (anyState && verdict.key === 'disable') rotator.apply(verdict, record, relay, PROBE_REQUEST.scope);
    return { result: 'refused', reason: verdict.reason };
  }
}

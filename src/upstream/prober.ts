/**
 * @module Recovery probes: every disabled key is tried, now and then, with the cheapest call
 * there is (list one model). A key that answers comes back into rotation.
 */

import PQueue from 'p-queue';
import { attempt, type AttemptResult, type AttemptTarget } from './attempt.js';
import { classify } from './policy.js';
import type { UpstreamPools } from './pool.js';
import type { KeyRecord, Rotator } from './rotator.js';

const PROBE_PATH = '/v1beta/models?pageSize=1';
export const PROBE_TIMEOUT_MS = 30_000;

/**
 * One probe: list one model with the target's key through its relay. A success's body is drained;
 * undefined means no answer (timeout or abort).
 */
export async function probeKey(target: AttemptTarget): Promise<AttemptResult | undefined> {
  const result = await attempt({ method: 'GET', path: PROBE_PATH, headers: {}, body: undefined, model: '' }, target)
    .catch(() => undefined);
  if (result?.ok) await result.body.dump();
  return result;
}

export interface ProberDeps {
  readonly rotator: Rotator;
  readonly pools: UpstreamPools;
  readonly secrets: () => Iterable<string>;
  readonly now: () => number;
}

export class RecoveryProber {
  readonly #deps: ProberDeps;
  /** A few probes at a time, so a thousand disabled keys do not open a thousand sockets. */
  readonly #queue = new PQueue({ concurrency: 4 });
  readonly #stopped = new AbortController();
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

  /** Probes every disabled key once; resolves when all probes are done. */
  async probeAll(): Promise<void> {
    const disabled = this.#deps.rotator.keys.filter((record) => record.disabled);
    const signal = this.#stopped.signal;
    await Promise.allSettled(disabled.map((record) => this.#queue.add(() => this.#probe(record), { signal })));
  }

  async #probe(record: KeyRecord): Promise<void> {
    const { rotator, pools, now } = this.#deps;
    const relay = rotator.pickRelay(new Set());
    if (relay === undefined || !record.disabled) return;
    const signal = AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]);
    const result = await probeKey({
      pool: pools.get(relay.relay.origin),
      basePath: relay.relay.basePath,
      secret: record.key.secret,
      signal,
      secrets: this.#deps.secrets,
    });
    if (result === undefined) return;
    if (result.ok) {
      rotator.enable(record, 'probe');
      return;
    }
    // A rate-limited key is a working key: back into rotation, cooling.
    const verdict = classify(result.outcome, now());
    if (verdict.name === 'rate-limited') {
      rotator.enable(record, 'probe');
      rotator.apply(verdict, record, relay, '');
    }
  }
}

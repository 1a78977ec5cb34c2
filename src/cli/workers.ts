/**
 * @module The primary process under `--workers N`: forks N workers with node:cluster (each runs
 * the normal serve path on the one shared port), holds the state they share (cluster-hub.ts),
 * forwards SIGHUP to them, drains them on SIGTERM/SIGINT, and restarts one that dies. The hub
 * also picks the lead worker (state file, prober) and gathers views across the workers
 * (/metrics). It serves no request itself.
 */

import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { isSea } from 'node:sea';
import { listSourcesOf, loadLists } from '../config/lists.js';
import type { Config } from '../config/resolve.js';
import type { Logger } from '../log/logger.js';
import { ClusterHub, STATE_TAG, type PrimaryMessage } from '../state/cluster-hub.js';

/**
 * node:cluster starts a worker as `<executable> <script> <args…>`. A single executable has no
 * script and takes that word for its first argument (nodejs/node#62776), so there the primary
 * names this stand-in as the script, and a worker drops it again (`ownArguments`).
 */
const SEA_SCRIPT_STAND_IN = '--gemini-proxy-cluster-worker';

/** The worker's own arguments, without the stand-in a single executable's primary added. */
export function ownArguments(args: readonly string[]): readonly string[] {
  return cluster.isWorker && args[0] === SEA_SCRIPT_STAND_IN ? args.slice(1) : args;
}

/** A worker that dies before it listens is restarted after this, doubling up to the cap. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

class Primary {
  readonly #config: Config;
  readonly #log: Logger;
  readonly #hub: ClusterHub;
  /** Workers alive, by cluster id. */
  readonly #live = new Map<number, Worker>();
  /** Workers that have listened: their signal and drain handlers are in place. */
  readonly #listening = new Set<number>();
  #everListened = false;
  #retryMs = FIRST_RETRY_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping: { failed: boolean } | undefined;
  #startFailure: number | undefined;
  #finish: (code: number) => void = () => undefined;
  readonly finished = new Promise<number>((resolve) => {
    this.#finish = resolve;
  });

  constructor(config: Config, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.#hub = new ClusterHub({
      sessions: { maxChats: config.maxChats, maxChatsPerUser: config.maxChatsPerUser, idleTimeoutMs: config.sessionIdleTimeoutMs },
      newChatId: () => randomBytes(16).toString('base64url'),
      now: Date.now,
      gather: {
        // Logged once per worker: a stuck worker would otherwise fill the log at every scrape.
        onSilent: (workerId, topic) => this.#log.warn({
          event: 'gather-timeout', worker: workerId, workerPid: this.#live.get(workerId)?.process.pid, topic,
        }, `worker ${workerId} did not answer a gathering of "${topic}" in time; left out`),
      },
    });
  }

  start(): void {
    if (isSea()) cluster.setupPrimary({ exec: SEA_SCRIPT_STAND_IN });
    cluster.on('listening', (worker) => this.#onListening(worker));
    cluster.on('exit', (worker, code, signal) => this.#onExit(worker, code, signal));
    for (let i = 0; i < this.#config.workers; i++) this.#fork();
  }

  /** SIGHUP: every worker re-reads its lists and reopens its logs itself. */
  reload(): void {
    for (const id of this.#listening) this.#live.get(id)?.process.kill('SIGHUP');
    this.#log.info({ event: 'reload-forwarded', workers: this.#listening.size }, 'SIGHUP forwarded to the workers');
  }

  /**
   * SIGTERM/SIGINT: each worker is asked to drain over the channel, not by a signal: it may have
   * had the signal itself too (a terminal's Ctrl-C and systemd's stop reach the whole group). A
   * second signal asks them to stop at once; they exit with code 1.
   */
  stop(signal: string): void {
    const now = this.#stopping !== undefined;
    if (this.#stopping !== undefined) {
      this.#stopping.failed = true;
      this.#log.warn({ event: 'stopping-now', signal, workers: this.#live.size }, 'second signal: the workers stop at once');
    } else {
      this.#stopping = { failed: false };
      clearTimeout(this.#restartTimer);
      this.#log.info({ event: 'shutting-down', signal, workers: this.#live.size, drainMs: this.#config.drainTimeoutMs }, 'shutting down');
    }
    for (const [id, worker] of this.#live) {
      // One still starting has no handler for the message yet; a signal stops it just as well.
      if (this.#listening.has(id)) worker.send({ gp: STATE_TAG, t: 'drain', signal, now } satisfies PrimaryMessage, () => undefined);
      else worker.process.kill('SIGTERM');
    }
    this.#finishIfDone();
  }

  #fork(): void {
    const worker = cluster.fork();
    const id = worker.id;
    this.#live.set(id, worker);
    // A send to a worker that is going away fails quietly: its 'exit' tells the story.
    this.#hub.join(id, (message) => {
      if (worker.isConnected()) worker.send(message, () => undefined);
    }, worker.process.pid);
    worker.on('message', (message: unknown) => this.#hub.receive(id, message));
    worker.on('error', (error: unknown) => {
      this.#log.warn({ event: 'worker-channel-error', worker: id, workerPid: worker.process.pid, err: error }, 'worker channel error');
    });
  }

  #onListening(worker: Worker): void {
    this.#listening.add(worker.id);
    this.#everListened = true;
    this.#retryMs = FIRST_RETRY_MS;
  }

  #onExit(worker: Worker, code: number | null, signal: string | null): void {
    const { inflight } = this.#hub.leave(worker.id);
    this.#live.delete(worker.id);
    const listened = this.#listening.delete(worker.id);
    if (this.#stopping !== undefined) {
      if (code !== 0 && signal !== 'SIGTERM') this.#stopping.failed = true;
      this.#finishIfDone();
    } else if (!this.#everListened) {
      this.#failStart(worker, code, signal);
    } else {
      this.#restart(worker, { code, signal, inflight, listened });
    }
  }

  /** No worker could start (the port is taken, say): the others are stopped, and the exit says why. */
  #failStart(worker: Worker, code: number | null, signal: string | null): void {
    this.#log.error({ event: 'worker-start-failed', worker: worker.id, workerPid: worker.process.pid, code, signal },
      'a worker failed to start; stopping the others');
    this.#startFailure = code !== null && code !== 0 ? code : 1;
    this.#stopping = { failed: true };
    for (const other of this.#live.values()) other.process.kill('SIGTERM');
    this.#finishIfDone();
  }

  #restart(worker: Worker, death: { code: number | null; signal: string | null; inflight: number | undefined; listened: boolean }): void {
    const lost = death.inflight === undefined
      ? 'its in-flight requests are lost'
      : `its ${death.inflight} in-flight request(s) (as of its last report) are lost`;
    // One that died before it listened may die again at once: give it a growing pause.
    const delayMs = death.listened ? 0 : this.#retryMs;
    if (!death.listened) this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2);
    this.#log.warn({
      event: 'worker-died', worker: worker.id, workerPid: worker.process.pid, code: death.code, signal: death.signal,
      ...(death.inflight !== undefined && { inflight: death.inflight }), restartInMs: delayMs,
    }, `worker ${worker.process.pid} died; ${lost}; restarting it`);
    if (delayMs === 0) this.#fork();
    else this.#restartTimer = setTimeout(() => this.#fork(), delayMs);
  }

  #finishIfDone(): void {
    if (this.#stopping === undefined || this.#live.size > 0) return;
    const code = this.#startFailure ?? (this.#stopping.failed ? 1 : 0);
    if (this.#startFailure === undefined) this.#log.info({ event: 'stopped', exitCode: code }, 'stopped');
    this.#finish(code);
  }
}

/**
 * Runs the primary until its workers have stopped; resolves with the exit code. The lists are
 * read once first, so a broken file is reported once, not by every worker.
 */
export async function runWorkers(config: Config, log: Logger): Promise<number> {
  loadLists(listSourcesOf(config));
  const primary = new Primary(config, log);
  process.on('SIGHUP', () => primary.reload());
  process.on('SIGTERM', () => primary.stop('SIGTERM'));
  process.on('SIGINT', () => primary.stop('SIGINT'));
  log.info({ event: 'workers-starting', workers: config.workers }, `starting ${config.workers} workers`);
  primary.start();
  return primary.finished;
}

/**
 * @module The daemon: rotator, pools, dispatcher, prober, routes and the node:http server, put
 * together from a resolved configuration. No signals and no files here (the CLI owns those), so
 * tests run it in-process.
 */

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Lists } from '../config/lists.js';
import type { Config } from '../config/resolve.js';
import type { Logger } from '../log/logger.js';
import { scrubSecrets } from '../log/scrub.js';
import type { Secrets } from '../log/secrets.js';
import { sleepUnless } from '../upstream/client-signal.js';
import { Dispatcher } from '../upstream/dispatch.js';
import { UpstreamPools } from '../upstream/pool.js';
import { RecoveryProber } from '../upstream/prober.js';
import { Rotator } from '../upstream/rotator.js';
import { StateFile, USAGE_SAVE_MS } from '../upstream/state-file.js';
import { registerUsage, USAGE_TOPIC, UsageLedger } from '../upstream/usage-ledger.js';
import { MemoryAffinity } from '../state/affinity.js';
import { UploadSessions } from '../state/uploads.js';
import { App } from './app.js';
import { ClientAuth } from './auth.js';
import { BodyBudget } from './body-budget.js';
import { ClientRateLimiter } from './rate-limit.js';
import type { Route } from './router.js';
import { ImageFetcher } from './image-fetch.js';
import { Metrics } from './metrics.js';
import { ModelCatalog } from './model-catalog.js';
import { modelResolver } from './model-names.js';
import { routeTable } from './route-table.js';
import { ChatSessions } from './chat-sessions.js';
import { LiveGateway } from './live/gateway.js';
import { serveAsRequest } from './live/handshake.js';
import { LiveDialer } from '../upstream/live-dial.js';
import { ANSWER_LIMIT } from '../upstream/answer.js';
import { InteractionLog } from '../log/interactions.js';
import { MemorySessionStore } from '../state/memory-sessions.js';
import type { StateLink } from '../state/link.js';
import { MemoryLink } from '../state/memory.js';
import { Gatherer } from '../state/gather.js';
import { LeadChores, watchRemote } from '../state/lead.js';
import { workerGroup } from '../state/cluster.js';
import { configSecrets, httpServer, LISTEN_BACKLOG, logChange } from './daemon-parts.js';
import { StateSync } from './state-sync.js';
import { mergeTraffic, TRAFFIC_TOPIC, TrafficHistory } from './traffic.js';

/** How long the upstream's model list is kept for the translated APIs. */
const MODEL_LIST_TTL_MS = 5 * 60_000;

export interface DaemonOptions {
  readonly config: Config;
  readonly lists: Lists;
  readonly log: Logger;
  /** Kept up to date with the keys and proxy keys, for scrubbing. */
  readonly secrets: Secrets;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Replaces the image fetcher `--fetch-image-urls` builds (tests reach loopback with it). */
  readonly imageFetcher?: ImageFetcher;
  /**
   * How this process shares state with others (`--workers`, `--redis`); absent: nothing shared,
   * the chats kept in this process.
   */
  readonly link?: StateLink;
}

export class Daemon {
  readonly rotator: Rotator;
  readonly prober: RecoveryProber;
  readonly #config: Config;
  readonly #log: Logger;
  readonly #pools: UpstreamPools;
  readonly #app: App;
  readonly #live: LiveGateway;
  readonly #server: Server;
  readonly #secrets: Secrets;
  readonly #imageFetcher: ImageFetcher | undefined;
  readonly #stateFile: StateFile | undefined;
  readonly #affinity: MemoryAffinity;
  readonly #uploads: UploadSessions;
  readonly #sessions: ChatSessions;
  readonly #interactions: InteractionLog;
  readonly #link: StateLink;
  readonly #sync: StateSync;
  /** One view across `--workers` (src/state/gather.ts): /metrics sums every worker's counts. */
  readonly #gatherer: Gatherer;
  /** Whether this process writes the state file and probes (under `--workers`, one worker does). */
  readonly #lead: LeadChores;
  /** The dashboard's last hour of requests (this process's). */
  readonly #traffic = new TrafficHistory();
  /** Requests and tokens per key and model, by hour and Pacific day (shown in /status). */
  readonly #usage: UsageLedger;

  constructor(options: DaemonOptions) {
    const { config, lists, log } = options;
    const now = options.now ?? Date.now;
    this.#config = config;
    this.#log = log;
    this.#secrets = options.secrets;
    this.#rememberSecrets(lists);
    this.#imageFetcher = options.imageFetcher ?? (config.fetchImageUrls ? new ImageFetcher() : undefined);
    this.#link = options.link ?? new MemoryLink(new MemorySessionStore(
      { maxChats: config.maxChats, maxChatsPerUser: config.maxChatsPerUser, idleTimeoutMs: config.sessionIdleTimeoutMs },
      () => randomBytes(16).toString('base64url'),
    ), now());
    // Changes replayed while the daemon is built come before the lead exists: its first save covers them.
    this.#sync = new StateSync(watchRemote(this.#link, (change) => this.#lead?.remote(change)), now);
    // Under --workers (with --redis too) this worker's part in the group; undefined serving alone.
    this.#gatherer = new Gatherer(workerGroup());
    this.#sessions = new ChatSessions(lists.users, config.userRate, this.#link);
    this.#interactions = new InteractionLog({ log, file: config.interactionLog, now, scrub: this.#scrub });
    const secrets = (): ReadonlySet<string> => this.#secrets.values();
    this.rotator = new Rotator(lists.keys, lists.relays, {
      now,
      onChange: (change) => {
        logChange(log, change);
        this.#sync.rotatorChanged(change);
        if (change.type.startsWith('key-')) this.#lead.save();
        if (change.type === 'key-disabled' && change.manual !== true) this.prober.confirm(change.keyId);
      },
    }, lists.egress);
    this.#affinity = new MemoryAffinity(now, (change) => {
      this.#lead.save();
      this.#sync.affinityChanged(change);
    });
    this.#uploads = new UploadSessions(now, undefined, this.#sync.uploadOpened);
    this.#usage = this.#usageLedger(options, now);
    this.#sync.attach({ rotator: this.rotator, affinity: this.#affinity, uploads: this.#uploads, usage: this.#usage });
    this.#stateFile = config.stateFile === '' ? undefined
      : new StateFile(config.stateFile, { rotator: this.rotator, affinity: this.#affinity, usage: this.#usage.book }, log, now);
    this.#stateFile?.load();
    this.#pools = new UpstreamPools(config);
    const dispatcher = new Dispatcher(
      {
        rotator: this.rotator, pools: this.#pools, secrets, now,
        random: options.random ?? Math.random,
        sleep: sleepUnless,
        checkRelay: (relay) => this.prober.checkRelay(relay),
        affinity: this.#affinity,
      },
      config,
    );
    this.prober = new RecoveryProber({ rotator: this.rotator, pools: this.#pools, secrets, now });
    this.#lead = new LeadChores(workerGroup(), { stateFile: this.#stateFile, prober: this.prober, probeIntervalMs: config.probeIntervalMs, log });
    const metrics = new Metrics();
    metrics.shareThrough(this.#gatherer, () => ({ inflight: this.#app.inflight, streamsOpen: this.#app.streamsOpen }));
    const auth = new ClientAuth(config.proxyKeys);
    this.#app = new App({
      routes: this.#routes(dispatcher, metrics, auth, now),
      auth, log, now, metrics, traffic: this.#traffic, usage: this.#usage,
      bodyBudget: new BodyBudget(config.maxInflightBodyBytes),
      rateLimiter: config.rateLimit && new ClientRateLimiter(config.rateLimit),
    });
    this.#live = this.#liveGateway(auth, metrics, now, options.random ?? Math.random);
    this.#server = httpServer(this.#app.listener);
    this.#server.on('upgrade', this.#live.listener);
  }

  /**
   * Requests and tokens per key and model; with the traffic history, the counts every worker
   * gives the others when asked (src/state/gather.ts).
   */
  #usageLedger(options: DaemonOptions, now: () => number): UsageLedger {
    const usage = new UsageLedger({
      now,
      gather: () => this.#gatherer.gather(USAGE_TOPIC),
      // Batches go out only when there are others to hear them (`--workers`, `--redis`).
      publish: options.link && ((change) => this.#link.publish(change)),
      // Early remote changes may come before the lead is known: nothing to save yet then.
      changed: () => {
        if (this.#lead?.lead === true) this.#stateFile?.scheduleSave(USAGE_SAVE_MS);
      },
    });
    registerUsage(this.rotator, usage);
    this.#gatherer.provide(USAGE_TOPIC, () => usage.ownCounters());
    this.#gatherer.provide(TRAFFIC_TOPIC, () => this.#traffic.snapshot(now()));
    return usage;
  }

  /** The Live API over WebSocket: its own dialer (no undici pool), the same rotator and keys. */
  #liveGateway(auth: ClientAuth, metrics: Metrics, now: () => number, random: () => number): LiveGateway {
    const config = this.#config;
    const dialer = new LiveDialer(
      {
        rotator: this.rotator, now, random,
        secrets: () => this.#secrets.values(),
        sleep: sleepUnless,
        checkRelay: (relay) => this.prober.checkRelay(relay),
      },
      // The handshake is one round trip: it gets the connect timeout, not the headers timeout.
      { maxAttempts: config.maxAttempts, handshakeTimeoutMs: config.connectTimeoutMs, maxFrameBytes: ANSWER_LIMIT },
    );
    return new LiveGateway({
      auth, dialer, log: this.#log, metrics, now, scrub: this.#scrub,
      enabled: config.protocols.includes('gemini'),
      maxFrameBytes: config.maxBodyBytes,
      fallback: (req, socket) => serveAsRequest(req, socket, this.#app.listener),
      tokenKey: (token) => this.#affinity.keyFor(token),
    });
  }

  #routes(dispatcher: Dispatcher, metrics: Metrics, auth: ClientAuth, now: () => number): Route[] {
    const config = this.#config;
    return routeTable({
      config, rotator: this.rotator, prober: this.prober, auth, metrics, now, affinity: this.#affinity, uploads: this.#uploads,
      load: () => ({ inflight: this.#app.inflight, streamsOpen: this.#app.streamsOpen }),
      stateHealth: () => this.#link.health(),
      traffic: async () => mergeTraffic(await this.#gatherer.gather(TRAFFIC_TOPIC)),
      pipeline: {
        dispatcher, maxBodyBytes: config.maxBodyBytes, imageFetcher: this.#imageFetcher, scrub: this.#scrub,
        keepaliveMs: config.keepaliveIntervalMs,
        generation: { safetySettings: config.safetySettings, thinkingBudgets: config.thinkingBudgets },
      },
      catalog: new ModelCatalog(dispatcher, MODEL_LIST_TTL_MS, now, new Set(config.hiddenModels)),
      resolveModel: modelResolver(config.modelAliases, config.legacyModels, new Set(config.hiddenModels)),
      sessions: {
        store: this.#link.sessions,
        sessions: this.#sessions,
        interactions: this.#interactions,
      },
    });
  }

  /** Removes every secret known now from text that came from upstream. */
  readonly #scrub = (text: string): string => scrubSecrets(text, this.#secrets.values());

  #rememberSecrets(lists: Lists): void {
    this.#secrets.replace([...lists.keys.map((key) => key.secret), ...this.#config.proxyKeys, ...configSecrets(this.#config)]);
  }

  /** Starts listening; resolves with the address actually bound. */
  async listen(): Promise<AddressInfo> {
    // Up to date with the other processes before the first request is taken.
    await this.#sync.resync(this.#log);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port: this.#config.port, host: this.#config.host, backlog: LISTEN_BACKLOG }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#lead.listening();
    return this.#server.address() as AddressInfo;
  }

  /** New key, relay and egress lists; in-flight requests keep going, surviving keys keep their state. */
  reload(lists: Lists): void {
    this.rotator.replace(lists.keys, lists.relays, lists.egress);
    this.#sessions.replaceUsers(lists.users);
    this.#rememberSecrets(lists);
    this.#pools.retain(new Set(lists.relays.map((relay) => relay.origin)), lists.egress);
  }

  /** Catches up with the changes other processes made (the state link came back). */
  resync(): Promise<void> {
    return this.#sync.resync(this.#log);
  }

  /** Probes every key an answer disabled, after a reload; under `--workers` only the lead does. */
  probeAfterReload(): Promise<void> {
    return this.#lead.lead ? this.prober.probeAll() : Promise.resolve();
  }

  /** Requests in flight now. */
  get inflight(): number {
    return this.#app.inflight;
  }

  /** Reopens the files the daemon appends to (after logrotate moved them). */
  reopenLogs(): void {
    this.#interactions.reopen();
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `drainMs`, then cuts what is
   * left. Resolves once the server is closed.
   */
  async shutdown(drainMs: number): Promise<void> {
    this.#lead.stop();
    this.#app.startClosing();
    this.#live.startClosing();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const inflight = this.#app.inflight;
    try {
      // Live sessions get the same drain as requests: one may be mid-turn.
      const drain = AbortSignal.timeout(drainMs);
      await Promise.all([this.#app.whenIdle(drain), this.#live.whenIdle(drain)]);
    } catch {
      this.#log.warn({ inflight: this.#app.inflight, liveSessions: this.#live.sessions }, 'drain timeout: cutting the requests still open');
      this.#app.abortAll();
    }
    // Upgraded sockets hold the server open until they end.
    await this.#live.closeAll();
    this.#server.closeAllConnections();
    await closed;
    await this.#pools.destroy();
    await this.#imageFetcher?.close();
    this.#usage.flush();
    await this.#stateFile?.flush();
    await this.#link.close();
    await this.#interactions.close();
    this.#log.info({ drained: inflight }, 'stopped');
  }
}

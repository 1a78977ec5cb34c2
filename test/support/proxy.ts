/** Starts the real daemon in-process on 127.0.0.1, port 0, in front of fake upstreams. */

import { toEgress } from '../../src/config/egress-line.js';
import { parseKeyLine } from '../../src/config/key-line.js';
import { keyId, toRelay, type ApiKey } from '../../src/config/lists.js';
import type { Config } from '../../src/config/resolve.js';
import { defaultSettings, type Settings } from '../../src/config/settings.js';
import { createLogger } from '../../src/log/logger.js';
import { Secrets } from '../../src/log/secrets.js';
import { Daemon } from '../../src/server/daemon.js';
import type { ImageFetcher } from '../../src/server/image-fetch.js';
import type { StateLink } from '../../src/state/link.js';
import { LogSink } from './log-sink.js';

export interface ProxyOptions {
  /** Key lines as api_keys.txt has them: the key, then optional labels (`proxy=…`). */
  keys: readonly string[];
  relays: readonly string[];
  /** Egress proxy URLs, as the egress proxies file lists them. */
  egress?: readonly string[];
  settings?: Partial<Settings>;
  /** The valid users of the chat-session API. */
  users?: readonly string[];
  /** The `[models]` alias map. */
  aliases?: Record<string, string>;
  now?: () => number;
  random?: () => number;
  imageFetcher?: ImageFetcher;
  /** The state link the daemon shares state through (several daemons on one bus act as one). */
  link?: StateLink;
}

export interface TestProxy {
  readonly url: string;
  readonly daemon: Daemon;
  readonly logs: LogSink;
  /** GET /status, parsed. */
  status(headers?: Record<string, string>): Promise<StatusBody>;
  close(): Promise<void>;
}

export interface StatusBody {
  keys: { id: string; state: string; reason?: string; coolingUntil?: Record<string, string>; attempts: number; failures: number }[];
  relays: { id: string; state: string; unhealthyUntil?: string; consecutiveFailures: number }[];
}

export function testConfig(settings: Partial<Settings> = {}, modelAliases: Record<string, string> = {}): Config {
  return {
    ...defaultSettings(),
    port: 0,
    probeIntervalMs: 0,
    watchIntervalMs: 0,
    drainTimeoutMs: 2_000,
    logLevel: 'debug',
    ...settings,
    configFile: undefined,
    envKeys: [],
    apiKeysFileExplicit: false,
    modelAliases,
  };
}

function keysOf(line: string): ApiKey[] {
  const { secrets, labels } = parseKeyLine(line, 'test key', []);
  return secrets.map((secret) => ({ id: keyId(secret), secret, ...labels }));
}

export function listsOf(keys: readonly string[], relays: readonly string[], users: readonly string[] = [], egress: readonly string[] = []) {
  return {
    keys: keys.flatMap(keysOf),
    relays: relays.map((url) => toRelay(url, 'test relay')),
    egress: egress.map((url) => toEgress(url, 'test egress proxy')),
    users,
    warnings: [],
  };
}

export async function startProxy(options: ProxyOptions): Promise<TestProxy> {
  const logs = new LogSink();
  const secrets = new Secrets();
  const config = testConfig(options.settings, options.aliases);
  const log = createLogger({ level: config.logLevel, destination: logs, secrets });
  const daemon = new Daemon({
    config,
    lists: listsOf(options.keys, options.relays, options.users, options.egress),
    log,
    secrets,
    ...(options.now && { now: options.now }),
    ...(options.imageFetcher && { imageFetcher: options.imageFetcher }),
    ...(options.link && { link: options.link }),
    // No jitter by default: back-offs are 0 ms, so tests never wait on a timer.
    random: options.random ?? (() => 0),
  });
  const { port } = await daemon.listen();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    daemon,
    logs,
    status: async (headers = {}) => {
      const response = await fetch(`${url}/status`, { headers });
      return (await response.json()) as StatusBody;
    },
    close: () => daemon.shutdown(1_000),
  };
}

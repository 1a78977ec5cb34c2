/**
 * @module `gemini-proxy` serving: loads the lists, starts the daemon, and owns what belongs to
 * the process: signals (SIGHUP reloads and reopens the logs, SIGTERM/SIGINT drain), file
 * watching, the exit.
 */

import { ConfigError } from '../config/config-error.js';
import { listSourcesOf, loadLists, type Lists } from '../config/lists.js';
import type { Config } from '../config/resolve.js';
import { watchFiles } from '../config/watch.js';
import { errorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Secrets } from '../log/secrets.js';
import { Daemon } from '../server/daemon.js';
import { ClusterLink } from '../state/cluster.js';
import { stateLink } from './state-link.js';
import { onDrainRequest } from '../state/cluster.js';

function readLists(config: Config): Lists {
  return loadLists(listSourcesOf(config));
}

/** The egress proxies by id (never with their credentials), when there are any. */
function egressIds(lists: Lists): { egress?: string[] } {
  return lists.egress.length === 0 ? {} : { egress: lists.egress.map((proxy) => proxy.id) };
}

function logWarnings(log: Logger, lists: Lists): void {
  for (const warning of lists.warnings) log.warn({ event: 'list-warning' }, warning);
}

/** A reload that fails validation keeps the old lists and says why. */
function reloader(config: Config, daemon: Daemon, log: Logger): (trigger: string) => void {
  return (trigger) => {
    let lists: Lists;
    try {
      lists = readLists(config);
    } catch (error) {
      const message = error instanceof ConfigError ? error.message : String(error);
      log.error({ event: 'reload-failed', trigger, code: error instanceof ConfigError ? error.code : undefined },
        `reload failed, keeping the previous lists: ${message}`);
      return;
    }
    logWarnings(log, lists);
    daemon.reload(lists);
    log.info({
      event: 'reloaded', trigger, keys: lists.keys.length, relays: lists.relays.map((relay) => relay.id),
      ...egressIds(lists), users: lists.users.length,
    }, 'reloaded');
    // A reload is the operator saying "I fixed something": disabled keys get probed at once.
    void daemon.probeAfterReload();
  };
}

async function listen(daemon: Daemon, config: Config): Promise<{ address: string; port: number }> {
  try {
    return await daemon.listen();
  } catch (error) {
    const code = errorCode(error) ?? 'error';
    const why = code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${code})`;
    throw new ConfigError('GP_CONFIG_INVALID', '--port', `${config.host}:${config.port} ${why}`);
  }
}

/**
 * Installs the signal handlers: SIGHUP reloads and reopens the logs; SIGTERM/SIGINT drain; a
 * second signal exits at once. A `--workers` worker also drains when the primary asks, by a
 * message rather than a signal: the worker may have had the signal itself (a terminal's Ctrl-C
 * and systemd's stop reach every process of the group), and the primary's must not count as
 * its second. The primary's own second signal reaches it as "stop now".
 */
function handleSignals(config: Config, daemon: Daemon, log: Logger, reload: (trigger: string) => void): Promise<number> {
  process.on('SIGHUP', () => {
    reload('SIGHUP');
    // SIGHUP is also logrotate's "I moved your files": reopened even when the lists fail to reload.
    daemon.reopenLogs();
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    let signalled = false;
    const stop = (signal: string, from: 'signal' | 'primary' | 'primary-now'): void => {
      if (from === 'primary-now' || (from === 'signal' && signalled)) process.exit(1); // a second signal: stop now
      signalled ||= from === 'signal';
      if (stopping) return;
      stopping = true;
      log.info({ event: 'shutting-down', signal, ...(from !== 'signal' && { via: 'primary' }), drainMs: config.drainTimeoutMs }, 'shutting down');
      daemon.shutdown(config.drainTimeoutMs).then(() => resolve(0), () => resolve(1));
    };
    process.on('SIGTERM', () => stop('SIGTERM', 'signal'));
    process.on('SIGINT', () => stop('SIGINT', 'signal'));
    onDrainRequest((signal, now) => stop(signal, now ? 'primary-now' : 'primary'));
  });
}

/** Runs the daemon until a signal stops it; resolves with the exit code. */
export async function serve(config: Config, log: Logger, secrets: Secrets): Promise<number> {
  const lists = readLists(config);
  logWarnings(log, lists);
  // Redis, or under `--workers` the primary process; none when serving alone.
  let daemon: Daemon | undefined;
  const link = await stateLink(config, log, () => void daemon?.resync());
  daemon = new Daemon({ config, lists, log, secrets, ...(link && { link }) });
  // So a worker's death can say how many requests it took with it.
  if (link instanceof ClusterLink) link.watchInflight(() => daemon?.inflight ?? 0);
  const reload = reloader(config, daemon, log);
  // Watching and signal handling start before the "listening" line, so a supervisor that acts on
  // that line always finds them in place.
  const stopWatching = watchFiles([config.apiKeysFile, config.proxyUrlsFile, config.egressProxiesFile, config.usersFile],
    config.watchIntervalMs, () => reload('file-change'));
  const stopped = handleSignals(config, daemon, log, reload);
  const { address, port } = await listen(daemon, config).catch((error: unknown) => {
    stopWatching();
    throw error;
  });
  log.info({
    event: 'listening', address, port, keys: lists.keys.length,
    relays: lists.relays.map((relay) => relay.id), ...egressIds(lists), users: lists.users.length, protocols: config.protocols,
    auth: config.proxyKeys.length > 0,
    ...(config.configFile && { config: config.configFile }),
  }, `listening on ${address}:${port}`);
  const code = await stopped;
  stopWatching();
  return code;
}

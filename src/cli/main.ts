/** @module The CLI entry: parse, resolve the configuration, serve; one line on a bad start. */

import { ConfigError } from '../config/config-error.js';
import { resolveConfig } from '../config/resolve.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Secrets } from '../log/secrets.js';
import { parseCommandLine } from './program.js';
import { serve } from './serve.js';

function flush(log: Logger | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (log === undefined) resolve();
    else log.flush(() => resolve());
  });
}

/** Runs the command line; returns the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let log: Logger | undefined;
  try {
    const commandLine = parseCommandLine(args);
    const config = resolveConfig({ cli: commandLine.settings, cliConfigFile: commandLine.configFile });
    const secrets = new Secrets();
    secrets.replace([...config.proxyKeys, ...config.envKeys]);
    log = createLogger({ level: config.logLevel, secrets });
    return await serve(config, log, secrets);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`gemini-proxy: ${error.message}\n`);
    return 2;
  } finally {
    await flush(log);
  }
}

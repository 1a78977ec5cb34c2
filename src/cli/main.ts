/** @module The CLI entry: parse, resolve the configuration, serve; one line on a bad start. */

import cluster from 'node:cluster';
import { ConfigError } from '../config/config-error.js';
import { resolveConfig } from '../config/resolve.js';
import { closeDestination, createLogger, stdoutDestination, type StdoutDestination } from '../log/logger.js';
import { Secrets } from '../log/secrets.js';
import { doctor } from './doctor.js';
import { parseCommandLine } from './program.js';
import { serve } from './serve.js';
import { ownArguments, runWorkers } from './workers.js';

/** Runs the command line; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let destination: StdoutDestination | undefined;
  try {
    const args = ownArguments(argv);
    const isDoctor = args[0] === 'doctor';
    const commandLine = parseCommandLine(isDoctor ? args.slice(1) : args);
    const config = resolveConfig({ cli: commandLine.settings, cliConfigFile: commandLine.configFile });
    if (isDoctor) return await doctor(config, (text) => process.stdout.write(text));
    const secrets = new Secrets();
    secrets.replace([...config.proxyKeys, ...config.envKeys]);
    destination = stdoutDestination();
    const log = createLogger({ level: config.logLevel, destination, secrets });
    // Under `--workers`, this process is the primary and serves nothing; each worker it forks runs
    // this same entry (node:cluster starts the script again) and serves below.
    if (config.workers > 1 && cluster.isPrimary) return await runWorkers(config, log);
    return await serve(config, log, secrets);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`gemini-proxy: ${error.message}\n`);
    return 2;
  } finally {
    if (destination !== undefined) await closeDestination(destination);
  }
}

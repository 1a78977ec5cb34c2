/** @module The root logger: pino, JSON lines, no transports (they need worker threads). */

import { pino, type DestinationStream, type Logger } from 'pino';
import { errorCode } from '../errors.js';
import { LineWriter } from './line-writer.js';
import { scrubSecrets } from './scrub.js';
import type { Secrets } from './secrets.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout when absent. Tests pass an in-memory sink. */
  destination?: DestinationStream;
  /** The secrets known now; error messages are scrubbed of them before they are written. */
  secrets: Secrets;
}

export type StdoutDestination = LineWriter;

/** Asynchronous writes to stdout, so a slow terminal or journal never blocks a request. */
export function stdoutDestination(): StdoutDestination {
  return new LineWriter(1);
}

/** Resolves once every line written so far has reached stdout (call before exiting). */
export function closeDestination(destination: StdoutDestination): Promise<void> {
  return destination.end();
}

/** Creates the process's one logger. Child loggers carry the request id. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? stdoutDestination();
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      // Epoch milliseconds (pino's default): the cheapest timestamp, and journald adds its own.
      formatters: { level: (label) => ({ level: label }) },
      serializers: {
        err: (error: unknown) => serializeError(error, options.secrets.values()),
      },
    },
    destination,
  );
}

function serializeError(error: unknown, secrets: Iterable<string>): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrubSecrets(String(error), secrets) };
  return {
    type: error.name,
    code: errorCode(error),
    message: scrubSecrets(error.message, secrets),
  };
}

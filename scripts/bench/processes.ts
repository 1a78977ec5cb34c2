/**
 * @module Starting and stopping the programs a bench run measures. Each gets a port chosen here
 * and counts as up once it answers a `generateContent` with a 200, so the same wait serves the
 * cold-start figure (process start to first 200) and the set-up of every other scenario.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { delay } from './measure.js';
import { GENERATE_BODY, GENERATE_PATH } from './requests.js';

export interface Launch {
  readonly name: string;
  /** The executable and its first arguments; the port-dependent ones come from `args`. */
  readonly command: readonly string[];
  readonly args: (port: number) => string[];
  readonly cwd?: string;
  /** Appends the program's stdout here (the daemon's log); discarded when absent. */
  readonly stdoutFile?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly base: string;
}

/** A port nothing listens on now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function spawnOn(launch: Launch, port: number): ChildProcess {
  const [command, ...first] = launch.command;
  if (command === undefined) throw new Error(`${launch.name}: no command`);
  const out = launch.stdoutFile === undefined ? 'ignore' : openSync(launch.stdoutFile, 'a');
  const child = spawn(command, [...first, ...launch.args(port)], {
    cwd: launch.cwd, env: launch.env ?? process.env, stdio: ['ignore', out, 'inherit'],
  });
  if (typeof out === 'number') closeSync(out);
  return child;
}

/** One `generateContent` on a fresh connection: whether it came back 200. */
function answersOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1', port, method: 'POST', path: GENERATE_PATH, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(GENERATE_BODY) },
    }, (res) => {
      res.on('error', () => resolve(false));
      res.on('end', () => resolve(res.statusCode === 200)).resume();
    });
    req.on('error', () => resolve(false));
    req.end(GENERATE_BODY);
  });
}

/** Polls every millisecond until the program answers a 200; throws if it exits or takes 20 s. */
export async function waitUntilServing(name: string, child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await answersOk(port))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before serving`);
    if (Date.now() > deadline) throw new Error(`${name} did not answer a 200 on port ${port} within 20 s`);
    await delay(1);
  }
}

/** How many of the log's lines carry `"event":"<event>"` (pino's JSON, one object a line). */
function countEvents(logFile: string, event: string): number {
  if (!existsSync(logFile)) return 0;
  const mark = `"event":"${event}"`;
  return readFileSync(logFile, 'utf8').split('\n').filter((line) => line.includes(mark)).length;
}

/**
 * Polls every 10 ms until the daemon's log holds `count` lines of `event`: every `--workers`
 * worker listening, say, which its first 200 does not show. Throws if it exits or takes 20 s.
 */
export async function waitForLogEvents(running: Running, logFile: string, event: string, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (countEvents(logFile, event) < count) {
    const { child, name } = running;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before logging ${event}`);
    if (Date.now() > deadline) throw new Error(`${name} did not log ${count} × ${event} within 20 s`);
    await delay(10);
  }
}

export async function start(launch: Launch): Promise<Running> {
  const port = await freePort();
  const child = spawnOn(launch, port);
  try {
    await waitUntilServing(launch.name, child, port);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { name: launch.name, child, pid: child.pid!, port, base: `http://127.0.0.1:${port}` };
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

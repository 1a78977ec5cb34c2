/**
 * A real `redis-server` (Debian's package) on a free loopback port, with nothing written to disk,
 * for the tests of the Redis link. It can be stopped and started again on the same port, so a
 * test can take Redis away mid-run and bring it back.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** What `npm test` says when the package is missing (scripts/preflight.mjs says the same). */
export const INSTALL_LINE = `redis-server is missing: run  ${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y redis-server`;

/** Ports tried before giving up, when another process takes the free port first. */
const PORT_TRIES = 5;
/** PINGs tried after the server said it is ready, 20 ms apart. */
const PING_TRIES = 50;

/** Servers still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class RedisServer {
  readonly port: number;
  readonly #dir: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  /** Starts a server on a free loopback port. */
  static async start(): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'gp-redis-'));
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(await freePort(), dir);
      try {
        await server.start();
        return server;
      } catch (error) {
        // Another process took the port between our probe and the server's bind: try another.
        if (error instanceof PortTakenError && attempt < PORT_TRIES) continue;
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server on its port (again, after stop()); resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.#child !== undefined) return;
    const child = spawn('redis-server', this.#args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    await readyOrGone(child, output);
    this.#child = child;
    running.add(child);
    await ping(this.port);
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Stops the server (SIGTERM) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    const exited = once(child, 'exit');
    // A frozen server would not act on SIGTERM until thawed.
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
    running.delete(child);
  }

  /** Stops the server for good and removes its working directory. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #args(): string[] {
    return [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.#dir, '--daemonize', 'no', '--loglevel', 'notice', '--logfile', '',
    ];
  }
}

class PortTakenError extends Error {}

/** A port the kernel just handed out for a listener on 127.0.0.1, closed again for the server to take. */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Resolves when the server logs that it accepts connections; rejects when it exits or cannot run. */
function readyOrGone(child: ChildProcess, output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      if (output.join('').includes('Ready to accept connections')) done(resolve);
    };
    const onExit = (): void => {
      const text = output.join('');
      done(() => reject(text.includes('Address already in use') ? new PortTakenError(text) : new Error(`redis-server exited: ${text}`)));
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      done(() => reject(error.code === 'ENOENT' ? new Error(INSTALL_LINE) : error));
    };
    const done = (settle: () => void): void => {
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      settle();
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** Resolves once the server answers PING; a bounded number of tries. */
async function ping(port: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await pingOnce(port)) return;
    if (attempt >= PING_TRIES) throw new Error(`redis-server on port ${port} does not answer PING`);
    await delay(20);
  }
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

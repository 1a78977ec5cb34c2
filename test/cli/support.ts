/**
 * Runs the built CLI (`dist/gemini-proxy.cjs`) as a child process in a scratch folder, with an
 * environment of our own (never the developer's GEMINI_* variables), and reads its JSON log lines
 * from stdout as they come. Everything waits on events (a log line, an exit), never on a clock.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { controlledStream } from '../support/behaviours.js';
import type { FakeGemini } from '../support/fake-gemini.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist', 'gemini-proxy.cjs');

export const STREAM_PATH = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
export const GENERATE_PATH = '/v1beta/models/gemini-2.5-flash:generateContent';
export const PROMPT_BODY = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * These tests run the bundle, not the sources: a missing or stale bundle would test old code,
 * so it is refused with the command that fixes it (`npm test` builds first by itself).
 */
export function assertBundleFresh(): void {
  let built: number;
  try {
    built = statSync(CLI).mtimeMs;
  } catch {
    throw new Error(`${CLI} is missing: run \`node scripts/build.mjs\` before the CLI tests`);
  }
  if (newestMtime(join(ROOT, 'src')) > built) {
    throw new Error(`${CLI} is older than src/: run \`node scripts/build.mjs\` before the CLI tests`);
  }
}

const workspaces = new Set<Workspace>();

/** A scratch folder the CLI runs in; removed by `cleanUp()`. */
export class Workspace {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-cli-'));
    workspaces.add(this);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes (or replaces) a file, creating its folders; returns its absolute path. */
  write(name: string, text: string): string {
    const file = this.path(name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  }

  /** Replaces a file in one step (write aside, rename), as careful editors do. */
  replace(name: string, text: string): void {
    const aside = `${name}.tmp-${process.pid}`;
    this.write(aside, text);
    renameSync(this.path(aside), this.path(name));
  }
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: string; event?: string };

/** The fields of the start-up line. */
export interface ListeningLine extends LogLine {
  event: 'listening';
  address: string;
  port: number;
  keys: number;
  relays: string[];
  protocols: string[];
  notYetAvailable?: string[];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliOptions {
  cwd: string;
  /** Added to `{ PATH }`; nothing else of the test runner's environment is passed on. */
  env?: Record<string, string>;
  /** Run this file itself (the single executable) instead of `node dist/gemini-proxy.cjs`. */
  executable?: string;
  /** Pass only `env`: no PATH, nothing else. */
  bareEnv?: boolean;
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', ...extra };
}

const running = new Set<CliProcess>();

/** A running `gemini-proxy`: its parsed log lines, its stderr, its exit. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  /** stdout exactly as received, line by line. */
  readonly rawLines: string[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void; reject: (error: Error) => void; what: string }[] = [];

  constructor(args: readonly string[], options: CliOptions) {
    this.child = spawn(options.executable ?? process.execPath, options.executable ? args : [CLI, ...args], {
      cwd: options.cwd,
      env: options.bareEnv ? { ...options.env } : childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    const stdout = this.child.stdout;
    if (stdout === null) throw new Error('no stdout');
    const lineReader = createInterface({ input: stdout, crlfDelay: Infinity });
    lineReader.on('line', (text) => this.#onLine(text));
    const stdoutDone = once(lineReader, 'close');
    const processDone = once(this.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    this.exited = Promise.all([processDone, stdoutDone]).then(([[code, signal]]) => {
      this.#exit = { code, signal };
      running.delete(this);
      for (const waiter of this.#waiters) {
        waiter.reject(new Error(`gemini-proxy exited (${code ?? signal}) before ${waiter.what}\n${this.#transcript()}`));
      }
      this.#waiters = [];
      return this.#exit;
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the child has no pid');
    return this.child.pid;
  }

  #onLine(text: string): void {
    if (text.trim() === '') return;
    this.rawLines.push(text);
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, notJson: true };
    }
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.predicate(line)) return true;
      waiter.resolve(line);
      return false;
    });
  }

  #transcript(): string {
    return `stdout:\n${this.rawLines.join('\n')}\nstderr:\n${this.stderr}`;
  }

  /** The first line, logged already or still to come, that matches; rejects if the process ends first. */
  waitFor(predicate: (line: LogLine) => boolean, what = 'the awaited log line'): Promise<LogLine> {
    const found = this.lines.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    if (this.#exit !== undefined) {
      return Promise.reject(new Error(`gemini-proxy had exited before ${what}\n${this.#transcript()}`));
    }
    return new Promise((resolve, reject) => this.#waiters.push({ predicate, resolve, reject, what }));
  }

  /** The first line with `event: name` and the given field values. */
  waitForEvent(name: string, fields: Record<string, unknown> = {}): Promise<LogLine> {
    return this.waitFor(
      (line) => line.event === name && Object.entries(fields).every(([key, value]) => line[key] === value),
      `a line with event "${name}" ${JSON.stringify(fields)}`,
    );
  }

  events(name: string): LogLine[] {
    return this.lines.filter((line) => line.event === name);
  }

  async listening(): Promise<ListeningLine> {
    return (await this.waitForEvent('listening')) as ListeningLine;
  }

  /** The proxy's base URL, once it listens. */
  async url(): Promise<string> {
    const line = await this.listening();
    return `http://127.0.0.1:${line.port}`;
  }

  /** The base URL once the process answers on it. */
  async ready(): Promise<string> {
    const base = await this.url();
    const health = await send(base, { path: '/healthz' });
    if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
    return base;
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.child.kill(signal)) throw new Error(`could not send ${signal} to ${this.pid}`);
  }
}


/** Starts `gemini-proxy args…` in `options.cwd`. */
export function startCli(args: readonly string[], options: CliOptions): CliProcess {
  return new CliProcess(args, options);
}

/** Runs `gemini-proxy args…` to its end. */
export async function runCli(args: readonly string[], options: CliOptions): Promise<{ exit: Exit; stdout: string; stderr: string; lines: LogLine[] }> {
  const cli = startCli(args, options);
  const exit = await cli.exited;
  return { exit, stdout: cli.rawLines.join('\n'), stderr: cli.stderr, lines: cli.lines };
}

/** For afterEach: kills (by pid) every child still running, and removes the scratch folders. */
export async function cleanUp(): Promise<void> {
  const left = [...running];
  for (const cli of left) cli.child.kill('SIGKILL');
  await Promise.all(left.map((cli) => cli.exited));
  for (const workspace of workspaces) rmSync(workspace.dir, { recursive: true, force: true });
  workspaces.clear();
}

/** A TCP server holding a loopback port, so the CLI finds it taken. */
export async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request on a connection of its own (no agent, so never a reused keep-alive socket).
 */
export function send(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = openRequest(base, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function openRequest(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
  onResponse: (res: IncomingMessage) => void,
) {
  const url = new URL(base);
  const req = httpRequest(
    {
      host: url.hostname,
      port: url.port,
      method: options.method ?? 'GET',
      path: options.path,
      headers: { ...(options.body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
      agent: false,
    },
    onResponse,
  );
  req.end(options.body);
  return req;
}

export async function getStatus(base: string): Promise<{ keys: { id: string; state: string }[]; relays: { id: string; state: string }[] }> {
  const reply = await send(base, { path: '/status' });
  if (reply.status !== 200) throw new Error(`/status answered ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as { keys: { id: string; state: string }[]; relays: { id: string; state: string }[] };
}

/** How a streamed response ended at the client. */
export interface StreamEnd {
  /** True when the whole body arrived; false when the connection was cut. */
  complete: boolean;
  body: string;
}

/**
 * A streaming request held open by the test: `waitForText` resolves once the body so far
 * contains a text; `ended` resolves when the response finishes or is cut.
 */
export class StreamingClient {
  status = 0;
  body = '';
  readonly ended: Promise<StreamEnd>;
  #waiters: { text: string; resolve: () => void }[] = [];

  constructor(base: string, path = STREAM_PATH, body = PROMPT_BODY) {
    this.ended = new Promise<StreamEnd>((resolve) => {
      const req = openRequest(base, { method: 'POST', path, body }, (res) => {
        this.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          this.body += text;
          this.#waiters = this.#waiters.filter((waiter) => {
            if (!this.body.includes(waiter.text)) return true;
            waiter.resolve();
            return false;
          });
        });
        // A cut connection still ends in 'close'; `complete` tells whether the body was whole.
        res.on('error', () => undefined);
        res.on('close', () => resolve({ complete: res.complete, body: this.body }));
      });
      req.on('error', () => resolve({ complete: false, body: this.body }));
    });
  }

  /** Resolves once the body received so far contains `text` (rejects if the stream ends first). */
  waitForText(text: string): Promise<void> {
    if (this.body.includes(text)) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.#waiters.push({ text, resolve })),
      this.ended.then((end) => {
        if (!end.body.includes(text)) throw new Error(`the stream ended without ${JSON.stringify(text)}: ${end.body}`);
      }),
    ]);
  }
}

/** The texts of an SSE body of Gemini chunks, in order. */
export function sseTexts(body: string): string[] {
  return body
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data: '))
    .map((line) => {
      const chunk = JSON.parse(line.slice('data: '.length)) as { candidates?: { content?: { parts?: { text?: string }[] } }[] };
      return chunk.candidates?.[0]?.content?.parts?.map((part) => part.text ?? '').join('') ?? '';
    });
}

/**
 * Whether a fresh connection to `base` is refused, or else the status it gets. A connection reset
 * before any answer (one that sat in the listen backlog as the listener closed) counts as refused.
 * A GET, so no unread request body can turn a 503 into a reset.
 */
export async function tryConnect(base: string, path = '/v1beta/models'): Promise<{ refused: true; code: string } | { refused: false; status: number }> {
  try {
    const reply = await send(base, { path });
    return { refused: false, status: reply.status };
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return { refused: true, code };
    throw error;
  }
}

/**
 * A stream through the proxy at `base` to a controlled upstream stream, once its first chunk
 * ("first") has reached the client.
 */
export async function streamStarted(base: string, upstream: FakeGemini): Promise<{ stream: ReturnType<typeof controlledStream>; client: StreamingClient }> {
  const stream = controlledStream();
  upstream.next(stream.behaviour);
  const client = new StreamingClient(base);
  await stream.started;
  stream.send('first');
  await client.waitForText('"first"');
  return { stream, client };
}

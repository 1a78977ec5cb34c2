/**
 * The coding agents themselves (Claude Code, Codex CLI), pinned, fetched from the npm registry
 * into node_modules/.cache on first use: they are large native packages, so they are no
 * devDependencies every `npm ci` pays for. Each run gets an empty environment, a throwaway HOME
 * and working folder, and stdin from /dev/null, as coding-agents.md found keeps them offline.
 */

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/support.js';
import type { Behaviour, Recorded } from '../support/fake-gemini.js';

/** The versions run: Claude Code 2.1.197 is the newest whose package allows Node 20. */
export const CLAUDE_CODE = { name: '@anthropic-ai/claude-code', version: '2.1.197' } as const;
export const CODEX = { name: '@openai/codex', version: '0.171.0' } as const;

type Pinned = typeof CLAUDE_CODE | typeof CODEX;

const CACHE = join(ROOT, 'node_modules', '.cache', 'gemini-proxy-agents');
const PLATFORM = `${process.platform}-${process.arch}`;

/**
 * The package's folder in the cache, installed there once. Install scripts are skipped (the
 * platform binary comes as an optional dependency); a half-made install never takes the name.
 */
function installed(pinned: Pinned): string {
  const folder = join(CACHE, `${pinned.name.replace('/', '+')}@${pinned.version}`);
  if (existsSync(join(folder, 'done'))) return folder;
  mkdirSync(CACHE, { recursive: true });
  const scratch = mkdtempSync(join(CACHE, 'install-'));
  writeFileSync(join(scratch, 'package.json'), '{"private":true}');
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', `${pinned.name}@${pinned.version}`], {
    cwd: scratch,
    stdio: 'pipe',
  });
  writeFileSync(join(scratch, 'done'), '');
  rmSync(folder, { recursive: true, force: true });
  renameSync(scratch, folder);
  return folder;
}

/** `claude`: the native binary of this platform's package (what its postinstall would copy). */
export function claudeCommand(): string[] {
  return [join(installed(CLAUDE_CODE), 'node_modules', '@anthropic-ai', `claude-code-${PLATFORM}`, 'claude')];
}

/** `codex`: the package's own launcher, which finds this platform's binary. */
export function codexCommand(): string[] {
  return [process.execPath, join(installed(CODEX), 'node_modules', '@openai', 'codex', 'bin', 'codex.js')];
}

export interface AgentRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A throwaway folder tree for one run: `home`, `work` (the agent's working folder). */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-agent-'));
  readonly home = join(this.dir, 'home');
  readonly work = join(this.dir, 'work');

  constructor() {
    mkdirSync(this.home);
    mkdirSync(this.work);
  }

  write(path: string, text: string): string {
    const file = join(this.dir, path);
    writeFileSync(file, text);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A hung agent is killed, so the test fails with its output instead of hanging the suite. */
const LAST_RESORT_MS = 90_000;

/** Runs `command` to its end with only `env` (plus PATH, HOME, TMPDIR, LANG, TERM, NO_COLOR). */
export async function runAgent(command: readonly string[], args: readonly string[], scratch: Scratch, env: Record<string, string>): Promise<AgentRun> {
  const [file, ...head] = command;
  if (file === undefined) throw new Error('no command');
  const child = spawn(file, [...head, ...args], {
    cwd: scratch.work,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: scratch.home, TMPDIR: tmpdir(), LANG: 'C.UTF-8', TERM: 'dumb', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const killer = setTimeout(() => child.kill('SIGKILL'), LAST_RESORT_MS);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(killer);
  return { code, stdout, stderr };
}

/** What the fake model does: call `tool` with `args` once, then answer with what it returned. */
export interface ToolTurn {
  readonly tool: string;
  readonly args: Record<string, unknown>;
}

export const GREETING = 'Hello from fake Gemini';

interface GeminiRequest {
  contents?: { parts?: { functionResponse?: { name?: string; response?: unknown } }[] }[];
  tools?: { functionDeclarations?: { name?: string }[] }[];
}

/** The functionResponse part of the last turn, if the last turn answers a call. */
function answeredCall(body: GeminiRequest): { name?: string; response?: unknown } | undefined {
  return body.contents?.at(-1)?.parts?.find((part) => part.functionResponse)?.functionResponse;
}

function declares(body: GeminiRequest, tool: string): boolean {
  return (body.tools ?? []).some((entry) => (entry.functionDeclarations ?? []).some((declaration) => declaration.name === tool));
}

/** Base64 as Gemini sends it ("agent-thought-signature!"). */
export const SIGNATURE = 'YWdlbnQtdGhvdWdodC1zaWduYXR1cmUh';

/** The answer's parts for one request: the tool call, or text (saying what the tool returned). */
function answerParts(body: GeminiRequest, turn: ToolTurn | undefined): Record<string, unknown>[] {
  const answered = answeredCall(body);
  if (answered !== undefined) return [{ text: `Tool ${answered.name ?? '?'} said: ${JSON.stringify(answered.response)}` }];
  if (turn !== undefined && declares(body, turn.tool)) {
    return [{ functionCall: { name: turn.tool, args: turn.args }, thoughtSignature: SIGNATURE }];
  }
  return [{ text: GREETING }];
}

function reply(request: Recorded, res: ServerResponse, parts: Record<string, unknown>[]): void {
  const answer = {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 },
    responseId: 'agent-response',
  };
  if (request.query.get('alt') === 'sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`data: ${JSON.stringify(answer)}\r\n\r\n`);
  } else {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  }
}

/** Gemini as an agent sees it: only `model` exists; it greets, or calls `turn.tool` once. */
export function agentModel(turn?: ToolTurn, model = 'gemini-2.5-flash'): Behaviour {
  return (request, res) => {
    if (!request.pathname.startsWith(`/v1beta/models/${model}:`)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, message: `models/${request.pathname} is not found`, status: 'NOT_FOUND' } }));
      return;
    }
    reply(request, res, answerParts(JSON.parse(request.body || '{}') as GeminiRequest, turn));
  };
}

/** The Gemini request bodies the agent's calls became. */
export function geminiBodies(requests: readonly Recorded[]): GeminiRequest[] {
  return requests.map((request) => JSON.parse(request.body || '{}') as GeminiRequest);
}

/**
 * @module The programs a bench run compares, as a user would start them: the fake upstream
 * (dist/bench-upstream.cjs), the floor (bench/floor.mjs) and gemini-proxy (the built CLI, and
 * the single executable when `npm run build:binary` has made it), each daemon in its own
 * directory with several keys in api_keys.txt and its `info` log going to a file.
 */

import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Launch } from './processes.js';

/** The repository: the bench runs as dist/bench.cjs. */
export const ROOT = join(__dirname, '..');
export const CLI = process.env.GP_BENCH_CLI ?? join(ROOT, 'dist', 'gemini-proxy.cjs');
/** Where scripts/build-binary.mjs writes the single executable by default. */
export const SINGLE_EXECUTABLE = join(ROOT, 'dist', 'gemini-proxy');
export const RESULTS_FILE = join(ROOT, 'bench', 'results.json');

/** Keys the fake answers: `bench-key-*` always 200, `rl-*` always 429 (see bench-upstream.ts). */
export const OK_KEYS = Array.from({ length: 10 }, (_, i) => `bench-key-${i}`);
export const STORM_KEYS = [...OK_KEYS.slice(0, 5), ...Array.from({ length: 5 }, (_, i) => `rl-key-${i}`)];

export function fakeUpstream(retryDelay: string): Launch {
  return {
    name: 'fake upstream', command: [process.execPath, join(ROOT, 'dist', 'bench-upstream.cjs')], args: (port) => [String(port)],
    env: { ...process.env, BENCH_RETRY_DELAY: retryDelay },
  };
}

export function floor(upstream: string): Launch {
  return { name: 'floor', command: [process.execPath, join(ROOT, 'bench', 'floor.mjs')], args: (port) => [String(port), upstream, OK_KEYS[0]!] };
}

/** A state file naming `count` files, each made by one of the bench keys (ids only). */
function stateWithFiles(count: number): string {
  const resources: Record<string, { keyId: string; untilMs: number }> = {};
  for (let i = 0; i < count; i++) resources[`files/bench${i}`] = { keyId: 'key_bench', untilMs: Date.now() + 3_600_000 };
  return JSON.stringify({ format: 'gemini-proxy-state', version: 1, savedAt: new Date().toISOString(), keys: {}, resources });
}

export interface Workspace {
  readonly dir: string;
  readonly log: string;
  readonly extraArgs: readonly string[];
}

/** A directory as a user sets one up: api_keys.txt, proxy_urls.txt naming the fake, a log file. */
export function workspace(name: string, keys: readonly string[], upstream: string, affinity = 0): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `gemini-proxy-bench-${name}-`));
  writeFileSync(join(dir, 'api_keys.txt'), `${keys.join('\n')}\n`);
  writeFileSync(join(dir, 'proxy_urls.txt'), `${upstream}\n`);
  const extraArgs = process.env.BENCH_PROXY_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
  if (affinity > 0) {
    writeFileSync(join(dir, 'state.json'), stateWithFiles(affinity));
    extraArgs.push('--state-file', 'state.json');
  }
  return { dir, log: join(dir, 'gemini-proxy.log'), extraArgs };
}

/** gemini-proxy in `space`, from `command` (the CLI under node, or the single executable). */
export function daemon(name: string, space: Workspace, command: readonly string[] = [process.execPath, CLI]): Launch {
  return {
    name, command, cwd: space.dir, stdoutFile: space.log,
    args: (port) => ['-port', String(port), '-log-level', 'info', ...space.extraArgs],
  };
}

export function singleExecutableExists(): boolean {
  return existsSync(SINGLE_EXECUTABLE);
}

export function fileBytes(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/**
 * The single executable: built once, run with an empty environment (no PATH, no Node) against
 * the fake upstream. It serves, reloads on SIGHUP, drains on SIGTERM, and holds no test secret.
 */

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { liveSessionThrough } from '../support/live-session.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { cleanUp, GENERATE_PATH, PROMPT_BODY, ROOT, send, sseTexts, startCli, streamStarted, Workspace } from '../cli/support.js';

const POOL_KEY = 'binary-test-pool-key-7f3a';
const SECOND_KEY = 'binary-test-second-key-91c2';

describe('the single executable', () => {
  let dir: string;
  let binary: string;
  let upstream: FakeGemini;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-binary-'));
    binary = join(dir, 'gemini-proxy');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-binary.mjs'), '--no-bundle', '--out', binary], { stdio: 'pipe' });
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The executable serving one key in front of a fresh fake upstream, with no PATH and no Node. */
  async function serveFromBinary(): Promise<{ ws: Workspace; cli: ReturnType<typeof startCli>; base: string }> {
    upstream = await FakeGemini.start();
    const ws = new Workspace();
    ws.write('api_keys.txt', `${POOL_KEY}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    const cli = startCli(['-port=0', '--watch-interval', '0'], { cwd: ws.dir, executable: binary, bareEnv: true });
    return { ws, cli, base: await cli.ready() };
  }

  afterEach(async () => {
    await cleanUp();
    await upstream?.close();
  });

  it('prints its version with no environment at all', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(execFileSync(binary, ['--version'], { env: {} }).toString().trim()).toBe(version);
  });

  it('serves, reloads on SIGHUP and drains on SIGTERM, with no PATH and no Node', async () => {
    const { ws, cli, base } = await serveFromBinary();

    const answer = await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY });
    expect(answer.status).toBe(200);
    expect(upstream.requests[0]?.key).toBe(POOL_KEY);

    ws.write('api_keys.txt', `${POOL_KEY}\n${SECOND_KEY}\n`);
    cli.signal('SIGHUP');
    expect(await cli.waitForEvent('reloaded')).toMatchObject({ trigger: 'SIGHUP', keys: 2 });

    const { stream, client } = await streamStarted(base, upstream);
    cli.signal('SIGTERM');
    await cli.waitForEvent('shutting-down');
    stream.send('last', 'STOP');
    stream.end();
    expect(sseTexts((await client.ended).body)).toEqual(['first', 'last']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('--node builds on another Node 24 runtime binary (no code cache, as for another architecture)', () => {
    const other = join(dir, 'node-runtime-copy');
    copyFileSync(join(ROOT, 'node_modules', '.cache', 'gemini-proxy-runtime', 'node-v24.21.0', 'package', 'bin', 'node'), other);
    const output = join(dir, 'gemini-proxy-other');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-binary.mjs'), '--no-bundle', '--node', other, '--out', output], { stdio: 'pipe' });
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(execFileSync(output, ['--version'], { env: {} }).toString().trim()).toBe(version);
  }, 60_000);

  it('--node refuses a runtime of another version (its blob would crash at start)', () => {
    const build = (): Buffer => execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-binary.mjs'), '--no-bundle', '--node', process.execPath, '--out', join(dir, 'mismatch')], { stdio: 'pipe' });
    expect(build).toThrow(/needs Node\.js v24\.21\.0/);
  });

  it('relays a Live API session (ws bundled without its native add-ons)', () => liveSessionThrough({ executable: binary, bareEnv: true }));

  it('serves the dashboard from inside the executable: the page, its script and style, and its API', async () => {
    const { base } = await serveFromBinary();

    const page = await send(base, { path: '/ui' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.body).toContain('/ui/app.js');
    const script = await send(base, { path: '/ui/app.js' });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body.length).toBeGreaterThan(1000);
    const style = await send(base, { path: '/ui/app.css' });
    expect(style.status).toBe(200);
    expect(style.body.length).toBeGreaterThan(100);
    const state = await send(base, { path: '/ui/api/state' });
    expect(state.status).toBe(200);
    expect(JSON.parse(state.body)).toMatchObject({ keys: [expect.objectContaining({ id: expect.stringMatching(/^key_/) })] });
    expect(state.body).not.toContain(POOL_KEY);
  });

  it('holds no key or token the tests use', () => {
    const bytes = readFileSync(binary);
    const secrets = [POOL_KEY, SECOND_KEY, 'CANARY-', 'openai-client-token', 'pool-key-one', 'pool-key-secret-1', 'proxy-token-abc',
      'key-alpha', 'key-bravo', 'client-token-xyz', 'metrics-token', 'state-key-dead-1', 'doctor-good-key-0001', 'AIzaReloadKey0001'];
    for (const secret of secrets) {
      expect(bytes.includes(secret)).toBe(false);
    }
  });
});

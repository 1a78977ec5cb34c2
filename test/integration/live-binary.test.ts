/**
 * A Live session through what ships: the esbuild bundle and the single executable. ws's optional
 * native add-ons are left out of both; the executable's `require` reaches only built-in modules.
 */

import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { assertBundleFresh, cleanUp, ROOT, startCli, Workspace } from '../cli/support.js';
import { FakeLive } from '../support/fake-live.js';

const POOL_KEY = 'live-binary-pool-key-3e5d';
const CLIENT_TOKEN = 'live-binary-token-61f0';
const LIVE_PATH = '//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';

describe('a Live session through the shipped builds', () => {
  let dir: string;
  let binary: string;
  let upstream: FakeLive | undefined;

  beforeAll(() => {
    assertBundleFresh();
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-live-binary-'));
    binary = join(dir, 'gemini-proxy');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-binary.mjs'), '--no-bundle', '--out', binary], { stdio: 'pipe' });
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  afterEach(async () => {
    await cleanUp();
    await upstream?.close();
  });

  it.each(['bundle', 'single executable'])('relays a session in the %s', async (build) => {
    upstream = await FakeLive.start([POOL_KEY]);
    const ws = new Workspace();
    ws.write('api_keys.txt', `${POOL_KEY}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    const args = ['-port=0', '--watch-interval', '0', '--proxy-key', CLIENT_TOKEN];
    const cli = startCli(args, { cwd: ws.dir, ...(build === 'single executable' && { executable: binary, bareEnv: true }) });
    const base = await cli.ready();

    const client = new WebSocket(`${base.replace('http', 'ws')}${LIVE_PATH}?key=${CLIENT_TOKEN}`);
    await once(client, 'open');
    const reply = once(client, 'message') as Promise<[Buffer, boolean]>;
    client.send(JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview' } }));
    const [data, binaryFrame] = await reply;
    expect(JSON.parse(data.toString('utf8'))).toEqual({ setupComplete: {} });
    expect(binaryFrame).toBe(true);
    expect((await upstream.connection()).key).toBe(POOL_KEY);

    client.close(1000, 'bye');
    expect(await (await upstream.connection()).closed).toEqual({ code: 1000, reason: 'bye' });
    expect(await cli.waitForEvent('live-session')).toMatchObject({ status: 101, closedBy: 'client', clientCode: 1000 });
    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.rawLines.join('\n')).not.toContain(POOL_KEY);
    expect(cli.rawLines.join('\n')).not.toContain(CLIENT_TOKEN);
  });
});

/**
 * `project=` labels in api_keys.txt, read by the real binary: at start-up and on a reload, with an
 * old file (bare keys) still valid, an unknown label only a warning, and never a key in the output.
 */

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { assertBundleFresh, cleanUp, GENERATE_PATH, PROMPT_BODY, send, startCli, Workspace, type CliProcess } from './support.js';

const [A1, A2, B1] = ['AIzaLabelAlpha0001', 'AIzaLabelAlpha0002', 'AIzaLabelBeta00001'] as const;

interface Status {
  keys: { id: string; project?: string; state: string }[];
  projects: { id: string; keys: string[]; sharedQuota?: true }[];
}

describe('gemini-proxy: project labels in api_keys.txt', () => {
  let upstream: FakeGemini;
  let ws: Workspace;
  let cli: CliProcess;
  let base: string;

  const status = async (): Promise<Status> => JSON.parse((await send(base, { path: '/status' })).body) as Status;

  beforeAll(() => assertBundleFresh());

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    ws = new Workspace();
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
  });

  afterEach(async () => {
    await cleanUp();
    await upstream.close();
  });

  async function start(keyFile: string): Promise<void> {
    ws.write('api_keys.txt', keyFile);
    cli = startCli(['-port=0', '-protocol=gemini', '--watch-interval', '0'], { cwd: ws.dir });
    base = await cli.ready();
  }

  it('reads the labels at start-up: projects in /status, a 429 cools the project, an unknown label is a warning', async () => {
    await start(`${A1} project=alpha\n${A2}   project=alpha  region=socks5://user:pw@p.example:1080\n${B1}\tproject=beta\n`);
    expect(cli.events('list-warning').map((line) => line.msg)).toEqual([`${ws.path('api_keys.txt')}:2: unknown label region, ignored`]);
    expect((await status()).projects).toEqual([
      { id: 'alpha', keys: [keyId(A1), keyId(A2)], sharedQuota: true },
      { id: 'beta', keys: [keyId(B1)] },
    ]);
    upstream.forKey(A1, fail('quotaPerMinute', '30s'));
    expect((await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([A1, B1]);
    expect((await status()).keys.map((key) => [key.project, key.state])).toEqual([['alpha', 'cooling'], ['alpha', 'cooling'], ['beta', 'active']]);
    const output = `${cli.rawLines.join('\n')}\n${cli.stderr}`;
    for (const secret of [A1, A2, B1, 'user:pw']) expect(output).not.toContain(secret);
  });

  it('an old file of bare keys starts as before; a reload adds labels to the keys, which keep their state', async () => {
    await start(`# keys\n${A1}\n\n${A2}\n${B1}\n`);
    expect(cli.events('list-warning')).toEqual([]);
    expect((await status()).projects).toEqual([]);
    upstream.forKey(B1, fail('quotaPerMinute', '30s'));
    for (let i = 0; i < 3; i++) await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY });
    ws.write('api_keys.txt', `${A1} project=alpha\n${A2} project=alpha\n${B1} project=beta\n`);
    cli.signal('SIGHUP');
    await cli.waitForEvent('reloaded');
    const after = await status();
    expect(after.keys.map((key) => [key.project, key.state])).toEqual([['alpha', 'active'], ['alpha', 'active'], ['beta', 'cooling']]);
    expect(after.projects.map((project) => project.id)).toEqual(['alpha', 'beta']);
  });
});

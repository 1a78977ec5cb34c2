/**
 * The egress proxies file, read by the real binary: at start-up, on a SIGHUP reload, in
 * `doctor`, and refused when malformed; never a proxy's credentials in the output.
 */

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { canary } from '../support/canary.js';
import { HttpConnectProxy, Socks5Proxy } from '../support/egress-proxies.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { assertBundleFresh, cleanUp, GENERATE_PATH, PROMPT_BODY, runCli, send, startCli, Workspace, type CliProcess } from './support.js';

const KEY = 'AIzaEgressCliKey0001';
const PASSWORD = canary();

describe('gemini-proxy: egress proxies file', () => {
  let upstream: FakeGemini;
  let http: HttpConnectProxy;
  let socks: Socks5Proxy;
  let ws: Workspace;
  let cli: CliProcess;

  beforeAll(() => assertBundleFresh());

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    http = await HttpConnectProxy.start({ egressAddress: '127.0.0.7', auth: { username: 'cli', password: PASSWORD } });
    socks = await Socks5Proxy.start({ egressAddress: '127.0.0.8', auth: { username: 'cli', password: PASSWORD } });
    ws = new Workspace();
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
  });

  afterEach(async () => {
    await cleanUp();
    await Promise.all([upstream.close(), http.kill(), socks.kill()]);
  });

  const output = (): string => `${cli.rawLines.join('\n')}\n${cli.stderr}`;

  it('reads the file at start-up and on SIGHUP; a proxy= label follows the reload; no credential is printed', async () => {
    ws.write('api_keys.txt', `${KEY}\n`);
    ws.write('egress_proxies.txt', `# one proxy\n${http.line()}\n`);
    cli = startCli(['-port=0', '-protocol=gemini', '--watch-interval', '0'], { cwd: ws.dir });
    const base = await cli.ready();
    expect((await cli.waitForEvent('listening'))['egress']).toEqual([http.id]);
    expect((await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
    expect(upstream.requests.map((request) => request.peer)).toEqual(['127.0.0.7']);

    ws.write('egress_proxies.txt', `${http.line()}\n${socks.line()}\n`);
    ws.write('api_keys.txt', `${KEY} proxy=${socks.id}\n`);
    cli.signal('SIGHUP');
    expect((await cli.waitForEvent('reloaded'))['egress']).toEqual([http.id, socks.id]);
    expect((await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
    expect(upstream.requests.map((request) => request.peer)).toEqual(['127.0.0.7', '127.0.0.8']);
    const status = JSON.parse((await send(base, { path: '/status' })).body) as { keys: { id: string; egress?: string }[] };
    expect(status.keys).toMatchObject([{ id: keyId(KEY), egress: socks.id }]);
    expect(output()).not.toContain(PASSWORD);
    expect(output()).not.toContain(KEY);
  });

  it('doctor probes each key through its proxy', async () => {
    ws.write('api_keys.txt', `${KEY}\n`);
    ws.write('egress_proxies.txt', `${socks.line()}\n`);
    const { exit, stdout, stderr } = await runCli(['doctor'], { cwd: ws.dir });
    expect(exit.code).toBe(0);
    expect(stdout).toContain(`${upstream.url} via ${socks.id}`);
    expect(upstream.requests.map((request) => request.peer)).toEqual(['127.0.0.8']);
    expect(`${stdout}${stderr}`).not.toContain(PASSWORD);
  });

  it.each([
    ['a socks4 proxy', `socks4://cli:${PASSWORD}@127.0.0.1:1080`, 'expected an http://, https:// or socks5:// proxy'],
    ['a proxy with a path', `http://cli:${PASSWORD}@127.0.0.1:3128/x`, 'without path, query or fragment'],
  ])('%s stops the start with exit code 2, naming the line, never the credentials', async (_label, line, message) => {
    ws.write('api_keys.txt', `${KEY}\n`);
    ws.write('egress_proxies.txt', `${line}\n`);
    const { exit, stdout, stderr } = await runCli(['-port=0'], { cwd: ws.dir });
    expect(exit.code).toBe(2);
    expect(stderr).toContain('egress_proxies.txt:1');
    expect(stderr).toContain(message);
    expect(`${stdout}${stderr}`).not.toContain(PASSWORD);
  });
});

/**
 * A bad configuration stops the CLI before it serves anything: exit code 2, one line on stderr
 * naming where the problem is (flag, variable, file:line) and what was expected, no stack trace,
 * and never a key.
 */

import type { Server } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBundleFresh, cleanUp, occupyPort, runCli, startCli, Workspace, type Exit } from './support.js';

const RELAY = 'http://127.0.0.1:9';

/** Exit code 2 and exactly one stderr line, with no stack frames; returns that line. */
function expectOneLineFailure(result: { exit: Exit; stderr: string }): string {
  expect(result.exit).toEqual({ code: 2, signal: null });
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  const [line = ''] = lines;
  expect(line).toMatch(/^gemini-proxy: /);
  return line;
}

describe('gemini-proxy: bad configuration', () => {
  let ws: Workspace;
  let busy: Server | undefined;

  beforeAll(() => assertBundleFresh());

  afterEach(async () => {
    busy?.close();
    busy = undefined;
    await cleanUp();
  });

  /** A workspace holding one good key and one relay, so each test breaks exactly one thing. */
  function goodWorkspace(): Workspace {
    ws = new Workspace();
    ws.write('api_keys.txt', 'AIzaGoodKey0001\n');
    ws.write('proxy_urls.txt', `${RELAY}\n`);
    return ws;
  }

  it('no key file at all: names --api-keys-file and the missing file', async () => {
    ws = new Workspace();
    const line = expectOneLineFailure(await runCli(['-port=0'], { cwd: ws.dir }));
    expect(line).toContain('--api-keys-file');
    expect(line).toContain(ws.path('api_keys.txt'));
    expect(line).toContain('does not exist');
  });

  it('a key file of comments only: names the file and says it holds no keys', async () => {
    ws = new Workspace();
    ws.write('api_keys.txt', '# my keys\n\n   # more to come\n');
    const line = expectOneLineFailure(await runCli(['-port=0'], { cwd: ws.dir }));
    expect(line).toContain(ws.path('api_keys.txt'));
    expect(line).toContain('holds no keys');
  });

  it('a relay that is not an http(s) URL: names proxy_urls.txt and its line', async () => {
    goodWorkspace().write('proxy_urls.txt', `${RELAY}\n# spare\nftp://relay.example.com/\n`);
    const line = expectOneLineFailure(await runCli(['-port=0'], { cwd: ws.dir }));
    expect(line).toContain(`${ws.path('proxy_urls.txt')}:3`);
    expect(line).toContain('"ftp://relay.example.com"');
    expect(line).toContain('expected an http:// or https:// base URL');
  });

  it('an unknown protocol: names --protocol, the value and the known ones', async () => {
    goodWorkspace();
    const line = expectOneLineFailure(await runCli(['-protocol=bogus', '-port=0'], { cwd: ws.dir }));
    expect(line).toContain('--protocol');
    expect(line).toContain('"bogus"');
    expect(line).toContain('gemini, openai, anthropic, ollama, session, or all');
  });

  it('an INI line without "=": names file:line', async () => {
    goodWorkspace().write('gp.ini', '; settings\nport = 0\nverbose\n');
    const line = expectOneLineFailure(await runCli(['--config', 'gp.ini'], { cwd: ws.dir }));
    expect(line).toContain(`${ws.path('gp.ini')}:3`);
    // The malformed line itself is never repeated: it might hold a token.
    expect(line).not.toContain('verbose');
    expect(line).toContain('name = value');
  });

  it('an unknown INI setting: names file:line, the name and the known settings', async () => {
    goodWorkspace().write('gp.ini', 'port = 0\nmax-atempts = 4\n');
    const line = expectOneLineFailure(await runCli(['--config', 'gp.ini'], { cwd: ws.dir }));
    expect(line).toContain(`${ws.path('gp.ini')}:2`);
    expect(line).toContain('"max-atempts"');
    expect(line).toContain('a known setting');
    expect(line).toContain('max-attempts');
  });

  it('a non-loopback --host without --proxy-key is refused', async () => {
    goodWorkspace();
    const line = expectOneLineFailure(await runCli(['--host', '0.0.0.0', '-port=0'], { cwd: ws.dir }));
    expect(line).toContain('--host');
    expect(line).toContain('0.0.0.0 is not a loopback address');
    expect(line).toContain('--proxy-key');
  });

  it('a non-loopback --host starts with --allow-unauthenticated', async () => {
    goodWorkspace();
    const cli = startCli(['--host', '0.0.0.0', '-port=0', '--allow-unauthenticated'], { cwd: ws.dir });
    const listening = await cli.listening();
    expect(listening.address).toBe('0.0.0.0');
    expect(listening.port).toBeGreaterThan(0);
    expect(cli.stderr).toBe('');
  });

  it('a port already in use: names --port and says so', async () => {
    goodWorkspace();
    const taken = await occupyPort();
    busy = taken.server;
    const line = expectOneLineFailure(await runCli([`-port=${taken.port}`], { cwd: ws.dir }));
    expect(line).toContain('--port');
    expect(line).toContain(`127.0.0.1:${taken.port}`);
    expect(line).toContain('already in use');
  });

  it('a malformed key never appears in the error, from the file or the environment', async () => {
    const fileKey = 'AIzaSyBadFileKey77\u0001with-a-control';
    goodWorkspace().write('api_keys.txt', `AIzaGoodKey0001\n${fileKey}\n`);
    const fromFile = expectOneLineFailure(await runCli(['-port=0'], { cwd: ws.dir }));
    expect(fromFile).toContain(`${ws.path('api_keys.txt')}:2`);
    expect(fromFile).toContain('without spaces');
    expect(fromFile).not.toContain('AIzaSyBadFileKey77');
    expect(fromFile).not.toContain('with-a-control');

    const envKey = 'AIzaSyBadEnvKey88\tsecret-tail';
    ws.write('api_keys.txt', 'AIzaGoodKey0001\n');
    const fromEnv = expectOneLineFailure(
      await runCli(['-port=0'], { cwd: ws.dir, env: { GEMINI_API_KEYS: `AIzaGoodKey0002,${envKey}` } }),
    );
    expect(fromEnv).toContain('GEMINI_API_KEYS:2');
    expect(fromEnv).not.toContain('AIzaSyBadEnvKey88');
    expect(fromEnv).not.toContain('secret-tail');
  });
});

/**
 * Starting the CLI: Go-style flags, --version and --help, the precedence of the configuration
 * layers (default < INI < environment < command line), keys from the environment, INI-relative
 * paths, and what the start-up line reports.
 */

import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { FakeGemini } from '../support/fake-gemini.js';
import {
  assertBundleFresh,
  cleanUp,
  getStatus,
  occupyPort,
  ROOT,
  runCli,
  send,
  startCli,
  Workspace,
  type ListeningLine,
} from './support.js';

const { version } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };

describe('gemini-proxy: starting', () => {
  let upstream: FakeGemini;
  let relayId: string;
  let ws: Workspace;
  let busy: Server | undefined;

  beforeAll(async () => {
    assertBundleFresh();
    upstream = await FakeGemini.start();
    // toRelay: an http:// relay's id is its origin (an https:// one drops the scheme).
    relayId = upstream.url;
  });

  afterAll(async () => {
    await upstream.close();
  });

  afterEach(async () => {
    busy?.close();
    busy = undefined;
    await cleanUp();
  });

  function workspace(keys = 'AIzaStartKey0001\n'): Workspace {
    ws = new Workspace();
    ws.write('api_keys.txt', keys);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    return ws;
  }

  async function listeningWith(args: readonly string[], env: Record<string, string> = {}): Promise<ListeningLine> {
    return startCli(args, { cwd: ws.dir, env }).listening();
  }

  async function occupy(): Promise<number> {
    const taken = await occupyPort();
    busy = taken.server;
    return taken.port;
  }

  describe('Go-style and GNU-style flags', () => {
    it.each([
      [['-protocol=gemini', '-port=0']],
      [['-protocol', 'gemini', '-port', '0']],
      [['--protocol', 'gemini', '--port', '0']],
      [['--protocol=gemini', '--port=0']],
    ])('%j starts serving gemini only on a free port', async (args) => {
      workspace();
      const line = await listeningWith(args);
      expect(line.protocols).toEqual(['gemini']);
      // The default (all) would list the protocols this build does not serve yet.
      expect(line.notYetAvailable).toBeUndefined();
      expect(line.port).toBeGreaterThan(0);
      expect(line.port).not.toBe(8000);
    });

    it.each([['--version'], ['-version'], ['-v']])('%s prints the package version and exits 0', async (flag) => {
      workspace();
      const result = await runCli([flag], { cwd: ws.dir });
      expect(result.exit).toEqual({ code: 0, signal: null });
      expect(result.stdout.trim()).toBe(version);
      expect(result.stderr).toBe('');
    });

    it('--help exits 0 and documents the flags', async () => {
      workspace();
      const result = await runCli(['--help'], { cwd: ws.dir });
      expect(result.exit).toEqual({ code: 0, signal: null });
      expect(result.stdout).toContain('--api-keys-file');
      expect(result.stdout).toContain('--proxy-urls-file');
      expect(result.stdout).toContain('GEMINI_PROXY_PORT');
    });
  });

  describe('precedence: default < INI < environment < command line', () => {
    it('protocol: the INI file is read', async () => {
      workspace().write('gp.ini', 'protocol = openai\nport = 0\n');
      const line = await listeningWith(['--config', 'gp.ini']);
      expect(line.protocols).toEqual(['openai']);
      expect(line.notYetAvailable).toBeUndefined();
    });

    it('protocol: the environment beats the INI file', async () => {
      workspace().write('gp.ini', 'protocol = openai\nport = 0\n');
      const line = await listeningWith(['--config', 'gp.ini'], { GEMINI_PROXY_PROTOCOL: 'ollama' });
      expect(line.protocols).toEqual(['ollama']);
      expect(line.notYetAvailable).toBeUndefined();
    });

    it('protocol: the command line beats the environment and the INI file', async () => {
      workspace().write('gp.ini', 'protocol = openai\nport = 0\n');
      const line = await listeningWith(['--config', 'gp.ini', '-protocol=gemini'], { GEMINI_PROXY_PROTOCOL: 'ollama' });
      expect(line.protocols).toEqual(['gemini']);
      expect(line.notYetAvailable).toBeUndefined();
    });

    it('protocol: GEMINI_PROXY_CONFIG names the INI file when --config is absent', async () => {
      workspace().write('gp.ini', 'protocol = session\nport = 0\n');
      const line = await listeningWith([], { GEMINI_PROXY_CONFIG: 'gp.ini' });
      expect(line.protocols).toEqual(['session']);
      expect(line.notYetAvailable).toBeUndefined();
    });

    it('port: the INI port is used when nothing overrides it', async () => {
      const port = await occupy();
      workspace().write('gp.ini', `port = ${port}\n`);
      const result = await runCli(['--config', 'gp.ini'], { cwd: ws.dir });
      expect(result.exit.code).toBe(2);
      expect(result.stderr).toContain(`--port: 127.0.0.1:${port} is already in use`);
    });

    it('port: GEMINI_PROXY_PORT beats the INI port', async () => {
      const port = await occupy();
      workspace().write('gp.ini', `port = ${port}\n`);
      const line = await listeningWith(['--config', 'gp.ini'], { GEMINI_PROXY_PORT: '0' });
      expect(line.port).toBeGreaterThan(0);
      expect(line.port).not.toBe(port);
    });

    it('port: -port beats GEMINI_PROXY_PORT and the INI port', async () => {
      const port = await occupy();
      workspace().write('gp.ini', `port = ${port}\n`);
      const line = await listeningWith(['--config', 'gp.ini', '-port=0'], { GEMINI_PROXY_PORT: String(port) });
      expect(line.port).toBeGreaterThan(0);
      expect(line.port).not.toBe(port);
    });

    it('relative paths in the INI file are relative to its folder, not to the working directory', async () => {
      workspace('AIzaCwdKey0001\n');
      ws.write('conf/keys/k.txt', 'AIzaIniKey0001\nAIzaIniKey0002\nAIzaIniKey0003\n');
      ws.write('conf/relays.txt', 'https://relay.example.com/gemini/\n');
      ws.write('conf/gp.ini', 'api-keys-file = keys/k.txt\nproxy_urls_file = relays.txt\nport = 0\n');
      const line = await listeningWith(['--config', 'conf/gp.ini']);
      expect(line.keys).toBe(3);
      expect(line.relays).toEqual(['relay.example.com/…cb86bf']);
    });
  });

  describe('keys from the environment', () => {
    it('GEMINI_API_KEYS (a comma list) is enough without any key file', async () => {
      ws = new Workspace();
      const line = await listeningWith(['-port=0'], { GEMINI_API_KEYS: 'AIzaEnvKey0001, AIzaEnvKey0002' });
      expect(line.keys).toBe(2);
      // No proxy_urls.txt: Google's endpoint is the one relay.
      expect(line.relays).toEqual(['generativelanguage.googleapis.com']);
    });

    it('GEMINI_API_KEY adds to the key file; a key already in the file counts once', async () => {
      workspace('AIzaFileKey0001\n');
      const line = await listeningWith(['-port=0'], {
        GEMINI_API_KEY: 'AIzaEnvKey0009',
        GEMINI_API_KEYS: 'AIzaFileKey0001',
      });
      expect(line.keys).toBe(2);
      const status = await getStatus(`http://127.0.0.1:${line.port}`);
      expect(status.keys.map((key) => key.id)).toEqual([keyId('AIzaFileKey0001'), keyId('AIzaEnvKey0009')]);
    });

    it('an explicit --api-keys-file that is missing is an error even with GEMINI_API_KEY', async () => {
      ws = new Workspace();
      const result = await runCli(['-port=0', '--api-keys-file', 'nope.txt'], { cwd: ws.dir, env: { GEMINI_API_KEY: 'AIzaEnvKey0001' } });
      expect(result.exit.code).toBe(2);
      expect(result.stderr).toContain(ws.path('nope.txt'));
      expect(result.stderr).not.toContain('AIzaEnvKey0001');
    });
  });

  describe('the start-up line', () => {
    it('reports the bound address, the real port, the keys, the relay ids and the protocols', async () => {
      workspace('AIzaLineKey0001\nAIzaLineKey0002\n');
      ws.write('proxy_urls.txt', `${upstream.url}/\nhttps://relay.example.com/gemini\n`);
      const cli = startCli(['-port=0', '-protocol=gemini'], { cwd: ws.dir });
      const line = await cli.listening();
      expect(line).toMatchObject({
        level: 'info',
        msg: `listening on 127.0.0.1:${line.port}`,
        address: '127.0.0.1',
        keys: 2,
        relays: [relayId, 'relay.example.com/…cb86bf'],
        protocols: ['gemini'],
      });
      expect(line.port).toBeGreaterThan(0);
      // The port it reports is the one it serves on.
      const health = await send(`http://127.0.0.1:${line.port}`, { path: '/healthz' });
      expect(health.status).toBe(200);
      expect(cli.lines.filter((entry) => entry.event === 'listening')).toHaveLength(1);
    });

    it('a duplicate key is dropped with a warning naming its line, never the key', async () => {
      const dup = 'AIzaDuplicateKey0042';
      workspace(`${dup}\nAIzaOtherKey0001\n${dup}\n`);
      const cli = startCli(['-port=0'], { cwd: ws.dir });
      const line = await cli.listening();
      expect(line.keys).toBe(2);
      const warnings = cli.events('list-warning');
      expect(warnings.map((warning) => warning.msg)).toEqual([`${ws.path('api_keys.txt')}:3: duplicate of line 1, dropped`]);
      expect(warnings[0]?.level).toBe('warn');
      for (const raw of cli.rawLines) expect(raw).not.toContain(dup);
    });
  });
});

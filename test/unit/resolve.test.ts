/** resolveConfig: default < INI < environment < command line; the bind-safety check. */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configError } from '../support/config-error.js';
import { resolveConfig, type CliSettings } from '../../src/config/resolve.js';

let dir: string;

function ini(text: string): string {
  const path = join(dir, 'proxy.ini');
  writeFileSync(path, text);
  return path;
}

/** Never process.env: every call gets its own environment. */
const run = (cli: CliSettings, env: Record<string, string> = {}, cliConfigFile?: string) =>
  resolveConfig({ cli, env, cliConfigFile });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gp-resolve-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('resolveConfig precedence', () => {
  it('uses the defaults when nothing is given', () => {
    const config = run({});
    expect(config).toMatchObject({
      host: '127.0.0.1', port: 8000, maxAttempts: 3, protocols: ['gemini', 'openai', 'anthropic', 'ollama', 'session'],
      proxyKeys: [], allowUnauthenticated: false, configFile: undefined, envKeys: [], apiKeysFileExplicit: false,
    });
    expect(config.apiKeysFile).toBe(resolve('api_keys.txt'));
    expect(config.proxyUrlsFile).toBe(resolve('proxy_urls.txt'));
  });

  it('INI beats default, env beats INI, CLI beats env', () => {
    const file = ini('port = 1111\nmax_attempts = 4\nlog-level = warn\nidle-timeout = 30s\n');
    const config = run(
      { port: '3333' },
      { GEMINI_PROXY_PORT: '2222', GEMINI_PROXY_MAX_ATTEMPTS: '5' },
      file,
    );
    expect(config.port).toBe(3333);
    expect(config.maxAttempts).toBe(5);
    expect(config.logLevel).toBe('warn');
    expect(config.idleTimeoutMs).toBe(30_000);
    expect(config.connectTimeoutMs).toBe(10_000);
    expect(config.configFile).toBe(file);
  });

  it('a blank environment variable does not count', () => {
    const file = ini('port = 1111\n');
    expect(run({}, { GEMINI_PROXY_PORT: '   ' }, file).port).toBe(1111);
  });

  it('GEMINI_PROXY_CONFIG names the INI file; --config wins over it', () => {
    const fromEnv = ini('port = 4444\n');
    expect(run({}, { GEMINI_PROXY_CONFIG: fromEnv }).port).toBe(4444);
    const other = join(dir, 'other.ini');
    writeFileSync(other, 'port = 5555\n');
    expect(run({}, { GEMINI_PROXY_CONFIG: fromEnv }, other).port).toBe(5555);
  });

  it('a missing INI file is FILE_UNREADABLE', () => {
    const error = configError(() => run({}, { GEMINI_PROXY_CONFIG: join(dir, 'nope.ini') }));
    expect(error.code).toBe('GP_CONFIG_FILE_UNREADABLE');
  });

  it('names the layer of a bad value: flag, variable or INI file', () => {
    expect(configError(() => run({ port: 'x' })).field).toBe('--port');
    expect(configError(() => run({}, { GEMINI_PROXY_PORT: 'x' })).field).toBe('GEMINI_PROXY_PORT');
    const file = ini('port = x\n');
    expect(configError(() => run({}, {}, file)).field).toBe(`${file}: port`);
  });

  it('a valid CLI value hides an invalid env value', () => {
    expect(run({ port: '1' }, { GEMINI_PROXY_PORT: 'not-a-port' }).port).toBe(1);
  });

  it('key file paths: INI-relative from the INI, and explicit whenever a layer sets them', () => {
    const file = ini('api_keys_file = keys.txt\n');
    const config = run({}, {}, file);
    expect(config.apiKeysFile).toBe(join(dir, 'keys.txt'));
    expect(config.apiKeysFileExplicit).toBe(true);
    expect(run({ apiKeysFile: '/tmp/k.txt' }).apiKeysFileExplicit).toBe(true);
    expect(run({}, { GEMINI_PROXY_API_KEYS_FILE: '/tmp/k.txt' })).toMatchObject({
      apiKeysFile: '/tmp/k.txt', apiKeysFileExplicit: true,
    });
    expect(run({ proxyUrlsFile: '/tmp/p.txt' }).apiKeysFileExplicit).toBe(false);
  });
});

describe('resolveConfig: pool keys from the environment', () => {
  it('reads GEMINI_API_KEY and GEMINI_API_KEYS (a comma list), in that order', () => {
    expect(run({}, { GEMINI_API_KEY: 'AIza-single', GEMINI_API_KEYS: 'AIza-a, AIza-b,' }).envKeys)
      .toEqual(['AIza-single', 'AIza-a', 'AIza-b']);
  });

  it('either variable alone works; blank ones are ignored', () => {
    expect(run({}, { GEMINI_API_KEY: 'AIza-one' }).envKeys).toEqual(['AIza-one']);
    expect(run({}, { GEMINI_API_KEYS: 'AIza-x,AIza-y' }).envKeys).toEqual(['AIza-x', 'AIza-y']);
    expect(run({}, { GEMINI_API_KEY: ' ', GEMINI_API_KEYS: '' }).envKeys).toEqual([]);
  });
});

describe('resolveConfig: binding beyond loopback', () => {
  it.each(['0.0.0.0', '192.168.1.10', '::', 'example.com', '0:0:0:0:0:0:0:0'])(
    'host %s without proxy keys is GP_CONFIG_UNSAFE_BIND', (host) => {
      const error = configError(() => run({ host }));
      expect(error.code).toBe('GP_CONFIG_UNSAFE_BIND');
      expect(error.field).toBe('--host');
      expect(error.message).toContain(`${host} is not a loopback address`);
    });

  it.each(['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '[::1]', 'localhost'])(
    'host %s is loopback and needs no proxy key', (host) => {
      expect(run({ host }).host).toBe(host);
    });

  it('a 127.-looking hostname that is not an IPv4 address is not loopback', () => {
    expect(configError(() => run({ host: '127.example.com' })).code).toBe('GP_CONFIG_UNSAFE_BIND');
  });

  it('a proxy key from any layer makes a public bind acceptable', () => {
    expect(run({ host: '0.0.0.0', proxyKeys: ['token-1'] }).proxyKeys).toEqual(['token-1']);
    expect(run({ host: '0.0.0.0' }, { GEMINI_PROXY_PROXY_KEYS: 'a,b' }).proxyKeys).toEqual(['a', 'b']);
    const file = ini('host = 0.0.0.0\nproxy_key = from-ini\n');
    expect(run({}, {}, file).proxyKeys).toEqual(['from-ini']);
  });

  it('an empty proxy key list does not count as a proxy key', () => {
    expect(configError(() => run({ host: '0.0.0.0', proxyKeys: [' ', ''] })).code).toBe('GP_CONFIG_UNSAFE_BIND');
  });

  it('allow-unauthenticated makes a public bind acceptable', () => {
    expect(run({ host: '0.0.0.0', allowUnauthenticated: true }).allowUnauthenticated).toBe(true);
    expect(run({ host: '0.0.0.0' }, { GEMINI_PROXY_ALLOW_UNAUTHENTICATED: 'yes' }).allowUnauthenticated).toBe(true);
    expect(configError(() => run({ host: '0.0.0.0' }, { GEMINI_PROXY_ALLOW_UNAUTHENTICATED: 'false' })).code)
      .toBe('GP_CONFIG_UNSAFE_BIND');
  });

  it('returns a frozen config', () => {
    expect(Object.isFrozen(run({}))).toBe(true);
  });
});

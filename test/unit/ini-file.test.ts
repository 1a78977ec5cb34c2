/** The INI configuration file: known keys only, names normalised, paths resolved, errors located. */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configError } from '../support/config-error.js';
import { readIniFile } from '../../src/config/ini-file.js';

let dir: string;

function ini(text: string, name = 'gemini-proxy.ini'): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gp-ini-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readIniFile', () => {
  it('reads known keys as raw values, skipping comments and blank lines', () => {
    const file = ini([
      '; a comment',
      '# another comment',
      '',
      'host = 0.0.0.0',
      'port=8080',
      'protocol = gemini,openai',
      'log-level = debug',
      'allow-unauthenticated = true',
    ].join('\n'));
    expect(readIniFile(file).settings).toEqual({
      host: '0.0.0.0',
      port: '8080',
      protocols: 'gemini,openai',
      logLevel: 'debug',
      allowUnauthenticated: true,
    });
  });

  it('accepts names spelled with underscores or in upper case', () => {
    const file = ini('max_attempts = 5\nREQUEST_TIMEOUT = 2m\nMax-Body-Size = 1mb\n');
    expect(readIniFile(file).settings).toEqual({ maxAttempts: '5', requestTimeoutMs: '2m', maxBodyBytes: '1mb' });
  });

  it('collects repeated `name[]` entries into a list', () => {
    const file = ini('proxy-key[] = alpha\nproxy-key[] = beta\n');
    expect(readIniFile(file).settings).toEqual({ proxyKeys: ['alpha', 'beta'] });
  });

  it('resolves relative paths against the INI file’s folder, leaves absolute ones', () => {
    const file = ini('api_keys_file = keys/api_keys.txt\nproxy-urls-file = /etc/gemini/proxy_urls.txt\n');
    expect(readIniFile(file).settings).toEqual({
      apiKeysFile: join(dir, 'keys', 'api_keys.txt'),
      proxyUrlsFile: '/etc/gemini/proxy_urls.txt',
    });
  });

  it('does not resolve values of settings that are not paths', () => {
    expect(readIniFile(ini('host = relative/looking\n')).settings).toEqual({ host: 'relative/looking' });
  });

  it('reads CRLF files', () => {
    expect(readIniFile(ini('port = 9000\r\nhost = ::1\r\n')).settings).toEqual({ port: '9000', host: '::1' });
  });

  it('an unknown key is an error naming file:line and the key', () => {
    const file = ini('port = 8080\n\nmax_atempts = 3\n');
    const error = configError(() => readIniFile(file));
    expect(error.code).toBe('GP_CONFIG_INVALID');
    expect(error.field).toBe(`${file}:3`);
    expect(error.message).toContain('"max_atempts"');
    expect(error.message).toContain('a known setting (');
  });

  it('a line without `=` is an error naming its line', () => {
    const file = ini('port = 8080\nallow-unauthenticated\n');
    const error = configError(() => readIniFile(file));
    expect(error.field).toBe(`${file}:2`);
    expect(error.message).toContain('name = value');
  });

  it('a line starting with `=` is an error', () => {
    const file = ini('= 8080\n');
    expect(configError(() => readIniFile(file)).field).toBe(`${file}:1`);
  });

  it('a [section] is an error naming its line', () => {
    const file = ini('port = 8080\n[server]\nhost = 0.0.0.0\n');
    const error = configError(() => readIniFile(file));
    expect(error.field).toBe(`${file}:2`);
    expect(error.message).toContain('no section but [models]');
  });

  it.each(['__proto__ = {"polluted": true}', 'constructor = x', 'prototype = x', '__proto__[] = x'])(
    'rejects %j and pollutes nothing', (line) => {
      const file = ini(`port = 1\n${line}\n`);
      const error = configError(() => readIniFile(file));
      expect(error.code).toBe('GP_CONFIG_INVALID');
      expect(error.field).toBe(`${file}:2`);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

  it('a missing file is FILE_UNREADABLE naming --config and the reason', () => {
    const file = join(dir, 'absent.ini');
    const error = configError(() => readIniFile(file));
    expect(error.code).toBe('GP_CONFIG_FILE_UNREADABLE');
    expect(error.field).toBe(`--config ${file}`);
    expect(error.message).toContain('ENOENT');
  });

  it('a directory is FILE_UNREADABLE', () => {
    const error = configError(() => readIniFile(dir));
    expect(error.code).toBe('GP_CONFIG_FILE_UNREADABLE');
    expect(error.message).toContain('EISDIR');
  });

  it('an empty file gives no settings', () => {
    expect(readIniFile(ini('')).settings).toEqual({});
  });

  it('the [models] section maps aliases to Gemini model ids', () => {
    const file = ini('port = 9000\n[models]\ngpt-4o-mini = gemini-2.5-flash\ngpt-4.1 = models/gemini-2.5-pro\n');
    expect(readIniFile(file)).toEqual({
      settings: { port: '9000' },
      modelAliases: { 'gpt-4o-mini': 'gemini-2.5-flash', 'gpt-4.1': 'gemini-2.5-pro' },
    });
  });

  it('a [models] line that is not alias = model id is an error naming its line', () => {
    const file = ini('[models]\ngpt-4o = not a model\n');
    expect(configError(() => readIniFile(file)).field).toBe(`${file}:2`);
  });
});

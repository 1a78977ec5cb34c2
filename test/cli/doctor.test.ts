/** `gemini-proxy doctor`: every key through every relay, a table, an exit code; no key printed. */

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { closedPort } from '../support/http.js';
import { assertBundleFresh, cleanUp, runCli, Workspace } from './support.js';

const GOOD = 'doctor-good-key-0001';
const BAD = 'doctor-bad-key-0002';

describe('gemini-proxy doctor', () => {
  let upstream: FakeGemini;
  let ws: Workspace;

  beforeAll(() => assertBundleFresh());

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    ws = new Workspace();
  });

  afterEach(async () => {
    await cleanUp();
    await upstream.close();
  });

  it('prints one row per key and relay, exits 0 when a pair works, and never prints a key', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    upstream.forKey(BAD, fail('apiKeyInvalid', BAD));
    ws.write('api_keys.txt', `${GOOD}\n${BAD}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n${dead}\n`);
    const { exit, stdout, stderr } = await runCli(['doctor', '-watch-interval=0'], { cwd: ws.dir });
    expect(exit.code).toBe(0);
    const rows = stdout.split('\n').filter((line) => line.startsWith('key_')).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => row.slice(0, 3))).toEqual(expect.arrayContaining([
      [keyId(GOOD), upstream.url, 'ok'],
      [keyId(BAD), upstream.url, 'key-invalid'],
      [keyId(GOOD), dead, 'relay-failure'],
      [keyId(BAD), dead, 'relay-failure'],
    ]));
    expect(rows).toHaveLength(4);
    expect(stdout).toContain('1 of 4 key and relay pairs work.');
    expect(`${stdout}${stderr}`).not.toContain(GOOD);
    expect(`${stdout}${stderr}`).not.toContain(BAD);
    expect(upstream.requests.every((request) => request.pathname === '/v1beta/models')).toBe(true);
  });

  it('a rate-limited key counts as working', async () => {
    upstream.setDefault(fail('quotaPerMinute', '30s'));
    ws.write('api_keys.txt', `${GOOD}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    const { exit, stdout } = await runCli(['doctor'], { cwd: ws.dir });
    expect(exit.code).toBe(0);
    expect(stdout).toContain('1 of 1 key and relay pairs work (1 rate-limited right now).');
  });

  it('exits 1 when no pair works', async () => {
    upstream.setDefault(fail('apiKeyInvalid'));
    ws.write('api_keys.txt', `${BAD}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    const { exit, stdout } = await runCli(['doctor'], { cwd: ws.dir });
    expect(exit.code).toBe(1);
    expect(stdout).toContain('0 of 1 key and relay pairs work.');
  });

  it('a bad configuration is one line and exit 2, as for serving', async () => {
    const { exit, stderr } = await runCli(['doctor', '-protocol=nope'], { cwd: ws.dir });
    expect(exit.code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

/** `gemini-proxy doctor`: every key through every relay, a table, an exit code; no key printed. */

import { describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { fail } from '../support/behaviours.js';
import { closedPort } from '../support/http.js';
import { cliFixture } from './fixture.js';
import { runCli } from './support.js';

const GOOD = 'doctor-good-key-0001';
const BAD = 'doctor-bad-key-0002';

describe('gemini-proxy doctor', () => {
  const fixture = cliFixture();

  it('prints one row per key and relay, exits 0 when a pair works, and never prints a key', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    fixture.upstream.forKey(BAD, fail('apiKeyInvalid', BAD));
    fixture.ws.write('api_keys.txt', `${GOOD}\n${BAD}\n`);
    fixture.ws.write('proxy_urls.txt', `${fixture.upstream.url}\n${dead}\n`);
    const { exit, stdout, stderr } = await runCli(['doctor', '-watch-interval=0'], { cwd: fixture.ws.dir });
    expect(exit.code).toBe(0);
    const rows = stdout.split('\n').filter((line) => line.startsWith('key_')).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => row.slice(0, 3))).toEqual(expect.arrayContaining([
      [keyId(GOOD), fixture.upstream.url, 'ok'],
      [keyId(BAD), fixture.upstream.url, 'key-invalid'],
      [keyId(GOOD), dead, 'relay-failure'],
      [keyId(BAD), dead, 'relay-failure'],
    ]));
    expect(rows).toHaveLength(4);
    expect(stdout).toContain('1 of 4 key and relay pairs work.');
    expect(`${stdout}${stderr}`).not.toContain(GOOD);
    expect(`${stdout}${stderr}`).not.toContain(BAD);
    expect(fixture.upstream.requests.every((request) => request.pathname === '/v1beta/models')).toBe(true);
  });

  it('a rate-limited key counts as working', async () => {
    fixture.upstream.setDefault(fail('quotaPerMinute', '30s'));
    fixture.ws.write('api_keys.txt', `${GOOD}\n`);
    fixture.ws.write('proxy_urls.txt', `${fixture.upstream.url}\n`);
    const { exit, stdout } = await runCli(['doctor'], { cwd: fixture.ws.dir });
    expect(exit.code).toBe(0);
    expect(stdout).toContain('1 of 1 key and relay pairs work (1 rate-limited right now).');
  });

  it('exits 1 when no pair works', async () => {
    fixture.upstream.setDefault(fail('apiKeyInvalid'));
    fixture.ws.write('api_keys.txt', `${BAD}\n`);
    fixture.ws.write('proxy_urls.txt', `${fixture.upstream.url}\n`);
    const { exit, stdout } = await runCli(['doctor'], { cwd: fixture.ws.dir });
    expect(exit.code).toBe(1);
    expect(stdout).toContain('0 of 1 key and relay pairs work.');
  });

  it('a bad configuration is one line and exit 2, as for serving', async () => {
    const { exit, stderr } = await runCli(['doctor', '-protocol=nope'], { cwd: fixture.ws.dir });
    expect(exit.code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

/**
 * Without redis-server, `npm test` stops at once with the line that installs it (scripts/preflight.mjs),
 * and the test server says the same rather than failing obscurely.
 */

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { INSTALL_LINE, RedisServer } from '../support/redis-server.js';

const PREFLIGHT = new URL('../../scripts/preflight.mjs', import.meta.url).pathname;

describe('redis-server missing', () => {
  it('preflight prints the one install line, naming every missing package, and exits 1', () => {
    const run = spawnSync(process.execPath, [PREFLIGHT], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    expect(run.stderr).toBe(`redis-server, chromium are missing: run  ${sudo}apt-get install -y redis-server chromium\n`);
  });

  it('preflight passes quietly when it is installed', () => {
    const run = spawnSync(process.execPath, [PREFLIGHT], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('the test server throws the install line', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      await expect(RedisServer.start()).rejects.toThrow(INSTALL_LINE);
    } finally {
      process.env['PATH'] = path;
    }
  });
});

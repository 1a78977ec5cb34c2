/** Key state across a restart: saved atomically by key id, restored, and never a reason to stop. */

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { parseStateDocument } from '../../src/upstream/state-file.js';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { generate } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const [DEAD, COOL, GOOD] = ['state-key-dead-1', 'state-key-cool-2', 'state-key-good-3'] as const;
const NOW = Date.UTC(2026, 6, 1, 12, 0, 0);

describe('--state-file', () => {
  let dir: string;
  let file: string;
  let upstream: FakeGemini;
  let proxy: TestProxy | undefined;

  const start = (now = NOW) => startProxy({ keys: [DEAD, COOL, GOOD], relays: [upstream.url], now: () => now, settings: { stateFile: file } });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-state-'));
    file = join(dir, 'state.json');
    upstream = await FakeGemini.start();
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves disabled and cooling keys by id, and a restart restores them', async () => {
    proxy = await start();
    upstream.forKey(DEAD, fail('apiKeyInvalid')).forKey(COOL, fail('quotaPerMinute', '120s'));
    expect((await generate(proxy.url)).status).toBe(200);
    await proxy.close();
    proxy = undefined;

    const text = readFileSync(file, 'utf8');
    for (const secret of [DEAD, COOL, GOOD]) expect(text).not.toContain(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(parseStateDocument(text)).toEqual({
      keys: {
        [keyId(DEAD)]: { disabled: { reason: 'API_KEY_INVALID', sinceMs: NOW } },
        [keyId(COOL)]: { cooling: { 'gemini-2.5-flash': NOW + 120_000 } },
      },
      resources: {},
    });

    proxy = await start(NOW + 60_000);
    const status = await proxy.status();
    expect(status.keys.map((key) => [key.id, key.state])).toEqual([
      [keyId(DEAD), 'disabled'], [keyId(COOL), 'cooling'], [keyId(GOOD), 'active'],
    ]);
    expect(proxy.logs.events('state-loaded')[0]).toMatchObject({ keys: 2 });
    upstream.forKey(DEAD, () => undefined).forKey(COOL, () => undefined);
    expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests.at(-1)?.key).toBe(GOOD);
  });

  it('a cooling that ended while the daemon was down is not restored', async () => {
    writeFileSync(file, JSON.stringify({ format: 'gemini-proxy-state', version: 1, savedAt: '', keys: { [keyId(COOL)]: { cooling: { '': NOW - 1 } } } }));
    proxy = await start();
    expect((await proxy.status()).keys.every((key) => key.state === 'active')).toBe(true);
  });

  it.each([
    ['corrupted', '{"format": "gemini-pro'],
    ['foreign', JSON.stringify({ format: 'something-else', version: 1, keys: {} })],
    ['from a future version', JSON.stringify({ format: 'gemini-proxy-state', version: 9, keys: {} })],
    ['with a malformed entry', JSON.stringify({ format: 'gemini-proxy-state', version: 1, keys: { k: { cooling: { m: 'soon' } } } })],
  ])('a %s file is ignored with a warning; the daemon serves', async (_label, text) => {
    writeFileSync(file, text);
    proxy = await start();
    expect(proxy.logs.events('state-ignored')).toHaveLength(1);
    expect((await generate(proxy.url)).status).toBe(200);
  });

  it('a missing file is no warning at all', async () => {
    proxy = await start();
    expect(proxy.logs.events('state-ignored')).toHaveLength(0);
  });
});

/**
 * Reloading the key and relay lists while serving: on SIGHUP, on a file change, a reload that
 * fails validation (the old lists stay), and a streamed request that outlives a reload.
 */

import { describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { controlledStream, fail, gemini } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { cliFixture } from './fixture.js';
import {
  cleanUp,
  GENERATE_PATH,
  getStatus,
  PROMPT_BODY,
  send,
  sseTexts,
  startCli,
  StreamingClient,
  type CliProcess,
} from './support.js';

const K1 = 'AIzaReloadKey0001';
const K2 = 'AIzaReloadKey0002';

describe('gemini-proxy: reloading the lists', () => {
  const fixture = cliFixture([K1]);
  let cli: CliProcess;
  let base: string;

  /** Starts the CLI; `--watch-interval 0` unless given, so only SIGHUP reloads. */
  async function start(...args: string[]): Promise<void> {
    cli = startCli(['-port=0', '-protocol=gemini', ...(args.length > 0 ? args : ['--watch-interval', '0'])], { cwd: fixture.ws.dir });
    base = await cli.ready();
  }

  it('SIGHUP re-reads the key file: a "reloaded" line, and /status shows the new key', async () => {
    await start();
    expect((await getStatus(base)).keys).toHaveLength(1);
    fixture.ws.write('api_keys.txt', `${K1}\n${K2}\n`);
    cli.signal('SIGHUP');
    const line = await cli.waitForEvent('reloaded');
    expect(line).toMatchObject({ trigger: 'SIGHUP', keys: 2, relays: [fixture.upstream.url] });
    const status = await getStatus(base);
    expect(status.keys.map((key) => key.id)).toEqual([keyId(K1), keyId(K2)]);
    expect(JSON.stringify(status)).not.toContain(K2);
    // A new key is put to use.
    for (let i = 0; i < 2; i++) {
      expect((await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
    }
    expect(new Set(fixture.upstream.requests.map((request) => request.key))).toEqual(new Set([K1, K2]));
  });

  it('a changed key file is picked up by the watcher (--watch-interval 50ms)', async () => {
    await start('--watch-interval', '50ms');
    fixture.ws.replace('api_keys.txt', `${K1}\n${K2}\n`);
    const line = await cli.waitForEvent('reloaded');
    expect(line).toMatchObject({ trigger: 'file-change', keys: 2 });
    expect((await getStatus(base)).keys).toHaveLength(2);
  });

  it('a reload that fails validation keeps the previous lists and says why', async () => {
    await start();
    fixture.ws.write('proxy_urls.txt', 'relay.example.com:8080\n');
    cli.signal('SIGHUP');
    const failed = await cli.waitForEvent('reload-failed');
    expect(failed).toMatchObject({ level: 'error', trigger: 'SIGHUP', code: 'GP_CONFIG_INVALID' });
    expect(failed.msg).toContain(`${fixture.ws.path('proxy_urls.txt')}:1`);
    expect(cli.events('reloaded')).toHaveLength(0);
    const status = await getStatus(base);
    expect(status.relays.map((relay) => relay.id)).toEqual([fixture.upstream.url]);
    expect(status.keys.map((key) => key.id)).toEqual([keyId(K1)]);
    const reply = await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY });
    expect(reply.status).toBe(200);
    expect(fixture.upstream.requests).toHaveLength(1);
    expect(fixture.upstream.requests[0]?.key).toBe(K1);
    // Fixing the file and reloading again works.
    fixture.ws.write('proxy_urls.txt', `${fixture.upstream.url}\n`);
    cli.signal('SIGHUP');
    expect(await cli.waitForEvent('reloaded')).toMatchObject({ trigger: 'SIGHUP', relays: [fixture.upstream.url] });
  });

  it('a streamed request survives a reload that drops its relay', async () => {
    const next = await FakeGemini.start();
    try {
      await start();
      const stream = controlledStream();
      fixture.upstream.next(stream.behaviour);
      const client = new StreamingClient(base);
      await stream.started;
      stream.send('one');
      await client.waitForText('"one"');

      fixture.ws.write('api_keys.txt', `${K1}\n${K2}\n`);
      fixture.ws.write('proxy_urls.txt', `${next.url}\n`);
      cli.signal('SIGHUP');
      expect(await cli.waitForEvent('reloaded', { trigger: 'SIGHUP' })).toMatchObject({ keys: 2, relays: [next.url] });

      stream.send('two');
      stream.send('three', 'STOP');
      stream.end();
      const end = await client.ended;
      expect(client.status).toBe(200);
      expect(end.complete).toBe(true);
      expect(sseTexts(end.body)).toEqual(['one', 'two', 'three']);
      expect(fixture.upstream.requests[0]?.closedEarly).toBe(false);

      // New requests go to the new relay.
      expect((await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
      expect(next.requests).toHaveLength(1);
      expect(fixture.upstream.requests).toHaveLength(1);
    } finally {
      await cleanUp();
      await next.close();
    }
  });

  it('a disabled key stays disabled across a reload while it still fails, and comes back when a reload finds it working', async () => {
    fixture.upstream.forKey(K1, fail('apiKeyInvalid'));
    fixture.ws.write('api_keys.txt', `${K1}\n${K2}\n`);
    await start();
    expect((await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
    expect(await cli.waitForEvent('key-disabled')).toMatchObject({ keyId: keyId(K1), reason: 'API_KEY_INVALID' });

    // A reload probes disabled keys at once; this probe still fails.
    const before = fixture.upstream.requests.length;
    cli.signal('SIGHUP');
    await cli.waitForEvent('reloaded');
    await fixture.upstream.waitForRequests(before + 1);
    const probe = fixture.upstream.requests[before];
    expect(probe).toMatchObject({ key: K1, pathname: '/v1beta/models' });
    await probe?.closed;
    expect((await getStatus(base)).keys.map((key) => key.state)).toEqual(['disabled', 'active']);

    fixture.upstream.forKey(K1, gemini());
    cli.signal('SIGHUP');
    expect(await cli.waitForEvent('key-enabled')).toMatchObject({ keyId: keyId(K1), via: 'probe' });
    expect((await getStatus(base)).keys.map((key) => key.state)).toEqual(['active', 'active']);
  });
});

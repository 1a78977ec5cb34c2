/**
 * SIGTERM drains: no new connections, in-flight streams finish, exit code 0; with a drain
 * timeout, a stream that never ends is cut and the process still exits 0.
 */

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeGemini } from '../support/fake-gemini.js';
import { assertBundleFresh, cleanUp, sseTexts, startCli, streamStarted, tryConnect, Workspace } from './support.js';

describe('gemini-proxy: shutting down', () => {
  let upstream: FakeGemini;
  let ws: Workspace;

  beforeAll(() => assertBundleFresh());

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    ws = new Workspace();
    ws.write('api_keys.txt', 'AIzaShutdownKey0001\n');
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
  });

  afterEach(async () => {
    await cleanUp();
    await upstream.close();
  });

  it('SIGTERM: refuses new work, lets the open stream finish, exits 0', async () => {
    const cli = startCli(['-port=0', '--watch-interval', '0'], { cwd: ws.dir });
    const base = await cli.ready();
    const { stream, client } = await streamStarted(base, upstream);

    cli.signal('SIGTERM');
    expect(await cli.waitForEvent('shutting-down')).toMatchObject({ signal: 'SIGTERM' });
    const late = await tryConnect(base);
    expect(late.refused ? 'refused' : late.status).toBeOneOf(['refused', 503]);
    expect(upstream.requests).toHaveLength(1);

    stream.send('second');
    stream.send('third', 'STOP');
    stream.end();
    const end = await client.ended;
    expect(client.status).toBe(200);
    expect(end.complete).toBe(true);
    expect(sseTexts(end.body)).toEqual(['first', 'second', 'third']);

    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.lines.at(-1)).toMatchObject({ msg: 'stopped', drained: 1 });
    expect(cli.stderr).toBe('');
  });

  it('SIGTERM with --drain-timeout 200ms: a stream that never ends is cut, and the exit is still 0', async () => {
    const cli = startCli(['-port=0', '--watch-interval', '0', '--drain-timeout', '200ms'], { cwd: ws.dir });
    const base = await cli.ready();
    const { client } = await streamStarted(base, upstream);

    cli.signal('SIGTERM');
    expect(await cli.waitForEvent('shutting-down')).toMatchObject({ signal: 'SIGTERM', drainMs: 200 });
    const end = await client.ended;
    expect(end.complete).toBe(false);
    expect(sseTexts(end.body)).toEqual(['first']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.lines.some((line) => String(line.msg).startsWith('drain timeout'))).toBe(true);
    // The upstream request was given up too, not left hanging.
    await upstream.requests[0]?.closed;
    expect(upstream.requests[0]?.closedEarly).toBe(true);
  });

  it('a second signal during the drain stops at once, with exit code 1', async () => {
    const cli = startCli(['-port=0', '--watch-interval', '0', '--drain-timeout', '10m'], { cwd: ws.dir });
    const base = await cli.ready();
    await streamStarted(base, upstream);
    cli.signal('SIGTERM');
    await cli.waitForEvent('shutting-down');
    cli.signal('SIGINT');
    expect(await cli.exited).toEqual({ code: 1, signal: null });
  });
});

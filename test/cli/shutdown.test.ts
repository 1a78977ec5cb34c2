/**
 * SIGTERM drains: no new connections, in-flight streams finish, exit code 0; with a drain
 * timeout, a stream that never ends is cut and the process still exits 0.
 */

import { describe, expect, it } from 'vitest';
import { cliFixture } from './fixture.js';
import { sseTexts, startCli, streamStarted, tryConnect } from './support.js';

describe('gemini-proxy: shutting down', () => {
  const fixture = cliFixture(['AIzaShutdownKey0001']);

  it('SIGTERM: refuses new work, lets the open stream finish, exits 0', async () => {
    const cli = startCli(['-port=0', '--watch-interval', '0'], { cwd: fixture.ws.dir });
    const base = await cli.ready();
    const { stream, client } = await streamStarted(base, fixture.upstream);

    cli.signal('SIGTERM');
    expect(await cli.waitForEvent('shutting-down')).toMatchObject({ signal: 'SIGTERM' });
    const late = await tryConnect(base);
    expect(late.refused ? 'refused' : late.status).toBeOneOf(['refused', 503]);
    expect(fixture.upstream.requests).toHaveLength(1);

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
    const cli = startCli(['-port=0', '--watch-interval', '0', '--drain-timeout', '200ms'], { cwd: fixture.ws.dir });
    const base = await cli.ready();
    const { client } = await streamStarted(base, fixture.upstream);

    cli.signal('SIGTERM');
    expect(await cli.waitForEvent('shutting-down')).toMatchObject({ signal: 'SIGTERM', drainMs: 200 });
    const end = await client.ended;
    expect(end.complete).toBe(false);
    expect(sseTexts(end.body)).toEqual(['first']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.lines.some((line) => String(line.msg).startsWith('drain timeout'))).toBe(true);
    // The upstream request was given up too, not left hanging.
    await fixture.upstream.requests[0]?.closed;
    expect(fixture.upstream.requests[0]?.closedEarly).toBe(true);
  });

  it('a second signal during the drain stops at once, with exit code 1', async () => {
    const cli = startCli(['-port=0', '--watch-interval', '0', '--drain-timeout', '10m'], { cwd: fixture.ws.dir });
    const base = await cli.ready();
    await streamStarted(base, fixture.upstream);
    cli.signal('SIGTERM');
    await cli.waitForEvent('shutting-down');
    cli.signal('SIGINT');
    expect(await cli.exited).toEqual({ code: 1, signal: null });
  });
});

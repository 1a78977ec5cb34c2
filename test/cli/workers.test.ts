/**
 * `--workers 2`: the built CLI as a primary process with two workers on one port, in front of the
 * fake upstream. Both serve, SIGHUP reaches each, SIGTERM drains both and exits 0, a killed worker
 * is restarted, and a start that cannot listen ends with one exit code.
 */

import { describe, expect, it } from 'vitest';
import { cliFixture } from './fixture.js';
import {
  GENERATE_PATH,
  occupyPort,
  PROMPT_BODY,
  send,
  sseTexts,
  startCli,
  streamStarted,
  type CliProcess,
  type LogLine,
} from './support.js';

const K1 = 'AIzaWorkersKey0001';
const K2 = 'AIzaWorkersKey0002';

function pidOf(line: LogLine): number {
  if (typeof line.pid !== 'number') throw new Error(`a log line without a pid: ${JSON.stringify(line)}`);
  return line.pid;
}

/** The pids of the request lines for GENERATE_PATH from line `from` on, once there are `count` (written after each answer). */
async function servedBy(cli: CliProcess, count: number, from = 0): Promise<number[]> {
  const served = (): LogLine[] => cli.lines.slice(from).filter((line) => line.path === GENERATE_PATH && line.reqId !== undefined);
  await cli.waitFor(() => served().length >= count, `${count} request lines`);
  return served().map(pidOf);
}

/** The pids of the lines with this event, in order of first appearance. */
function pidsOf(cli: CliProcess, event: string): number[] {
  return [...new Set(cli.events(event).map(pidOf))];
}

describe('gemini-proxy --workers 2', () => {
  const fixture = cliFixture([K1]);

  function startCliWith(args: string[]): CliProcess {
    return startCli(['-protocol=gemini', '--watch-interval', '0', ...args], { cwd: fixture.ws.dir });
  }

  /** Starts the primary; resolves once both workers listen and the port answers. */
  async function start(): Promise<{ cli: CliProcess; base: string; workers: number[] }> {
    const cli = startCliWith(['-port=0', '--workers', '2']);
    await cli.waitFor(() => pidsOf(cli, 'listening').length === 2, 'two workers listening');
    const base = await cli.ready();
    return { cli, base, workers: pidsOf(cli, 'listening') };
  }

  async function generate(base: string): Promise<number> {
    return (await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status;
  }

  it('serves on one port from two worker processes, the primary serving none', async () => {
    const { cli, base, workers } = await start();
    expect(cli.lines.find((line) => line.event === 'workers-starting')).toMatchObject({ pid: cli.pid, workers: 2 });
    expect(workers).not.toContain(cli.pid);
    const ports = new Set(cli.events('listening').map((line) => line.port));
    expect(ports.size).toBe(1);

    for (let i = 0; i < 6; i++) expect(await generate(base)).toBe(200);
    const served = await servedBy(cli, 6);
    expect(served).toHaveLength(6);
    // node:cluster hands connections to the workers in turn: each fresh connection goes to the next.
    expect(new Set(served)).toEqual(new Set(workers));
    expect(fixture.upstream.requests).toHaveLength(6);
  });

  it('SIGHUP reaches every worker: each re-reads the lists and says "reloaded"', async () => {
    const { cli, workers } = await start();
    fixture.ws.write('api_keys.txt', `${K1}\n${K2}\n`);
    cli.signal('SIGHUP');
    await cli.waitFor(() => pidsOf(cli, 'reloaded').length === 2, 'both workers reloaded');
    expect(new Set(pidsOf(cli, 'reloaded'))).toEqual(new Set(workers));
    for (const line of cli.events('reloaded')) expect(line).toMatchObject({ trigger: 'SIGHUP', keys: 2 });
    expect(cli.lines.find((line) => line.event === 'reload-forwarded')).toMatchObject({ pid: cli.pid, workers: 2 });
  });

  it('SIGTERM drains both workers (an open stream finishes) and exits 0 once both stopped', async () => {
    const { cli, base, workers } = await start();
    const { stream, client } = await streamStarted(base, fixture.upstream);
    cli.signal('SIGTERM');
    await cli.waitFor(() => pidsOf(cli, 'shutting-down').length === 3, 'the primary and both workers shutting down');
    for (const pid of workers) {
      expect(cli.events('shutting-down').find((line) => line.pid === pid)).toMatchObject({ signal: 'SIGTERM', via: 'primary' });
    }
    stream.send('second', 'STOP');
    stream.end();
    const end = await client.ended;
    expect(end.complete).toBe(true);
    expect(sseTexts(end.body)).toEqual(['first', 'second']);

    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const stopped = cli.lines.filter((line) => line.msg === 'stopped');
    expect(new Set(stopped.slice(0, 2).map(pidOf))).toEqual(new Set(workers));
    expect(stopped.at(-1)).toMatchObject({ pid: cli.pid, event: 'stopped', exitCode: 0 });
    expect(cli.lines.at(-1)).toBe(stopped.at(-1));
    expect(cli.stderr).toBe('');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s to the whole group (Ctrl-C, systemd stopping the unit) drains each worker once and exits 0', async (signal) => {
    const { cli, workers } = await start();
    for (const pid of workers) process.kill(pid, signal);
    cli.signal(signal);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    // The primary's request to drain came on top of the worker's own signal, and was not a second signal.
    for (const pid of workers) expect(cli.events('shutting-down').filter((line) => line.pid === pid)).toHaveLength(1);
    expect(new Set(cli.lines.filter((line) => line.msg === 'stopped' && line.pid !== cli.pid).map(pidOf))).toEqual(new Set(workers));
    expect(cli.lines.at(-1)).toMatchObject({ pid: cli.pid, event: 'stopped', exitCode: 0 });
  });

  it('a second signal to the primary stops the draining workers at once, with exit code 1', async () => {
    const { cli, base } = await start();
    await streamStarted(base, fixture.upstream);
    cli.signal('SIGTERM');
    await cli.waitFor(() => pidsOf(cli, 'shutting-down').length === 3, 'the primary and both workers shutting down');
    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(cli.events('stopping-now')).toMatchObject([{ pid: cli.pid }]);
  });

  it('a killed worker is restarted, its loss is logged, and the port keeps serving', async () => {
    const { cli, base, workers } = await start();
    const [victim, survivor] = workers;
    if (victim === undefined || survivor === undefined) throw new Error('two workers expected');
    process.kill(victim, 'SIGKILL');
    const died = await cli.waitForEvent('worker-died', { workerPid: victim });
    expect(died).toMatchObject({ pid: cli.pid, level: 'warn', signal: 'SIGKILL' });
    expect(died.msg).toContain('lost');
    await cli.waitFor(() => pidsOf(cli, 'listening').length === 3, 'a third worker listening');
    const replacement = pidsOf(cli, 'listening')[2];
    expect(replacement).not.toBe(victim);
    expect(replacement).not.toBe(survivor);

    const before = cli.lines.length;
    for (let i = 0; i < 4; i++) expect(await generate(base)).toBe(200);
    const served = await servedBy(cli, 4, before);
    expect(new Set(served)).toEqual(new Set([survivor, replacement]));

    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('a port already in use ends the start with exit code 2', async () => {
    const { port, server } = await occupyPort();
    try {
      const cli = startCliWith([`-port=${port}`, '--workers', '2']);
      const exit = await cli.exited;
      expect(exit).toEqual({ code: 2, signal: null });
      expect(cli.stderr).toContain('already in use');
      expect(cli.events('listening')).toEqual([]);
      expect(cli.events('worker-start-failed')).toHaveLength(1);
    } finally {
      server.close();
    }
  });

  it('a key file that cannot be read is reported once, by the primary, before any worker starts', async () => {
    fixture.ws.write('proxy_urls.txt', 'relay.example.com:8080\n');
    const cli = startCliWith(['-port=0', '--workers', '2']);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toContain(fixture.ws.path('proxy_urls.txt'));
    expect(cli.events('workers-starting')).toEqual([]);
  });
});

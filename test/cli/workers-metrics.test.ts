/**
 * `--workers 2` as one proxy to its operator: /metrics answered by either worker counts the
 * requests of both; one worker, the lead, writes the state file and runs the recovery prober
 * (what the other learns reaches it and is saved or confirmed there), and when the lead dies the
 * other takes over. A keep-alive connection stays with one worker, so a test can choose which
 * worker serves a request: it opens connections until one lands on the worker it wants.
 */

import { Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { parseStateDocument } from '../../src/upstream/state-file.js';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { rawRequest } from '../support/http.js';
import { RedisServer } from '../support/redis-server.js';
import {
  assertBundleFresh, cleanUp, GENERATE_PATH, PROMPT_BODY, send, startCli, Workspace, type CliProcess, type LogLine, type Reply,
} from './support.js';

const KEYS = ['AIzaWorkersMetrics0001', 'AIzaWorkersMetrics0002', 'AIzaWorkersMetrics0003'] as const;
/** A connection per request: node:cluster hands each new connection to the next worker. */
const CLOSE = { connection: 'close' };

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function pidOf(line: LogLine): number {
  if (typeof line.pid !== 'number') throw new Error(`a log line without a pid: ${JSON.stringify(line)}`);
  return line.pid;
}

/** The pids of the lines with this event, in order of first appearance. */
function pidsOf(cli: CliProcess, event: string): number[] {
  return [...new Set(cli.events(event).map(pidOf))];
}

/** The request lines for `path`, once there are `count`. */
async function requestLines(cli: CliProcess, path: string, count: number): Promise<LogLine[]> {
  const lines = (): LogLine[] => cli.lines.filter((line) => line.msg === 'request' && line['path'] === path);
  await cli.waitFor(() => lines().length >= count, `${count} request lines for ${path}`);
  return lines();
}

/** The pid of the worker that answered `reply`, from its request line (written after the answer, so awaited). */
async function workerOf(cli: CliProcess, reply: Reply): Promise<number> {
  const id = reply.headers['x-request-id'];
  return pidOf(await cli.waitFor((line) => line.msg === 'request' && line['reqId'] === id, `the request line of ${String(id)}`));
}

/** One request on a kept-alive connection: every request through `agent` reaches the same worker. */
function sendOn(agent: Agent, base: string, options: { method?: string; path: string; body?: string }): Promise<Reply> {
  const headers: Record<string, string> = options.body === undefined ? {} : { 'content-type': 'application/json' };
  return rawRequest(base, { ...options, headers, agent });
}

describe('gemini-proxy --workers 2: one /metrics, one writer, one prober', () => {
  let upstream: FakeGemini;
  let ws: Workspace;
  const agents: Agent[] = [];

  beforeAll(() => assertBundleFresh());

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    ws = new Workspace();
    ws.write('api_keys.txt', `${KEYS.join('\n')}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
  });

  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.destroy();
    await cleanUp();
    await upstream.close();
  });

  /** Starts the primary; resolves once both workers listen, one is the lead, and the port answers. */
  async function start(args: string[] = []): Promise<{ cli: CliProcess; base: string; lead: number; other: number }> {
    const cli = startCli(['-protocol=gemini', '--watch-interval', '0', '-port=0', '--workers', '2', ...args], { cwd: ws.dir });
    await cli.waitFor(() => pidsOf(cli, 'listening').length === 2, 'two workers listening');
    const lead = pidOf(await cli.waitForEvent('lead'));
    const other = pidsOf(cli, 'listening').find((pid) => pid !== lead);
    if (other === undefined) throw new Error(`the lead ${lead} is not one of the listening workers`);
    return { cli, base: await cli.ready(), lead, other };
  }

  /** A kept-alive connection that the worker `pid` serves (fresh connections until one lands there). */
  async function connectionTo(cli: CliProcess, base: string, pid: number): Promise<Agent> {
    for (let tries = 0; tries < 8; tries++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      const reply = await sendOn(agent, base, { path: '/healthz' });
      expect(reply.status).toBe(200);
      if (await workerOf(cli, reply) === pid) return agent;
      agent.destroy();
    }
    throw new Error(`no connection reached worker ${pid} in 8 tries`);
  }

  /** Asks `path` on fresh connections until both workers answered; returns each answer with its worker's pid. */
  async function askBoth(cli: CliProcess, base: string, path: string): Promise<Map<number, string>> {
    const answers = new Map<number, string>();
    for (let tries = 0; tries < 8 && answers.size < 2; tries++) {
      const reply = await send(base, { path, headers: CLOSE });
      expect(reply.status).toBe(200);
      answers.set(await workerOf(cli, reply), reply.body);
    }
    expect(answers.size).toBe(2);
    return answers;
  }

  it('/metrics, whichever worker answers, counts the requests both served; gauges of the shared state once', async () => {
    const { cli, base } = await start();
    for (let i = 0; i < 6; i++) {
      expect((await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY, headers: CLOSE })).status).toBe(200);
    }
    const served = await requestLines(cli, GENERATE_PATH, 6);
    expect(new Set(served.map(pidOf)).size).toBe(2);

    for (const text of (await askBoth(cli, base, '/metrics')).values()) {
      expect(sample(text, 'gemini_proxy_requests_total{protocol="gemini",route="gemini",status="200"}')).toBe(6);
      expect(sample(text, 'gemini_proxy_upstream_attempts_total{verdict="ok"}')).toBe(6);
      expect(sample(text, 'gemini_proxy_request_duration_seconds_count{protocol="gemini"}')).toBe(6);
      expect(sample(text, 'gemini_proxy_keys{state="active"}')).toBe(KEYS.length);
      // The scrape itself, in the worker answering it; the other has none.
      expect(sample(text, 'gemini_proxy_requests_in_flight')).toBe(1);
    }
  });

  /** A 429 met by the worker that is not the lead is saved by the lead only; every save fails and says by whom. */
  async function onlyTheLeadSaves(args: string[]): Promise<void> {
    // No such folder: every save fails, and says so with the pid of the worker that tried.
    const { cli, base, lead, other } = await start(['--state-file', 'missing/state.json', ...args]);
    const agent = await connectionTo(cli, base, other);
    const from = cli.lines.length;
    upstream.next(fail('quotaPerMinute', '30s'));
    expect((await sendOn(agent, base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
    const learned = await cli.waitFor((line) => cli.lines.indexOf(line) >= from && line.event === 'key-cooling', 'a key cooling');
    expect(pidOf(learned)).toBe(other);
    const after = cli.lines.indexOf(learned);
    const saved = await cli.waitFor((line) => line.event === 'state-save-failed' && cli.lines.indexOf(line) > after, 'a save after it');
    expect(pidOf(saved)).toBe(lead);

    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(pidsOf(cli, 'state-save-failed')).toEqual([lead]);
  }

  it('the lead alone writes the state file: what the other worker learns is saved by the lead, never by it', async () => {
    await onlyTheLeadSaves([]);
  });

  it('with --redis too, the workers of one instance have one lead, which saves what the other learned through Redis', async () => {
    const redis = await RedisServer.start();
    try {
      await onlyTheLeadSaves(['--redis', redis.url, '--redis-prefix', `workers-metrics-${process.pid}:`]);
    } finally {
      await redis.close();
    }
  });

  it('the lead\'s file holds what the other worker learned, and both workers load it at start', async () => {
    const { cli, base, other } = await start(['--state-file', 'state.json']);
    const agent = await connectionTo(cli, base, other);
    upstream.next(fail('quotaPerMinute', '120s'));
    expect((await sendOn(agent, base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
    const cooled = await cli.waitForEvent('key-cooling');
    expect(pidOf(cooled)).toBe(other);
    agent.destroy();
    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const saved = parseStateDocument(readFileSync(ws.path('state.json'), 'utf8'));
    if ('problem' in saved) throw new Error(saved.problem);
    expect(Object.keys(saved.keys)).toEqual([cooled['keyId']]);
    expect(KEYS.map(keyId)).toContain(cooled['keyId']);

    const again = await start(['--state-file', 'state.json']);
    await again.cli.waitFor(() => pidsOf(again.cli, 'state-loaded').length === 2, 'both workers loading the file');
    for (const line of again.cli.events('state-loaded')) expect(line).toMatchObject({ keys: 1 });
  });

  it('the lead alone probes: a key the other worker\'s answer disabled is confirmed by the lead', async () => {
    const { cli, base, lead, other } = await start();
    const agent = await connectionTo(cli, base, other);
    upstream.next(fail('apiKeyInvalid'));
    expect((await sendOn(agent, base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY })).status).toBe(200);
    const disabled = await cli.waitForEvent('key-disabled');
    expect(pidOf(disabled)).toBe(other);
    // The probe (list one model) works with the key: the answer was about the request, not the key.
    const enabled = await cli.waitForEvent('key-enabled', { keyId: disabled['keyId'] });
    expect(enabled).toMatchObject({ pid: lead, via: 'confirmation probe' });

    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(pidsOf(cli, 'key-enabled')).toEqual([lead]);
    const secret = KEYS.find((key) => keyId(key) === disabled['keyId']);
    expect(upstream.requests.filter((request) => request.pathname === '/v1beta/models' && request.key === secret)).toHaveLength(1);
  });

  it('/status names the lead\'s pid; when the lead dies the other worker takes over', async () => {
    const { cli, base, lead, other } = await start();
    for (const body of (await askBoth(cli, base, '/status')).values()) {
      expect(JSON.parse(body)).toMatchObject({ sharedState: { kind: 'cluster', connected: true, leadPid: lead } });
    }
    process.kill(lead, 'SIGKILL');
    const next = await cli.waitFor((line) => line.event === 'lead' && line.pid !== lead, 'a new lead');
    expect(pidOf(next)).toBe(other);
    await cli.waitFor(() => pidsOf(cli, 'listening').length === 3, 'the replacement listening');
    const answers = await askBoth(cli, base, '/status');
    expect([...answers.keys()]).toContain(other);
    for (const body of answers.values()) expect(JSON.parse(body)).toMatchObject({ sharedState: { leadPid: other } });
    expect(pidsOf(cli, 'lead')).toEqual([lead, other]);
  });
});

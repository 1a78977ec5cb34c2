/**
 * The dashboard as shipped: the built CLI (dist/gemini-proxy.cjs, the file the single executable
 * is made of) serves the page it embedded at build time, and Chromium runs it. Nothing is read
 * from disk at run time: the CLI runs in a scratch folder with only its key and relay files.
 * Under `--workers 2`, the traffic either worker shows is both workers' traffic.
 */

import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import type { TrafficSnapshot } from '../../src/server/traffic.js';
import { assertBundleFresh, cleanUp, GENERATE_PATH, PROMPT_BODY, send, startCli, Workspace, type CliProcess, type LogLine } from '../cli/support.js';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { rawRequest } from '../support/http.js';
import { CSP, launchChromium, PROXY_KEY, signIn, watchedPage } from './support.js';

const KEY = 'AIzaBundleDashboardKey0001';

/** The worker that answered a request: the pid on its request line. */
async function workerOf(cli: CliProcess, requestId: unknown): Promise<unknown> {
  return (await cli.waitFor((line: LogLine) => line.msg === 'request' && line['reqId'] === requestId, `the request line of ${String(requestId)}`)).pid;
}

/** Requests in a traffic snapshot, all minutes, protocols and statuses together. */
const requestCount = (traffic: TrafficSnapshot): number =>
  traffic.minutes.flatMap((minute) => Object.values(minute.requests).flatMap((byClass) => Object.values(byClass))).reduce((sum, count) => sum + count, 0);

describe('the dashboard in the built bundle', () => {
  // Unset when the set-up failed (a stale bundle): its error is the one to read.
  let browser: Browser | undefined;
  let upstream: FakeGemini | undefined;
  const started = (): { browser: Browser; upstream: FakeGemini } => {
    if (browser === undefined || upstream === undefined) throw new Error('the set-up failed');
    return { browser, upstream };
  };

  beforeAll(async () => {
    assertBundleFresh();
    upstream = await FakeGemini.start();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await upstream?.close();
  });

  afterEach(cleanUp);

  it('serves the embedded page, which signs in and shows the keys and the charts', async () => {
    const { browser, upstream } = started();
    const ws = new Workspace();
    ws.write('api_keys.txt', `${KEY}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    const base = await startCli(['--port', '0', '--proxy-key', PROXY_KEY], { cwd: ws.dir }).ready();
    const script = await rawRequest(base, { path: '/ui/app.js' });
    expect([script.status, script.headers['content-security-policy']]).toEqual([200, CSP]);

    const context = await browser.newContext();
    const { page, requested, problems } = await watchedPage(context);
    await signIn(page, base);
    await page.locator(`tr[data-id="${keyId(KEY)}"] .badge`, { hasText: 'active' }).waitFor();
    // The charts' library came with the bundle and runs under its CSP (problems would say otherwise).
    await page.locator('#chart-latency canvas').waitFor();
    expect(await page.locator('.chart canvas').count()).toBe(4);
    expect(requested.every((url) => new URL(url).origin === base)).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('under --workers 2, either worker shows the traffic and the failures of both', async () => {
    const { upstream } = started();
    const ws = new Workspace();
    ws.write('api_keys.txt', `${KEY}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    const cli = startCli(['--port', '0', '--proxy-key', PROXY_KEY, '--workers', '2', '--watch-interval', '0'], { cwd: ws.dir });
    await cli.waitFor(() => new Set(cli.events('listening').map((line) => line.pid)).size === 2, 'two workers listening');
    const base = await cli.ready();
    // A connection of its own per request: node:cluster hands each new one to the next worker.
    const call = (options: { method?: string; path: string; body?: string }) =>
      send(base, { ...options, headers: { authorization: `Bearer ${PROXY_KEY}`, connection: 'close' } });
    upstream.next(fail('invalidArgument'));
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await call({ method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY }));
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 200, 200, 200, 200, 400]);
    const served = new Set(await Promise.all(replies.map((reply) => workerOf(cli, reply.headers['x-request-id']))));
    expect(served.size).toBe(2);
    const failedId = replies.find((reply) => reply.status === 400)?.headers['x-request-id'];

    const answers = new Map<unknown, TrafficSnapshot>();
    for (let tries = 0; tries < 8 && answers.size < 2; tries++) {
      const reply = await call({ path: '/ui/api/traffic' });
      expect(reply.status).toBe(200);
      answers.set(await workerOf(cli, reply.headers['x-request-id']), JSON.parse(reply.body) as TrafficSnapshot);
    }
    expect(answers.size).toBe(2);
    for (const traffic of answers.values()) {
      expect(requestCount(traffic)).toBe(6);
      expect(traffic.failures.map((failure) => [failure.id, failure.attempts.map((attempt) => attempt.verdict)])).toEqual([[failedId, ['client-error']]]);
    }
  }, 60_000);
});

/**
 * Keys that share a Google Cloud project share its quota: a 429 cools the whole project, the next
 * attempt goes to another project, per-day quotas last until midnight Pacific. Projects come from
 * `project=` labels in api_keys.txt (read by the real loader) or from Google's error bodies, and
 * show in /status and /metrics, by id only. Fake upstreams, real sockets, real clients.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleGenAI } from '@google/genai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { keyId, loadLists } from '../../src/config/lists.js';
import { nextPacificMidnight } from '../../src/upstream/pacific-midnight.js';
import { FIXTURES } from '../fixtures/gemini-errors.js';
import { fail, gemini } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { FakeLive } from '../support/fake-live.js';
import { generate, rawRequest } from '../support/http.js';
import { startProxy, type ProxyOptions, type StatusBody, type TestProxy } from '../support/proxy.js';

const [A1, A2, B1] = ['key-alpha-one-5f1e', 'key-alpha-two-77c2', 'key-beta-one-0b9d'] as const;
const LABELLED = `# alpha's two keys share one quota\n${A1}  project=alpha\n${A2}\tproject=alpha\n\n${B1} project=beta\n`;
const NOW = Date.UTC(2026, 6, 1, 12, 0, 0);
const MODEL = 'gemini-2.5-flash';

interface ProjectEntry {
  id: string;
  keys: string[];
  learned?: string[];
  sharedQuota?: true;
}
/** /status as this issue extends it: a key's project, and the projects. */
interface Status extends Omit<StatusBody, 'keys'> {
  keys: (StatusBody['keys'][number] & { project?: string })[];
  projects: ProjectEntry[];
}

/** Google's per-minute 429, naming the key's project in ErrorInfo as googleapis quota errors do. */
function quotaOfProject(project: string, retryDelay = '30s'): Behaviour {
  return (_request, res) => {
    const { error } = FIXTURES.quotaPerMinute(retryDelay).body as { error: { details: unknown[] } };
    const details = [...error.details, {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com',
      metadata: { consumer: project, service: 'generativelanguage.googleapis.com', quota_limit: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' },
    }];
    const text = JSON.stringify({ error: { ...error, details } });
    res.writeHead(429, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
}

/**
 * Starts the daemon, then hands it the lists the real loader reads from `keyFile`, as start-up
 * and every reload (SIGHUP, a changed file) do.
 */
async function startWithKeyFile(dir: string, keyFile: string, options: Omit<ProxyOptions, 'keys'>): Promise<TestProxy> {
  const apiKeysFile = join(dir, 'api_keys.txt');
  const proxyUrlsFile = join(dir, 'proxy_urls.txt');
  writeFileSync(apiKeysFile, keyFile);
  writeFileSync(proxyUrlsFile, options.relays.join('\n'));
  const lists = loadLists({ apiKeysFile, apiKeysFileExplicit: true, proxyUrlsFile, envKeys: [], usersFile: '' });
  const proxy = await startProxy({ ...options, keys: lists.keys.map((key) => key.secret) });
  proxy.daemon.reload(lists);
  return proxy;
}

async function statusOf(proxy: TestProxy): Promise<Status> {
  return (await proxy.status()) as Status;
}

async function metricsOf(proxy: TestProxy): Promise<string> {
  return (await rawRequest(proxy.url, { path: '/metrics' })).body;
}

describe('error policy: keys of one project share its quota', () => {
  let dir: string;
  let upstream: FakeGemini;
  let proxy: TestProxy;
  let now = NOW;

  const keyOf = async (key: string) => (await statusOf(proxy)).keys.find((entry) => entry.id === keyId(key));

  beforeEach(async () => {
    now = NOW;
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-projects-'));
    upstream = await FakeGemini.start();
    proxy = await startWithKeyFile(dir, LABELLED, { relays: [upstream.url], now: () => now });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 429 on a1 makes the next attempt use b1, not a2, and cools alpha for that model only (@google/genai)', async () => {
    upstream.forKey(A1, fail('quotaPerMinute', '30s'));
    const ai = new GoogleGenAI({ apiKey: 'client-key-unused', httpOptions: { baseUrl: proxy.url } });
    const response = await ai.models.generateContent({ model: MODEL, contents: 'ping' });
    expect(response.text).toBe('Hello from fake Gemini: ping');
    expect(upstream.requests.map((request) => request.key)).toEqual([A1, B1]);
    const until = new Date(NOW + 30_000).toISOString();
    expect(await keyOf(A1)).toMatchObject({ project: 'alpha', state: 'cooling', coolingUntil: { [MODEL]: until } });
    expect(await keyOf(A2)).toMatchObject({ project: 'alpha', state: 'cooling', coolingUntil: { [MODEL]: until } });
    expect(await keyOf(B1)).toMatchObject({ project: 'beta', state: 'active' });
    for (let i = 0; i < 3; i++) await ai.models.generateContent({ model: MODEL, contents: 'again' });
    expect(upstream.requests.slice(2).map((request) => request.key)).toEqual([B1, B1, B1]);
    // Another model is another quota: alpha still serves it.
    upstream.forKey(A1, gemini());
    expect((await generate(proxy.url, {}, '/v1beta/models/gemini-embedding-001:countTokens')).status).toBe(200);
    expect(upstream.requests.at(-1)?.key).toBe(A1);
  });

  it('a per-day 429 cools the whole project until midnight Pacific', async () => {
    upstream.forKey(A1, fail('quotaPerDay'));
    expect((await generate(proxy.url)).status).toBe(200);
    const midnight = nextPacificMidnight(NOW);
    for (const key of [A1, A2]) expect((await keyOf(key))?.coolingUntil).toEqual({ [MODEL]: new Date(midnight).toISOString() });
    expect((await keyOf(B1))?.state).toBe('active');
    now = midnight - 1;
    expect((await keyOf(A2))?.state).toBe('cooling');
    now = midnight;
    expect((await keyOf(A2))?.state).toBe('active');
  });

  it('after any failure the next attempt prefers another project: a 503 on a1 goes on to b1', async () => {
    upstream.next(fail('overloaded'));
    expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([A1, B1]);
    expect((await statusOf(proxy)).keys.map((key) => key.state)).toEqual(['active', 'active', 'active']);
  });

  it('/status and /metrics show the projects, keys only by id', async () => {
    const status = await statusOf(proxy);
    expect(status.projects).toEqual([
      { id: 'alpha', keys: [keyId(A1), keyId(A2)], sharedQuota: true },
      { id: 'beta', keys: [keyId(B1)] },
    ]);
    expect(await metricsOf(proxy)).toContain('gemini_proxy_project_keys{project="alpha",state="active"} 2\n');
    upstream.forKey(A1, fail('quotaPerMinute', '30s'));
    await generate(proxy.url);
    const metrics = await metricsOf(proxy);
    expect(metrics).toContain('gemini_proxy_project_keys{project="alpha",state="cooling"} 2\n');
    expect(metrics).toContain('gemini_proxy_project_keys{project="beta",state="active"} 1\n');
    const seen = JSON.stringify(await statusOf(proxy)) + metrics + proxy.logs.raw.join('\n');
    for (const secret of [A1, A2, B1]) expect(seen).not.toContain(secret);
  });
});

describe('projects learned from Google\'s error bodies', () => {
  const [K1, K2, K3] = ['key-learn-one-a1b2', 'key-learn-two-c3d4', 'key-learn-three-e5f6'] as const;
  let dir: string;
  let upstream: FakeGemini;
  let proxy: TestProxy | undefined;
  let now = NOW;

  const start = (settings = {}) => startProxy({ keys: [K1, K2, K3], relays: [upstream.url], now: () => now, settings });
  const keyEvents = () => proxy?.logs.events('key-project') ?? [];

  beforeEach(async () => {
    now = NOW;
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-learned-'));
    upstream = await FakeGemini.start();
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('learns the project Google names, reports the shared quota once, and cools its keys together from then on', async () => {
    proxy = await start();
    upstream.forKey(K1, quotaOfProject('projects/4242')).forKey(K2, quotaOfProject('projects/4242'));
    expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([K1, K2, K3]);
    expect(keyEvents().filter((line) => line['sharesQuotaWith'] !== undefined)).toEqual([
      expect.objectContaining({ keyId: keyId(K2), project: 'projects/4242', sharesQuotaWith: [keyId(K1)] }),
    ]);
    const status = await statusOf(proxy);
    expect(status.projects).toEqual([{ id: 'projects/4242', keys: [keyId(K1), keyId(K2)], learned: ['projects/4242'], sharedQuota: true }]);
    expect(status.keys.map((key) => key.project)).toEqual(['projects/4242', 'projects/4242', undefined]);

    // Later, a 429 on K1 alone cools K2 too: the next attempt skips it.
    now += 31_000;
    upstream.requests.length = 0;
    expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([K1, K3]);
    expect((await statusOf(proxy)).keys.map((key) => key.state)).toEqual(['cooling', 'cooling', 'active']);
    expect(keyEvents()).toHaveLength(2); // nothing new learned: nothing reported again
  });

  it('learned projects survive a restart through --state-file', async () => {
    const stateFile = join(dir, 'state.json');
    proxy = await start({ stateFile });
    upstream.forKey(K1, quotaOfProject('projects/77', '1s')).forKey(K2, quotaOfProject('projects/77', '1s'));
    await generate(proxy.url);
    await proxy.close();
    now += 2_000; // the coolings are over; what was learned is not
    upstream.forKey(K1, fail('quotaPerMinute', '30s')).forKey(K2, gemini());
    proxy = await start({ stateFile });
    expect((await statusOf(proxy)).projects).toEqual([{ id: 'projects/77', keys: [keyId(K1), keyId(K2)], learned: ['projects/77'], sharedQuota: true }]);
    upstream.requests.length = 0;
    // A 429 that names no project still cools the project's other key.
    expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([K1, K3]);
  });

  it('an old key file (bare keys, no labels) reads as before: no projects, keys rotate one by one', async () => {
    proxy = await startWithKeyFile(dir, `# old file\n${K1}\n\n  ${K2}\n${K3}\n`, { relays: [upstream.url], now: () => now });
    upstream.forKey(K1, fail('quotaPerMinute', '30s'));
    expect((await generate(proxy.url)).status).toBe(200);
    expect(upstream.requests.map((request) => request.key)).toEqual([K1, K2]);
    const status = await statusOf(proxy);
    expect(status.projects).toEqual([]);
    expect(status.keys.map((key) => [key.id, key.state])).toEqual([[keyId(K1), 'cooling'], [keyId(K2), 'active'], [keyId(K3), 'active']]);
  });
});

describe('the Live API picks keys by project too', () => {
  const LIVE_PATH = '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';
  const QUOTA = { status: 429, body: JSON.stringify(FIXTURES.quotaPerMinute('30s').body) };
  let dir: string;
  let upstream: FakeLive;
  let proxy: TestProxy;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-live-projects-'));
    upstream = await FakeLive.start([A1, A2, B1]);
    proxy = await startWithKeyFile(dir, LABELLED, { relays: [upstream.url], now: () => NOW });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a handshake a1 gets a 429 for opens the session on b1, not a2', async () => {
    upstream.refuseKey(A1, QUOTA);
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}${LIVE_PATH}`);
    ws.on('error', () => undefined);
    const [connection] = await Promise.all([upstream.connection(0), new Promise((resolve) => ws.once('open', resolve))]);
    expect(connection.key).toBe(B1);
    expect(upstream.refused.map((refused) => refused.key)).toEqual([A1]);
    const states = (await statusOf(proxy)).keys.map((key) => [key.project, key.state]);
    expect(states).toEqual([['alpha', 'cooling'], ['alpha', 'cooling'], ['beta', 'active']]);
    ws.close();
  });
});

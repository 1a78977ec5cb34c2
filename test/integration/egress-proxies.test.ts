/**
 * Egress proxies through real HTTP CONNECT and SOCKS5 proxies on loopback, each leaving from its
 * own address (127.0.0.2-4), so the fake upstream sees what Google would: which IP each key
 * comes from. Key stickiness by the hash ring, failover when a proxy dies and return when it
 * recovers, `proxy=` pins, a relay the proxy cannot reach, credentials never leaked, reloads,
 * and Live sessions through both kinds.
 */

import { once } from 'node:events';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { keyId } from '../../src/config/lists.js';
import { EgressRing } from '../../src/upstream/egress.js';
import { canary, expectKeysOnlyInHeader, expectUnseen } from '../support/canary.js';
import { HttpConnectProxy, Socks5Proxy, type ProxyAuth } from '../support/egress-proxies.js';
import { fail, gemini } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { FakeLive } from '../support/fake-live.js';
import { closedPort } from '../support/http.js';
import { listsOf, startProxy, type TestProxy } from '../support/proxy.js';

const T0 = 1_780_000_000_000;
const KEYS = Array.from({ length: 12 }, (_, i) => `egress-pool-key-${i.toString().padStart(2, '0')}-5f1e`);
const PASSWORD = canary();
const SOCKS_PASSWORD = canary();
const AUTH: ProxyAuth = { username: 'gp-user', password: PASSWORD };
const SOCKS_AUTH: ProxyAuth = { username: 'gp-socks', password: SOCKS_PASSWORD };

interface EgressStatus {
  id: string;
  kind: string;
  state: string;
  reason?: string;
  keys: number;
}

type Proxy = HttpConnectProxy | Socks5Proxy;

describe('egress proxies', () => {
  let upstream: FakeGemini;
  let proxies: Proxy[];
  let proxy: TestProxy;
  let now: number;
  /** egress id → the address it leaves from. */
  let addressOf: Map<string, string>;

  const start = (keys: readonly string[], egress: readonly string[], relays: readonly string[] = [upstream.url]) =>
    startProxy({ keys, relays, egress, now: () => now });
  const openai = () => new OpenAI({ apiKey: 'x', baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const genai = () => new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: proxy.url } });
  const chat = () => openai().chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
  const egressStatus = async (): Promise<EgressStatus[]> => ((await proxy.status()) as unknown as { egress: EgressStatus[] }).egress;
  /** The proxy ids in the order `key` tries them. */
  const orderOf = (key: string): string[] => new EgressRing(proxies.map((p) => p.id)).order(keyId(key));
  const peersByKey = (): Map<string, Set<string>> => {
    const peers = new Map<string, Set<string>>();
    for (const request of upstream.requests) {
      const set = peers.get(request.key ?? '') ?? new Set<string>();
      set.add(request.peer);
      peers.set(request.key ?? '', set);
    }
    return peers;
  };

  beforeEach(async () => {
    now = T0;
    upstream = await FakeGemini.start();
    proxies = [
      await HttpConnectProxy.start({ egressAddress: '127.0.0.2', auth: AUTH }),
      await HttpConnectProxy.start({ egressAddress: '127.0.0.3' }),
      await Socks5Proxy.start({ egressAddress: '127.0.0.4', auth: SOCKS_AUTH }),
    ];
    addressOf = new Map(proxies.map((p, i) => [p.id, `127.0.0.${i + 2}`]));
    proxy = await start(KEYS, proxies.map((p) => p.line()));
  });

  afterEach(async () => {
    await proxy.close();
    await Promise.all([upstream.close(), ...proxies.map((p) => p.kill().catch(() => undefined))]);
  });

  it('each key always leaves through its home on the hash ring, from one address, by every client', async () => {
    for (let round = 0; round < 3; round++) {
      for (const _ of KEYS) {
        if (round === 1) await genai().models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
        else expect((await chat()).choices[0]?.finish_reason).toBe('stop');
      }
    }
    const peers = peersByKey();
    expect(peers.size).toBe(KEYS.length);
    for (const key of KEYS) expect([...(peers.get(key) ?? [])]).toEqual([addressOf.get(orderOf(key)[0] ?? '')]);
    const hostPort = upstream.url.replace('http://', '');
    for (const p of proxies) expect(p.targets.every((target) => target === hostPort)).toBe(true);
    const egress = await egressStatus();
    expect(egress.map((e) => [e.id, e.kind, e.state])).toEqual([[proxies[0]?.id, 'http', 'healthy'], [proxies[1]?.id, 'http', 'healthy'], [proxies[2]?.id, 'socks5', 'healthy']]);
    expect(egress.reduce((sum, e) => sum + e.keys, 0)).toBe(KEYS.length);
    expectKeysOnlyInHeader(upstream.requests, KEYS, [PASSWORD, SOCKS_PASSWORD]);
  });

  it.each([0, 2])('a proxy that dies: its keys move to the next proxy on the ring, nothing else is blamed, and they come home when it recovers (proxy %i)', async (index) => {
    const dead = proxies[index] as Proxy;
    await dead.kill();
    for (const _ of KEYS) expect((await chat()).choices[0]?.finish_reason).toBe('stop');
    const peers = peersByKey();
    const homed = KEYS.filter((key) => orderOf(key)[0] === dead.id);
    for (const key of KEYS) {
      const order = orderOf(key);
      const expected = order[0] === dead.id ? order[1] : order[0];
      expect([...(peers.get(key) ?? [])]).toEqual([addressOf.get(expected ?? '')]);
    }
    const status = await proxy.status();
    expect(status.keys.every((key) => key.state === 'active' && key.failures === 0)).toBe(true);
    expect(status.relays.every((relay) => relay.state === 'healthy')).toBe(true);
    const deadStatus = (await egressStatus()).find((e) => e.id === dead.id);
    if (homed.length > 0) expect(deadStatus).toMatchObject({ state: 'unhealthy', reason: 'GP_EGRESS_UNREACHABLE' });
    // It listens again; once its back-off has ended, its keys go home.
    await dead.listen();
    now += 60_000;
    upstream.requests.length = 0;
    for (const _ of KEYS) expect((await chat()).choices[0]?.finish_reason).toBe('stop');
    for (const key of KEYS) expect([...(peersByKey().get(key) ?? [])]).toEqual([addressOf.get(orderOf(key)[0] ?? '')]);
    expect((await egressStatus()).every((e) => e.state === 'healthy')).toBe(true);
    if (homed.length > 0) expect(proxy.logs.events('egress-healthy').map((line) => line['egressId'])).toEqual([dead.id]);
  });

  it('a key pinned with proxy= leaves only through that proxy; while it is down, other keys serve', async () => {
    await proxy.close();
    const socks = proxies[2] as Proxy;
    const [pinned = '', ...others] = KEYS.slice(0, 3);
    proxy = await start([`${pinned} proxy=${socks.id}`, ...others.map((key) => `${key} proxy=${(proxies[0] as Proxy).id}`)], proxies.map((p) => p.line()));
    for (let i = 0; i < 6; i++) expect((await chat()).choices[0]?.finish_reason).toBe('stop');
    expect([...(peersByKey().get(pinned) ?? [])]).toEqual(['127.0.0.4']);
    await socks.kill();
    upstream.requests.length = 0;
    for (let i = 0; i < 6; i++) expect((await chat()).choices[0]?.finish_reason).toBe('stop');
    expect(upstream.withKey(pinned)).toEqual([]);
    expect(upstream.requests.every((request) => request.peer === '127.0.0.2')).toBe(true);
    expect((await proxy.status()).keys.find((key) => key.id === keyId(pinned))).toMatchObject({ state: 'active', egress: socks.id });
  });

  it('a relay the proxy cannot reach is the relay\'s failure: the next relay serves, the proxy stays healthy', async () => {
    await proxy.close();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    proxy = await start(KEYS.slice(0, 2), [(proxies[1] as Proxy).line()], [dead, upstream.url]);
    expect((await chat()).choices[0]?.finish_reason).toBe('stop');
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line['attempts']).toMatchObject([
      { relay: dead.replace('http://', 'http://'), code: 'GP_EGRESS_TARGET_UNREACHABLE', verdict: 'relay-failure', egress: (proxies[1] as Proxy).id },
      { verdict: 'ok', egress: (proxies[1] as Proxy).id },
    ]);
    const status = await proxy.status();
    expect(status.relays.map((relay) => relay.state)).toEqual(['unhealthy', 'healthy']);
    expect((await egressStatus()).map((e) => e.state)).toEqual(['healthy']);
  });

  it('refused credentials fail the proxy, never the key; the client gets a 502 in its own shape; no credential is written anywhere', async () => {
    await proxy.close();
    const wrong = { username: 'gp-user', password: `${PASSWORD}-wrong` };
    proxy = await start(KEYS.slice(0, 2), [(proxies[0] as Proxy).line(wrong), (proxies[2] as Proxy).line({ username: 'gp-socks', password: `${SOCKS_PASSWORD}-wrong` })]);
    const failure = await chat().then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failure as InstanceType<typeof OpenAI.APIError>).code).toBe('GP_UPSTREAM_UNREACHABLE');
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    const codes = (line['attempts'] as { code: string; verdict: string }[]).map((attempt) => [attempt.code, attempt.verdict]);
    expect(codes).toEqual(expect.arrayContaining([['GP_EGRESS_AUTH', 'egress-failure'], ['GP_EGRESS_REFUSED', 'egress-failure']]));
    expect(proxies[0]?.refusedLogins).toBeGreaterThan(0);
    expect(proxies[2]?.refusedLogins).toBeGreaterThan(0);
    expect(upstream.requests).toEqual([]);
    const status = await proxy.status();
    expect(status.keys.every((key) => key.state === 'active' && key.failures === 0)).toBe(true);
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metrics).toContain('gemini_proxy_egress_proxies{state="unhealthy"} 2');
    // The pass-through too, and while the proxies back off (the first to recover is still tried).
    const passThrough = [];
    for (let i = 0; i < 3; i++) passThrough.push(await genai().models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch(String));
    expect(passThrough.every((text) => typeof text === 'string' && text.includes('502'))).toBe(true);
    const secrets = [PASSWORD, SOCKS_PASSWORD, Buffer.from(`gp-user:${PASSWORD}-wrong`).toString('base64')];
    expectUnseen(secrets, { failure: String(failure), status, metrics, passThrough }, proxy.logs);
  });

  it('a recovery probe of a disabled key leaves through the key\'s own proxy', async () => {
    const [key = ''] = KEYS;
    upstream.forKey(key, fail('apiKeyInvalid', key));
    for (const _ of KEYS) await chat();
    expect((await proxy.status()).keys.find((entry) => entry.id === keyId(key))?.state).toBe('disabled');
    upstream.forKey(key, gemini());
    upstream.requests.length = 0;
    await proxy.daemon.prober.probeAll();
    expect(upstream.requests.map((request) => [request.key, request.pathname, request.peer])).toEqual([
      [key, '/v1beta/models', addressOf.get(orderOf(key)[0] ?? '')],
    ]);
    expect((await proxy.status()).keys.find((entry) => entry.id === keyId(key))?.state).toBe('active');
  });

  it('a reload that adds a proxy moves only the keys whose home it becomes; health of the others is kept', async () => {
    for (const _ of KEYS) await chat();
    const added = await HttpConnectProxy.start({ egressAddress: '127.0.0.5' });
    proxies.push(added);
    addressOf.set(added.id, '127.0.0.5');
    proxy.daemon.reload(listsOf(KEYS, [upstream.url], [], proxies.map((p) => p.line())));
    upstream.requests.length = 0;
    for (const _ of KEYS) await chat();
    for (const key of KEYS) expect([...(peersByKey().get(key) ?? [])]).toEqual([addressOf.get(orderOf(key)[0] ?? '')]);
    expect((await egressStatus()).map((e) => e.id)).toEqual(proxies.map((p) => p.id));
  });
});

describe('Live sessions through egress proxies', () => {
  let upstream: FakeLive;
  let proxy: TestProxy;
  let egress: Proxy | undefined;

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
    await egress?.kill();
  });

  beforeEach(async () => {
    upstream = await FakeLive.start([KEYS[0] ?? '']);
  });

  it.each([
    ['HTTP CONNECT', () => HttpConnectProxy.start({ egressAddress: '127.0.0.6', auth: AUTH })],
    ['SOCKS5', () => Socks5Proxy.start({ egressAddress: '127.0.0.6', auth: SOCKS_AUTH })],
  ])('a session opens through %s, from the proxy\'s address', async (_kind, startEgress) => {
    egress = await startEgress();
    proxy = await startProxy({ keys: [KEYS[0] ?? ''], relays: [upstream.url], egress: [egress.line()] });
    const client = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent`);
    await once(client, 'open');
    const reply = once(client, 'message') as Promise<[Buffer]>;
    client.send(JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview' } }));
    expect(JSON.parse((await reply)[0].toString('utf8'))).toEqual({ setupComplete: {} });
    const connection = await upstream.connection();
    expect([connection.key, connection.peer]).toEqual([KEYS[0], '127.0.0.6']);
    client.close(1000, 'bye');
    expect(await connection.closed).toEqual({ code: 1000, reason: 'bye' });
    expect(await proxy.logs.waitFor((line) => line['event'] === 'live-session')).toMatchObject({ status: 101 });
  });
});

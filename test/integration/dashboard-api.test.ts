/**
 * The dashboard's API (issue 16) through real sockets: its access rules (the proxy key as a
 * bearer; without one, loopback only), its errors in JSON, the key actions, a key disabled
 * by hand staying disabled through recovery probes, a reload, a restart and a second daemon,
 * and the last hour of traffic with the recent failures.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { parseStateDocument } from '../../src/upstream/state-file.js';
import { fail } from '../support/behaviours.js';
import { canary, expectUnseen, forms } from '../support/canary.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { GENERATE_PATH, generate, rawRequest } from '../support/http.js';
import { LinkBus } from '../support/link-pair.js';
import { listsOf, startProxy, type ProxyOptions, type TestProxy } from '../support/proxy.js';
import type { TrafficSnapshot } from '../../src/server/traffic.js';
import { expectUiError, expectUiHeaders, PROXY_KEY, uiCall, uiKeys, type UiKey } from '../browser/support.js';

const [A, B, C] = [canary(), canary(), canary()];
const NOW = Date.UTC(2026, 6, 1, 12, 0, 0);

describe('the dashboard API', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;
  let dir: string;

  const start = (options: Partial<ProxyOptions> = {}) =>
    startProxy({ keys: [A, B, C], relays: [upstream.url], now: () => NOW, settings: { proxyKeys: [PROXY_KEY] }, ...options });
  const act = (id: string, action: string, method = 'POST') => uiCall(proxy.url, `/ui/api/keys/${id}/${action}`, { method, token: PROXY_KEY });
  const keyOf = async (secret: string): Promise<UiKey | undefined> => (await uiKeys(proxy.url)).find((key) => key.id === keyId(secret));
  const keysUsed = async (count: number): Promise<(string | undefined)[]> => {
    const before = upstream.requests.length;
    for (let i = 0; i < count; i++) expect((await generate(proxy.url, { authorization: `Bearer ${PROXY_KEY}` })).status).toBe(200);
    // The generate calls only: a confirmation probe may run meanwhile.
    return upstream.requests.slice(before).filter((request) => request.pathname.endsWith(':generateContent')).map((request) => request.key);
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-ui-'));
    upstream = await FakeGemini.start();
    proxy = await start();
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page and its assets to anyone, with a strict CSP and no inline script or style', async () => {
    const page = await rawRequest(proxy.url, { path: '/ui' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectUiHeaders(page);
    expect(page.body).toContain('<script src="/ui/app.js" defer></script>');
    expect(page.body).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=|https?:\/\//);
    const script = await rawRequest(proxy.url, { path: '/ui/app.js' });
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(script.body).toContain('/ui/api/state');
    const style = await rawRequest(proxy.url, { path: '/ui/app.css' });
    expect([style.status, style.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    expect(upstream.requests).toHaveLength(0);
  });

  it('wants the proxy key as a bearer: none and a wrong one get 401, the right one the state', async () => {
    const none = await uiCall(proxy.url, '/ui/api/state');
    expectUiError(none, 401, 'GP_UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expectUiError(await uiCall(proxy.url, '/ui/api/state', { token: 'not-the-key' }), 401, 'GP_UNAUTHORIZED');
    expectUiError(await uiCall(proxy.url, `/ui/api/keys/${keyId(A)}/disable`, { method: 'POST', token: 'not-the-key' }), 401, 'GP_UNAUTHORIZED');
    const state = await uiCall(proxy.url, '/ui/api/state', { token: PROXY_KEY });
    expect(state.status).toBe(200);
    expectUiHeaders(state);
    expect(Object.keys(state.json)).toEqual(['now', 'keys', 'projects', 'relays', 'egress', 'sharedState']);
    expect((state.json['keys'] as UiKey[]).map((key) => [key.id, key.state])).toEqual([
      [keyId(A), 'active'], [keyId(B), 'active'], [keyId(C), 'active'],
    ]);
    expect(state.json['sharedState']).toMatchObject({ kind: 'memory', connected: true });
  });

  it('an id no key has, an unknown action or path: 404; a wrong method: 405; all in JSON', async () => {
    expectUiError(await act('key_00000000', 'disable'), 404, 'GP_NOT_FOUND');
    expectUiError(await act('%E0%A4%A', 'disable'), 404, 'GP_NOT_FOUND');
    expectUiError(await act(keyId(A), 'explode'), 404, 'GP_NOT_FOUND');
    expectUiError(await uiCall(proxy.url, '/ui/api/nothing', { token: PROXY_KEY }), 404, 'GP_NOT_FOUND');
    expectUiError(await act(keyId(A), 'disable', 'GET'), 405, 'GP_METHOD_NOT_ALLOWED');
    expectUiError(await uiCall(proxy.url, '/ui/api/state', { method: 'POST', token: PROXY_KEY }), 405, 'GP_METHOD_NOT_ALLOWED');
    expectUiError(await uiCall(proxy.url, '/ui', { method: 'DELETE' }), 405, 'GP_METHOD_NOT_ALLOWED');
    expect((await keyOf(A))?.state).toBe('active');
    expect(upstream.requests).toHaveLength(0);
  });

  it("refuses calls another site's page makes, even with the key", async () => {
    const evil = { origin: 'http://evil.example' };
    expectUiError(await uiCall(proxy.url, `/ui/api/keys/${keyId(A)}/disable`, { method: 'POST', token: PROXY_KEY, headers: evil }), 403, 'GP_FORBIDDEN');
    const crossSite = { 'sec-fetch-site': 'cross-site' };
    expectUiError(await uiCall(proxy.url, '/ui/api/state', { token: PROXY_KEY, headers: crossSite }), 403, 'GP_FORBIDDEN');
    expect((await keyOf(A))?.state).toBe('active');
  });

  it('disable by hand: out of rotation, /status says so, logged; enable by hand brings it back', async () => {
    const disabled = await act(keyId(A), 'disable');
    expect(disabled.status).toBe(200);
    expect(disabled.json['key']).toMatchObject({ id: keyId(A), state: 'disabled', reason: 'MANUAL', manual: true });
    expect(await keysUsed(4)).toEqual([B, C, B, C]);
    const status = (await proxy.status({ authorization: `Bearer ${PROXY_KEY}` })).keys[0];
    expect(status).toMatchObject({ id: keyId(A), state: 'disabled', reason: 'MANUAL', manual: true });
    expect(proxy.logs.events('key-disabled')).toMatchObject([{ keyId: keyId(A), reason: 'MANUAL', manual: true, via: 'ui' }]);
    expect((await act(keyId(A), 'enable')).json['key']).toMatchObject({ id: keyId(A), state: 'active' });
    expect(proxy.logs.events('key-enabled')).toMatchObject([{ keyId: keyId(A), via: 'ui' }]);
    expect(await keysUsed(3)).toContain(A);
  });

  it('a key disabled by hand survives recovery probes and a reload; one an answer disabled comes back', async () => {
    await act(keyId(A), 'disable');
    upstream.next(fail('apiKeyInvalid'));
    expect(await keysUsed(1)).toEqual([B, C]);
    expect((await keyOf(B))).toMatchObject({ state: 'disabled', reason: 'API_KEY_INVALID' });
    expect((await keyOf(B))?.manual).toBeUndefined();
    await proxy.daemon.prober.probeAll();
    expect((await keyOf(B))?.state).toBe('active');
    proxy.daemon.reload(listsOf([A, B, C], [upstream.url]));
    await proxy.daemon.prober.probeAll();
    expect(await keyOf(A)).toMatchObject({ state: 'disabled', manual: true });
    expect(upstream.withKey(A)).toHaveLength(0);
  });

  it("the operator's probe tries a key disabled by hand and leaves it so; an active key found refused is disabled", async () => {
    await act(keyId(A), 'disable');
    const probed = await act(keyId(A), 'probe');
    expect(probed.json).toMatchObject({ key: { state: 'disabled', manual: true }, probe: { result: 'working' } });
    expect(upstream.withKey(A).map((request) => request.pathname)).toEqual(['/v1beta/models']);
    upstream.forKey(C, fail('apiKeyInvalid'));
    const refused = await act(keyId(C), 'probe');
    expect(refused.json).toMatchObject({ key: { state: 'disabled', reason: 'API_KEY_INVALID' }, probe: { result: 'refused', reason: 'API_KEY_INVALID' } });
    expect(proxy.logs.events('key-probed').map((line) => [line['keyId'], line['result'], line['via']])).toEqual([
      [keyId(A), 'working', 'ui'], [keyId(C), 'refused', 'ui'],
    ]);
  });

  it('the confirmation probe that follows a disable leaves a key disabled by hand alone', async () => {
    await proxy.close();
    proxy = await start({ settings: { proxyKeys: [PROXY_KEY], probeIntervalMs: 3_600_000 } });
    await act(keyId(A), 'disable');
    upstream.next(fail('apiKeyInvalid'));
    expect(await keysUsed(1)).toEqual([B, C]);
    await proxy.daemon.prober.settled();
    // B's confirmation probe found it working: back. A was not probed at all.
    expect(upstream.withKey(B).map((request) => request.pathname)).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent', '/v1beta/models']);
    expect((await keyOf(B))?.state).toBe('active');
    expect(upstream.withKey(A)).toHaveLength(0);
  });

  it('the state file keeps a key disabled by hand across a restart', async () => {
    const stateFile = join(dir, 'state.json');
    await proxy.close();
    proxy = await start({ settings: { proxyKeys: [PROXY_KEY], stateFile } });
    await act(keyId(A), 'disable');
    await proxy.close();
    const saved = parseStateDocument(readFileSync(stateFile, 'utf8'));
    expect(saved).toMatchObject({ keys: { [keyId(A)]: { disabled: { reason: 'MANUAL', sinceMs: NOW, manual: true } } } });
    proxy = await start({ settings: { proxyKeys: [PROXY_KEY], stateFile } });
    await proxy.daemon.prober.probeAll();
    expect(await keyOf(A)).toMatchObject({ state: 'disabled', reason: 'MANUAL', manual: true });
    expect(upstream.withKey(A)).toHaveLength(0);
  });

  it('a key disabled by hand in one daemon is disabled by hand in another on the same state link', async () => {
    await proxy.close();
    const bus = new LinkBus();
    proxy = await start({ link: bus.link() });
    const other = await start({ link: bus.link() });
    try {
      // A is disabled by an answer first, then by hand: the second kind wins, here and there.
      upstream.next(fail('apiKeyInvalid'));
      expect(await keysUsed(1)).toEqual([A, B]);
      await act(keyId(A), 'disable');
      await other.daemon.prober.probeAll();
      const keys = await uiKeys(other.url);
      expect(keys.map((key) => [key.state, key.manual])).toEqual([['disabled', true], ['active', undefined], ['active', undefined]]);
      expect(upstream.withKey(A)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('the traffic: the proxy key as a bearer, the same refusals as the state, GET or HEAD only', async () => {
    const none = await uiCall(proxy.url, '/ui/api/traffic');
    expectUiError(none, 401, 'GP_UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expectUiError(await uiCall(proxy.url, '/ui/api/traffic', { token: 'not-the-key' }), 401, 'GP_UNAUTHORIZED');
    expectUiError(await uiCall(proxy.url, '/ui/api/traffic', { token: PROXY_KEY, headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'GP_FORBIDDEN');
    expectUiError(await uiCall(proxy.url, '/ui/api/traffic', { method: 'POST', token: PROXY_KEY }), 405, 'GP_METHOD_NOT_ALLOWED');
    const empty = await uiCall(proxy.url, '/ui/api/traffic', { token: PROXY_KEY });
    expect(empty.status).toBe(200);
    expectUiHeaders(empty);
    // The dashboard's own calls (and the refused ones above) are not traffic.
    expect(empty.json).toEqual({ nowMs: NOW, minutes: [], failures: [] });
    expect(upstream.requests).toHaveLength(0);
  });

  it('the traffic: requests by protocol and status, attempts by verdict, latency, and a failure with its trail and reason', async () => {
    const headers = { authorization: `Bearer ${PROXY_KEY}` };
    expect((await generate(proxy.url, headers)).status).toBe(200);
    // A retries on B (A is cooled); B's answer is Google's 400, which goes to the client.
    upstream.next(fail('quotaPerMinute'), fail('invalidArgument'));
    const failed = await generate(proxy.url, headers);
    expect(failed.status).toBe(400);
    const [first, second] = upstream.requests.slice(-2).map((request) => keyId(request.key ?? ''));
    const traffic = (await uiCall(proxy.url, '/ui/api/traffic', { token: PROXY_KEY })).json as unknown as TrafficSnapshot;
    expect(traffic.minutes).toEqual([{
      start: NOW,
      requests: { gemini: { '2xx': 1, '4xx': 1 } },
      attempts: { ok: 1, 'rate-limited': 1, 'client-error': 1 },
      latencyMs: { 4: 2 },
    }]);
    expect(traffic.failures).toEqual([{
      id: failed.headers['x-request-id'], at: NOW, protocol: 'gemini', route: 'gemini', model: 'gemini-2.5-flash', status: 400, ms: 0,
      attemptCount: 2,
      attempts: [
        { key: first, relay: new URL(upstream.url).origin, status: 429, verdict: 'rate-limited', reason: 'RESOURCE_EXHAUSTED', ms: 0 },
        { key: second, relay: new URL(upstream.url).origin, status: 400, verdict: 'client-error', reason: 'INVALID_ARGUMENT', ms: 0 },
      ],
      reason: 'INVALID_ARGUMENT',
    }]);
    // The request's log line carries the same trail, reasons included.
    const logged = proxy.logs.requests().find((line) => line['reqId'] === failed.headers['x-request-id']);
    expect(logged?.['attempts']).toMatchObject([{ verdict: 'rate-limited', reason: 'RESOURCE_EXHAUSTED' }, { verdict: 'client-error', reason: 'INVALID_ARGUMENT' }]);
  });

  it('the traffic holds no key, proxy key nor prompt text', async () => {
    const [prompt, wrongToken] = [canary(), canary()];
    upstream.forKey(A, fail('apiKeyInvalid', A)).forKey(B, fail('apiKeyInvalid', B)).forKey(C, fail('apiKeyInvalid', C));
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: prompt }] }] });
    const post = (authorization: string) => rawRequest(proxy.url, {
      method: 'POST', path: GENERATE_PATH, headers: { 'content-type': 'application/json', authorization }, body,
    });
    expect((await post(`Bearer ${PROXY_KEY}`)).status).toBeGreaterThanOrEqual(400);
    expect((await post(`Bearer ${wrongToken}`)).status).toBe(401);
    const traffic = await uiCall(proxy.url, '/ui/api/traffic', { token: PROXY_KEY });
    expect((traffic.json as unknown as TrafficSnapshot).failures.map((entry) => entry.status)).toEqual([401, expect.any(Number)]);
    expect((traffic.json as unknown as TrafficSnapshot).failures[1]?.attempts.map((entry) => entry.reason)).toContain('API_KEY_INVALID');
    for (const secret of [A, B, C, PROXY_KEY, prompt, wrongToken]) {
      for (const form of forms(secret)) expect(JSON.stringify([traffic.headers, traffic.body])).not.toContain(form);
    }
  });

  it('never shows a key: not in the page, the API answers nor the logs', async () => {
    upstream.forKey(B, fail('apiKeyInvalid', B));
    await keysUsed(2);
    const answers = await Promise.all(['/ui', '/ui/app.js', '/ui/app.css'].map((path) => rawRequest(proxy.url, { path })));
    const calls = [await act(keyId(A), 'disable'), await act(keyId(B), 'probe'), await act(keyId(A), 'enable'), await uiCall(proxy.url, '/ui/api/state', { token: PROXY_KEY })];
    expectUnseen([A, B, C], [...answers, ...calls].map((answer) => [answer.headers, answer.body]), proxy.logs);
  });
});

/** This machine's first address that is not loopback, to call the daemon from "another machine". */
function outsideAddress(): string {
  const address = Object.values(networkInterfaces()).flat().find((entry) => entry?.family === 'IPv4' && !entry.internal);
  if (address === undefined) throw new Error('this test needs a network interface besides loopback');
  return address.address;
}

describe('the dashboard without a proxy key', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;

  beforeEach(async () => {
    upstream = await FakeGemini.start();
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('is open on loopback, to a page that names loopback (not to a rebound DNS name)', async () => {
    proxy = await startProxy({ keys: [A], relays: [upstream.url] });
    expect((await uiKeys(proxy.url, undefined)).map((key) => key.id)).toEqual([keyId(A)]);
    const port = new URL(proxy.url).port;
    expect((await uiCall(proxy.url, '/ui/api/state', { headers: { host: `localhost:${port}` } })).status).toBe(200);
    expectUiError(await uiCall(proxy.url, '/ui/api/state', { headers: { host: `rebound.example:${port}` } }), 403, 'GP_FORBIDDEN');
    expectUiError(await uiCall(proxy.url, '/ui', { headers: { host: `rebound.example:${port}` } }), 403, 'GP_FORBIDDEN');
    expect((await uiCall(proxy.url, '/ui/api/traffic')).status).toBe(200);
    expectUiError(await uiCall(proxy.url, '/ui/api/traffic', { headers: { host: `rebound.example:${port}` } }), 403, 'GP_FORBIDDEN');
  });

  it('refuses the page and its API to another machine', async () => {
    proxy = await startProxy({ keys: [A], relays: [upstream.url], settings: { host: '0.0.0.0' } });
    const outside = `http://${outsideAddress()}:${new URL(proxy.url).port}`;
    expectUiError(await uiCall(outside, '/ui'), 403, 'GP_FORBIDDEN');
    expectUiError(await uiCall(outside, '/ui/api/state'), 403, 'GP_FORBIDDEN');
    expectUiError(await uiCall(outside, '/ui/api/traffic'), 403, 'GP_FORBIDDEN');
    expectUiError(await uiCall(outside, `/ui/api/keys/${keyId(A)}/disable`, { method: 'POST' }), 403, 'GP_FORBIDDEN');
    expect(proxy.daemon.rotator.keys[0]?.disabled).toBeUndefined();
  });
});

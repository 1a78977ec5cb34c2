/**
 * The relay rows and the client rows of the error policy: a broken relay sends the request to
 * the next relay; a bad request goes back to the client with nothing blamed and no retry.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, hang, html, redirect, reset } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { closedPort, generate } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const KEYS = ['key-one', 'key-two'];

describe('error policy: relays', () => {
  let first: FakeGemini;
  let second: FakeGemini;
  let proxy: TestProxy;

  // A plain-http relay's id is its origin.
  const relayState = async (url: string) => (await proxy.status()).relays.find((relay) => relay.id === url);

  beforeEach(async () => {
    first = await FakeGemini.start();
    second = await FakeGemini.start();
    proxy = await startProxy({ keys: KEYS, relays: [first.url, second.url] });
  });

  afterEach(async () => {
    await proxy.close();
    await Promise.all([first.close(), second.close()]);
  });

  it.each([
    ['a connection reset', reset()],
    ['an HTML 429 (no Google error body)', html(429)],
    ['an HTML 502', html(502)],
    ['a 401 from the relay itself', html(401)],
    ['400 FAILED_PRECONDITION "User location is not supported"', fail('locationUnsupported')],
  ] as const)('%s: marks the relay unhealthy and moves to the next relay', async (_label, behaviour) => {
    first.next(behaviour);
    const response = await generate(proxy.url);
    expect(response.status).toBe(200);
    expect(first.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(1);
    expect((await relayState(first.url))?.state).toBe('unhealthy');
    expect((await proxy.status()).keys.every((key) => key.state === 'active')).toBe(true);
  });

  it('connection refused: the next relay serves; the dead one is skipped while it is unhealthy', async () => {
    await proxy.close();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    proxy = await startProxy({ keys: KEYS, relays: [dead, second.url] });
    expect((await generate(proxy.url)).status).toBe(200);
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line['attempts']).toMatchObject([{ code: 'ECONNREFUSED', verdict: 'relay-failure' }, { verdict: 'ok' }]);
    for (let i = 0; i < 3; i++) expect((await generate(proxy.url)).status).toBe(200);
    expect(second.requests).toHaveLength(4);
    expect(proxy.logs.requests().slice(1).every((entry) => (entry['attempts'] as unknown[]).length === 1)).toBe(true);
  });

  it('a redirect is never followed; the next relay serves', async () => {
    const elsewhere = await FakeGemini.start();
    first.next(redirect(`${elsewhere.url}/v1beta/models/gemini-2.5-flash:generateContent`));
    expect((await generate(proxy.url)).status).toBe(200);
    expect(elsewhere.requests).toHaveLength(0);
    await elsewhere.close();
  });

  it('a lone relay that redirects: 502, and the redirect never reaches the client', async () => {
    await proxy.close();
    proxy = await startProxy({ keys: KEYS, relays: [first.url] });
    first.next(redirect('http://127.0.0.1:9/elsewhere'));
    const response = await generate(proxy.url);
    expect(response.status).toBe(502);
    expect(response.headers.location).toBeUndefined();
  });

  it('no response headers within --headers-timeout: the relay is unhealthy, the next relay serves', async () => {
    await proxy.close();
    proxy = await startProxy({ keys: KEYS, relays: [first.url, second.url], settings: { headersTimeoutMs: 200 } });
    first.next(hang());
    expect((await generate(proxy.url)).status).toBe(200);
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line['attempts']).toMatchObject([{ code: 'UND_ERR_HEADERS_TIMEOUT', verdict: 'relay-failure' }, { verdict: 'ok' }]);
  });

  it('a TLS failure (https to a plain-http port): the next relay serves', async () => {
    await proxy.close();
    proxy = await startProxy({ keys: KEYS, relays: [first.url.replace('http:', 'https:'), second.url] });
    expect((await generate(proxy.url)).status).toBe(200);
    expect(first.requests).toHaveLength(0);
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line['attempts']).toMatchObject([{ verdict: 'relay-failure' }, { verdict: 'ok' }]);
  });

  it('every relay failing: 502 in Gemini\'s shape, keys untouched', async () => {
    first.next(reset());
    second.next(reset());
    const response = await generate(proxy.url);
    expect(response.status).toBe(502);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 502, details: [{ reason: 'GP_UPSTREAM_UNREACHABLE' }] } });
    expect((await proxy.status()).keys.every((key) => key.state === 'active')).toBe(true);
  });

  it('a lone unhealthy relay is still tried rather than refusing everyone', async () => {
    await proxy.close();
    proxy = await startProxy({ keys: KEYS, relays: [first.url] });
    first.next(reset());
    expect((await generate(proxy.url)).status).toBe(502);
    expect((await proxy.status()).relays[0]?.state).toBe('unhealthy');
    expect((await generate(proxy.url)).status).toBe(200);
    expect((await proxy.status()).relays[0]?.state).toBe('healthy');
  });

  it('the request deadline covers every attempt: a hanging upstream gives 504 and is aborted', async () => {
    await proxy.close();
    proxy = await startProxy({ keys: KEYS, relays: [first.url], settings: { requestTimeoutMs: 300 } });
    first.next(hang());
    const response = await generate(proxy.url);
    expect(response.status).toBe(504);
    expect(JSON.parse(response.body)).toMatchObject({ error: { status: 'DEADLINE_EXCEEDED' } });
    await first.requests[0]?.closed;
    expect(first.requests[0]?.closedEarly).toBe(true);
    expect(first.requests).toHaveLength(1);
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line).toMatchObject({ status: 504, attempts: [{ code: 'GP_DEADLINE_EXCEEDED', verdict: 'aborted' }] });
  });
});

describe('error policy: the client\'s own errors', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    proxy = await startProxy({ keys: KEYS, relays: [upstream.url] });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it.each([
    ['400 INVALID_ARGUMENT', 'invalidArgument'],
    ['404 unknown model', 'modelNotFound'],
    ['413 payload too large', 'payloadTooLarge'],
    ['403 another project\'s file', 'fileOfAnotherProject'],
  ] as const)('%s: returned as Google sent it, no retry, nothing blamed', async (_label, fixture) => {
    upstream.next(fail(fixture));
    const response = await generate(proxy.url);
    const expected = (await import('../fixtures/gemini-errors.js')).FIXTURES[fixture]();
    expect(response.status).toBe(expected.status);
    expect(JSON.parse(response.body)).toEqual(expected.body);
    expect(upstream.requests).toHaveLength(1);
    const status = await proxy.status();
    expect(status.keys.map((key) => [key.state, key.failures])).toEqual([['active', 0], ['active', 0]]);
    expect(status.relays[0]).toMatchObject({ state: 'healthy', consecutiveFailures: 0 });
  });

  it('many malformed requests in a row never change any key', async () => {
    upstream.setDefault(fail('invalidArgument'));
    for (let i = 0; i < 10; i++) expect((await generate(proxy.url)).status).toBe(400);
    expect(upstream.requests).toHaveLength(10);
    expect((await proxy.status()).keys.every((key) => key.state === 'active' && key.failures === 0)).toBe(true);
  });
});

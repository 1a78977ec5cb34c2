/**
 * Canary keys through every row of the policy: a key may appear only in the upstream's
 * `x-goog-api-key` header, never in a URL, a log line, a response or an error message.
 */

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureName } from '../fixtures/gemini-errors.js';
import { controlledStream, fail, hang, html, reset } from '../support/behaviours.js';
import { FakeGemini, type Behaviour } from '../support/fake-gemini.js';
import { STREAM_PATH, closedPort, generate, rawRequest, type RawResponse } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const canary = (): string => `CANARY-${randomBytes(12).toString('hex')}`;
const KEYS = [canary(), canary(), canary(), canary()];
const TOKEN = canary();

/** Every way a secret could be written down. */
function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), secret.slice(7)];
}

describe('secrets stay secret', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;
  const responses: RawResponse[] = [];
  const auth = { 'x-goog-api-key': TOKEN };
  /** Every row must reach the upstream, so keys disabled or cooled by the last row come back. */
  const send = async (): Promise<void> => {
    for (const record of proxy.daemon.rotator.keys) {
      proxy.daemon.rotator.enable(record, 'test');
      record.cooling.clear();
    }
    responses.push(await generate(proxy.url, auth));
  };

  beforeAll(async () => {
    upstream = await FakeGemini.start();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    proxy = await startProxy({
      keys: KEYS, relays: [dead, upstream.url], settings: { proxyKeys: [TOKEN], requestTimeoutMs: 400 },
    });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('drives every policy row with canary keys', async () => {
    const echoing: FixtureName[] = ['apiKeyInvalid', 'suspended'];
    const plain: FixtureName[] = [
      'leaked', 'unauthenticated', 'quotaPerMinute', 'quotaPerDay', 'quotaBare', 'modelNotFound', 'invalidArgument',
      'payloadTooLarge', 'locationUnsupported', 'internal', 'overloaded', 'deadlineExceeded', 'fileOfAnotherProject',
    ];
    for (const name of echoing) {
      // Google echoes the key it was sent; the fake does the same with whichever key it got.
      upstream.next((request, res) => fail(name, request.key ?? '')(request, res));
      await send();
    }
    // A client error whose body names the key goes to the client as Google sent it, scrubbed.
    upstream.next((request, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message: `Bad request for key ${request.key}` } }));
    });
    await send();
    expect(responses.at(-1)?.body).toContain('Bad request for key [redacted]');
    // Every attempt rejected as an invalid key: the proxy answers for its keys (503).
    const echo: Behaviour = (request, res) => fail('apiKeyInvalid', request.key ?? '')(request, res);
    upstream.next(echo, echo, echo);
    await send();
    expect(responses.at(-1)?.status).toBe(503);
    for (const name of plain) {
      upstream.next(fail(name));
      await send();
    }
    for (const behaviour of [reset(), html(404), html(502), hang()]) {
      upstream.next(behaviour);
      await send();
    }
    const stream = controlledStream();
    upstream.next(stream.behaviour);
    const streaming = fetch(`${proxy.url}${STREAM_PATH}`, { method: 'POST', headers: auth, body: '{}' });
    await stream.started;
    stream.send('partial');
    stream.cut();
    await streaming.then((response) => response.text()).catch(() => undefined);
    upstream.next(fail('apiKeyInvalid'));
    await send();
    responses.push(await generate(proxy.url, { 'x-goog-api-key': `${TOKEN}x` }));
    responses.push(await rawRequest(proxy.url, { path: '/status', headers: auth }));
    upstream.setDefault((request, res) => fail('suspended', request.key ?? '')(request, res));
    await proxy.daemon.prober.probeAll();
    expect(proxy.logs.events('key-disabled').length).toBeGreaterThan(4);
    expect(responses.length).toBeGreaterThan(20);
    expect(upstream.requests.length).toBeGreaterThan(20);
  });

  it('no key or token in any response, header or body', () => {
    const text = JSON.stringify(responses);
    for (const secret of [...KEYS, TOKEN]) {
      for (const form of forms(secret)) expect(text).not.toContain(form);
    }
  });

  it('no key or token in any log line', () => {
    const text = proxy.logs.raw.join('\n');
    expect(proxy.logs.lines.length).toBeGreaterThan(20);
    for (const secret of [...KEYS, TOKEN]) {
      for (const form of forms(secret)) expect(text).not.toContain(form);
    }
  });

  it('keys reached the upstream only in the x-goog-api-key header', () => {
    for (const request of upstream.requests) {
      expect(KEYS).toContain(request.key);
      const { 'x-goog-api-key': _key, ...others } = request.headers;
      const elsewhere = JSON.stringify([request.url, others, request.body]);
      for (const secret of [...KEYS, TOKEN]) expect(elsewhere).not.toContain(secret);
    }
  });
});

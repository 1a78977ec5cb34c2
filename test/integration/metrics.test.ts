/** GET /metrics: Prometheus text behind the proxy key, counting what the proxy did. */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlledStream, fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { GENERATE_BODY, STREAM_PATH, generate, rawRequest } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const TOKEN = 'metrics-token';
const auth = { authorization: `Bearer ${TOKEN}` };

/** The value of one sample line, by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;

  const scrape = async (): Promise<string> => {
    const response = await rawRequest(proxy.url, { path: '/metrics', headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
    return response.body;
  };

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    proxy = await startProxy({ keys: ['m-key-1', 'm-key-2'], relays: [upstream.url], settings: { proxyKeys: [TOKEN] } });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('needs the proxy key', async () => {
    expect((await rawRequest(proxy.url, { path: '/metrics' })).status).toBe(401);
  });

  it('counts requests by protocol, route and status, attempts by verdict, and times them', async () => {
    upstream.next(fail('quotaPerMinute', '30s'));
    expect((await generate(proxy.url, auth)).status).toBe(200);
    expect((await generate(proxy.url, {})).status).toBe(401);
    const text = await scrape();
    expect(sample(text, 'gemini_proxy_requests_total{protocol="gemini",route="gemini",status="200"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_requests_total{protocol="gemini",route="gemini",status="401"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_upstream_attempts_total{verdict="rate-limited"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_upstream_attempts_total{verdict="ok"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_request_duration_seconds_count{protocol="gemini"}')).toBe(2);
    expect(sample(text, 'gemini_proxy_request_duration_seconds_bucket{protocol="gemini",le="+Inf"}')).toBe(2);
    expect(sample(text, 'gemini_proxy_keys{state="cooling"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_keys{state="active"}')).toBe(1);
    expect(sample(text, 'gemini_proxy_relays{state="healthy"}')).toBe(1);
    expect(text).toContain('# TYPE gemini_proxy_request_duration_seconds histogram');
    expect(text).not.toContain('m-key-1');
  });

  it('a path no route matches is counted without a protocol', async () => {
    await rawRequest(proxy.url, { path: '/nothing/here' });
    expect(sample(await scrape(), 'gemini_proxy_requests_total{protocol="none",route="none",status="404"}')).toBe(1);
  });

  it('shows open streams while they last', async () => {
    const stream = controlledStream();
    upstream.next(stream.behaviour);
    const opening = fetch(`${proxy.url}${STREAM_PATH}`, { method: 'POST', headers: auth, body: GENERATE_BODY });
    // The proxy holds a stream's headers until its first content (issue 12 §4).
    await stream.started;
    stream.send('one');
    const reader = (await opening).body!.getReader();
    await reader.read();
    expect(sample(await scrape(), 'gemini_proxy_streams_open')).toBe(1);
    stream.send('two', 'STOP');
    stream.end();
    while (!(await reader.read()).done);
    await proxy.logs.waitFor((line) => line.msg === 'request' && line['path'] !== '/metrics');
    expect(sample(await scrape(), 'gemini_proxy_streams_open')).toBe(0);
  });
});

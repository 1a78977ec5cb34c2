/**
 * The OpenAI Responses API on the wire: the exact SSE event order with `event:` lines and a
 * growing `sequence_number`, an upstream failure mid-stream ending in `response.failed` (raw and
 * through the SDK), and canary keys that never reach an answer, a header or a log line.
 */

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { checkStream, parseFrames } from '../fixtures/responses/stream-check.js';
import { controlledStream, fail } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { canary, expectKeysOnlyInHeader, expectUnseen } from '../support/canary.js';
import { withProxy } from '../support/harness.js';
import { rawRequest, type RawResponse } from '../support/http.js';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'text/event-stream' };

function post(base: string, body: unknown, headers: Record<string, string> = JSON_HEADERS, path = '/v1/responses'): Promise<RawResponse> {
  return rawRequest(base, { method: 'POST', path, headers, body: JSON.stringify(body) });
}

/** A streamed response read as it comes: `until` reads on until the text so far passes `test`, `rest` to the end. */
async function openStream(url: string, body: unknown): Promise<{ until: (test: (text: string) => boolean) => Promise<string>; rest: () => Promise<string> }> {
  const response = await fetch(url, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  let text = '';
  const until = async (test: (text: string) => boolean): Promise<string> => {
    while (!test(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    return text;
  };
  return { until, rest: () => until(() => false) };
}

describe('Responses SSE on the wire', () => {
  const h = withProxy({ keys: ['pool-a'] });

  it('the exact event order, each with an event: line naming its type and the next sequence number', async () => {
    const response = await post(h.proxy.url, { model: 'gemini-2.5-flash', input: 'order', stream: true });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const { events } = checkStream(response.body);
    expect(events.map((event) => [event.sequence_number, event.type])).toEqual([
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.delta', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
    ].map((type, index) => [index, type]));
    for (const frame of response.body.slice(0, -2).split('\n\n')) {
      const [eventLine, dataLine] = frame.split('\n');
      expect(JSON.parse(dataLine?.slice('data: '.length) ?? '')).toMatchObject({ type: eventLine?.slice('event: '.length) });
    }
    expect(events.map((event) => event['delta']).filter(Boolean)).toEqual(['Hello', ' from', ' fake Gemini: order']);
    expect(events.at(-1)).toMatchObject({
      response: { id: expect.stringMatching(/^resp_/), status: 'completed', usage: { input_tokens: 4, output_tokens: 3, total_tokens: 7 } },
    });
    expect(response.body).not.toContain('[DONE]');
  });

  it('under /openai/v1 too, and not streamed: one JSON response object', async () => {
    const response = await post(h.proxy.url, { model: 'gemini-2.5-flash', input: 'whole' }, JSON_HEADERS, '/openai/v1/responses');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toMatchObject({
      object: 'response', status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hello from fake Gemini: whole' }] }],
    });
  });

  it('an upstream failure mid-stream: the text so far, then response.failed as the last event', async () => {
    const upstream = controlledStream();
    h.upstream.next(upstream.behaviour);
    const opening = openStream(`${h.proxy.url}/v1/responses`, { model: 'gemini-2.5-flash', input: 'cut', stream: true });
    await upstream.started;
    upstream.send('partial');
    const stream = await opening;
    await stream.until((text) => text.includes('"delta":"partial"'));
    upstream.cut();
    const { events } = checkStream(await stream.rest());
    expect(events.map((event) => event.type).slice(-2)).toEqual(['response.output_text.delta', 'response.failed']);
    expect(events.at(-1)).toMatchObject({ response: { status: 'failed', error: { code: 'server_error', message: expect.any(String) } } });
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('the SDK surfaces the failure: response.failed, and a final response whose error says why', async () => {
    const upstream = controlledStream();
    h.upstream.next(upstream.behaviour);
    const client = new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
    const stream = client.responses.stream({ model: 'gemini-2.5-flash', input: 'cut' });
    stream.on('response.output_text.delta', () => upstream.cut());
    const failed: OpenAI.Responses.ResponseFailedEvent[] = [];
    stream.on('response.failed', (event) => failed.push(event));
    await upstream.started;
    upstream.send('partial');
    const final = await stream.finalResponse();
    expect(failed).toHaveLength(1);
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'server_error', message: expect.stringMatching(/./) });
  });
});

describe('canary keys stay secret on the Responses route', () => {
  const KEYS = [canary(), canary(), canary()];
  const SECRET = canary();
  const h = withProxy({ keys: KEYS, settings: { proxyKeys: [SECRET] } });
  const echo = (name: 'apiKeyInvalid' | 'suspended'): Behaviour => (request, res) => fail(name, request.key ?? '')(request, res);
  const auth = { ...JSON_HEADERS, authorization: `Bearer ${SECRET}` };
  const body = { model: 'gemini-2.5-flash', input: 'x', tools: [{ type: 'custom', name: 'exec' }] };

  it('no key or token in any answer, header or log line; keys only in x-goog-api-key upstream', async () => {
    const responses: RawResponse[] = [];
    const send = async (fields: Record<string, unknown> = {}, headers: Record<string, string> = auth): Promise<void> => {
      for (const record of h.proxy.daemon.rotator.keys) {
        h.proxy.daemon.rotator.enable(record, 'test');
        record.cooling.clear();
      }
      responses.push(await post(h.proxy.url, { ...body, ...fields }, headers));
    };
    await send();
    await send({ stream: true });
    h.upstream.next(echo('apiKeyInvalid'));
    await send();
    h.upstream.next(echo('suspended'));
    await send({ stream: true });
    h.upstream.next(echo('apiKeyInvalid'), echo('apiKeyInvalid'), echo('apiKeyInvalid'));
    await send({ stream: true });
    h.upstream.next((request, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message: `Bad request for key ${request.key}` } }));
    });
    await send();
    expect(responses.at(-1)?.body).toContain('[redacted]');
    h.upstream.next(fail('quotaPerMinute'), fail('quotaPerMinute'), fail('quotaPerMinute'));
    await send();
    await send({}, { ...auth, authorization: `Bearer ${SECRET}x` });
    await send({ input: [] });
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 503, 400, 429, 401, 400]);
    expect(parseFrames(responses[1]?.body ?? '').at(-1)?.type).toBe('response.completed');

    expectUnseen([...KEYS, SECRET], responses, h.proxy.logs);
    expectKeysOnlyInHeader(h.upstream.requests, KEYS, [...KEYS, SECRET]);
  });
});

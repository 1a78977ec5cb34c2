/** The OpenAI API at its edges: sharing /v1 with Gemini, odd input, batching, error shapes. */

import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail } from '../support/behaviours.js';
import { FakeGemini, type Behaviour } from '../support/fake-gemini.js';
import { rawRequest } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function streamedCall(name: string, args: Record<string, unknown>): Behaviour {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name, args }, thoughtSignature: 'c2ln' }] }, finishReason: 'STOP', index: 0 }] };
    res.end(`data: ${JSON.stringify(event)}\r\n\r\n`);
  };
}

describe('OpenAI API edges', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;
  let client: OpenAI;
  const sent = (index = 0): Record<string, unknown> => upstream.sentJson(index);

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    proxy = await startProxy({ keys: ['k1', 'k2'], relays: [upstream.url] });
    client = new OpenAI({ apiKey: 'x', baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('Gemini calls under /v1/models/… still reach Gemini when both APIs are served', async () => {
    const ai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: proxy.url, apiVersion: 'v1' } });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'v1 call' });
    expect(response.text).toBe('Hello from fake Gemini: v1 call');
    expect(upstream.requests[0]?.pathname).toBe('/v1/models/gemini-2.5-flash:generateContent');
  });

  it('a model id that is not valid percent-encoding is a 404, without an upstream call', async () => {
    const response = await rawRequest(proxy.url, { path: '/v1/models/%E0%A4%A' });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'model_not_found' } });
    expect(upstream.requests).toHaveLength(0);
  });

  it('deeply nested input is a 400, not a 500, before any key is used', async () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 500; i++) deep = { type: 'object', properties: { x: deep } };
    const error = await client.chat.completions.create({
      model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: deep } }],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(upstream.requests).toHaveLength(0);
  });

  it('Google\'s 400 comes back as a BadRequestError with Google\'s message', async () => {
    upstream.next(fail('invalidArgument'));
    const error = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect((error as Error).message).toContain('Unknown name "stream"');
  });

  it('Google\'s final 5xx tells the SDK not to retry', async () => {
    upstream.setDefault(fail('overloaded'));
    const response = await rawRequest(proxy.url, {
      method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(503);
    expect(response.headers['x-should-retry']).toBe('false');
  });

  it('a streamed tool call passes the SDK\'s stream helper, and its result goes back', async () => {
    upstream.next(streamedCall('lookup', { q: 'cats' }));
    const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
    const final = await client.chat.completions.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'find cats' }], tools }).finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function).toEqual({ name: 'lookup', arguments: '{"q":"cats"}' });
    await client.chat.completions.create({
      model: 'gemini-2.5-flash', tools,
      messages: [{ role: 'user', content: 'find cats' }, final.choices[0]!.message as OpenAI.Chat.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: call?.id ?? '', content: 'three cats' }],
    });
    expect((sent(1)['contents'] as unknown[]).slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'lookup', args: { q: 'cats' } }, thoughtSignature: 'c2ln' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { output: 'three cats' } } }] },
    ]);
  });

  it('tool_choice without tools sends no toolConfig', async () => {
    await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }], tool_choice: 'required' });
    expect(sent()['toolConfig']).toBeUndefined();
  });

  it('an image\'s type comes from its bytes, not from what the data URL says', async () => {
    await client.chat.completions.create({
      model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/jpg;base64,${PNG}` } }] }],
    });
    expect(sent()['contents']).toEqual([{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG } }] }]);
  });

  it('more than 100 embedding inputs go up in batches of 100 and come back in order', async () => {
    const input = Array.from({ length: 230 }, (_, i) => `text ${i}`);
    const result = await client.embeddings.create({ model: 'gemini-embedding-001', input, encoding_format: 'float' });
    expect(result.data).toHaveLength(230);
    expect(result.data.map((item) => item.index)).toEqual(input.map((_, i) => i));
    expect(result.data[100]?.embedding).toEqual([0, 0.5, 0.25]);
    expect(upstream.requests.map((request) => (JSON.parse(request.body) as { requests: unknown[] }).requests.length)).toEqual([100, 100, 30]);
  });

  it('under /openai/v1: embeddings and models work, and an unknown route answers in OpenAI\'s shape', async () => {
    const prefixed = new OpenAI({ apiKey: 'x', baseURL: `${proxy.url}/openai/v1`, maxRetries: 0 });
    expect((await prefixed.embeddings.create({ model: 'gemini-embedding-001', input: 'a' })).data).toHaveLength(1);
    expect((await prefixed.models.retrieve('gemini-2.5-flash')).id).toBe('gemini-2.5-flash');
    const response = await rawRequest(proxy.url, { path: '/openai/v1/files' });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'GP_NOT_FOUND' } });
  });

  it('under /v1: a path outside Gemini\'s collections is an OpenAI client\'s, and its 404 is in OpenAI\'s shape', async () => {
    for (const path of ['/v1/completions/x', '/v1/audio/transcriptions', '/v1/assistants']) {
      const response = await rawRequest(proxy.url, { path, method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(404);
      expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'GP_NOT_FOUND' } });
    }
    expect(upstream.requests).toHaveLength(0);
    // A Gemini collection under /v1 still goes to Gemini, and its error is Google's shape.
    const files = await rawRequest(proxy.url, { path: '/v1/files/abc' });
    expect(JSON.parse(files.body)).toHaveProperty('error.status');
    expect(upstream.requests).toHaveLength(1);
  });
});

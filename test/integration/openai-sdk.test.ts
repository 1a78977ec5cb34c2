/** The official `openai` SDK, pointed at the proxy, with the fake Gemini behind it. */

import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunk, fail } from '../support/behaviours.js';
import { FakeGemini, type Behaviour } from '../support/fake-gemini.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const TOKEN = 'openai-client-token';
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const SIGNATURE = 'c2lnbmF0dXJlLW9mLXRoZS1jYWxs';

function json(body: unknown): Behaviour {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

const weatherCall = json({
  candidates: [{
    content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }] },
    finishReason: 'STOP', index: 0,
  }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
});

describe('openai SDK through the proxy', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;
  let client: OpenAI;

  const sent = (index = 0): Record<string, unknown> => upstream.sentJson(index);

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    proxy = await startProxy({
      keys: ['pool-a', 'pool-b'], relays: [upstream.url], settings: { proxyKeys: [TOKEN] },
      aliases: { 'gpt-4o-mini': 'gemini-2.5-flash' },
    });
    client = new OpenAI({ apiKey: TOKEN, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('chat: system and user messages in, an assistant message and usage out', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'ping' }],
      temperature: 0.2, max_tokens: 50, stop: 'END',
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hello from fake Gemini: ping' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
    expect(upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    const line = await proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line).toMatchObject({ protocol: 'openai', model: 'gemini-2.5-flash', status: 200 });
    expect(line['bytesIn']).toBeGreaterThan(50);
    expect(sent()).toMatchObject({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'ping' }] }],
      generationConfig: { temperature: 0.2, maxOutputTokens: 50, stopSequences: ['END'] },
    });
  });

  it('streamed chat: chunks with the role first, then usage, then [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'stream it' }], stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const item of stream) chunks.push(item);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((item) => item.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello from fake Gemini: stream it');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 7 } });
    expect(upstream.requests[0]?.query.get('alt')).toBe('sse');
  });

  it('the SDK\'s strict stream helper accepts the stream', async () => {
    const stream = client.chat.completions.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'helper' }] });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('Hello from fake Gemini: helper');
  });

  it('a full tool round trip keeps the thought signature', async () => {
    const tools: OpenAI.Chat.ChatCompletionTool[] = [{
      type: 'function',
      function: { name: 'get_weather', description: 'Weather', parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
    }];
    upstream.next(weatherCall);
    const first = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, tool_choice: 'auto' });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(sent(0)).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    });
    expect(JSON.stringify(sent(0))).not.toContain('$schema');

    const second = await client.chat.completions.create({
      model: 'gemini-2.5-flash', tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: first.choices[0]?.message.tool_calls },
        { role: 'tool', tool_call_id: call?.id ?? '', content: '{"temp":20}' },
      ],
    });
    expect(second.choices[0]?.message.content).toContain('Hello from fake Gemini');
    expect(sent(1)['contents']).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 20 } } }] },
    ]);
  });

  it('an image as a data URL becomes inline data', async () => {
    await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } }] }],
    });
    expect(sent()['contents']).toEqual([{ role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: PNG_1PX } }] }]);
  });

  it('json_schema response format: the cleaned schema and JSON MIME type go upstream', async () => {
    await client.chat.completions.create({
      model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false } } },
    });
    expect(sent()['generationConfig']).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    });
  });

  it('embeddings, base64 (the SDK default) and float', async () => {
    const base64 = await client.embeddings.create({ model: 'gemini-embedding-001', input: ['a', 'b'] });
    expect(base64.data.map((item) => item.embedding)).toEqual([[0, 0.5, 0.25], [1, 0.5, 0.25]]);
    const float = await client.embeddings.create({ model: 'gemini-embedding-001', input: 'c', encoding_format: 'float', dimensions: 3 });
    expect(float.data[0]?.embedding).toEqual([0, 0.5, 0.25]);
    expect(upstream.requests[1]?.pathname).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(sent(1)).toEqual({ requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'c' }] }, outputDimensionality: 3 }] });
  });

  it('models: listed without the models/ prefix, aliases included, and retrieved one by one', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gemini-2.5-flash', 'gemini-2.5-flash-search', 'gemini-embedding-001', 'gpt-4o-mini']);
    expect((await client.models.retrieve('gemini-2.5-flash')).id).toBe('gemini-2.5-flash');
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(upstream.requests).toHaveLength(1); // the list is cached
  });

  it('an alias from the [models] map reaches Gemini as its model', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.model).toBe('gpt-4o-mini');
    expect(upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });

  it('a malformed request is a BadRequestError naming the field, before any key is used', async () => {
    const error = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'messages', type: 'invalid_request_error' });
    const bad = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '{not json' } }] }],
    }).catch((caught: unknown) => caught);
    expect(bad).toMatchObject({ status: 400, param: 'messages[0].tool_calls[0].function.arguments' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('every key rate-limited: a RateLimitError with Retry-After', async () => {
    upstream.setDefault(fail('quotaPerMinute', '30s'));
    const error = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('30');
  });

  it('a wrong proxy key is an AuthenticationError; an unknown model a NotFoundError', async () => {
    const stranger = new OpenAI({ apiKey: 'wrong', baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    await expect(stranger.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }))
      .rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }))
      .rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('the same API under /openai/v1', async () => {
    const prefixed = new OpenAI({ apiKey: TOKEN, baseURL: `${proxy.url}/openai/v1`, maxRetries: 0 });
    const completion = await prefixed.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'prefixed' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello from fake Gemini: prefixed');
  });

  it('an upstream failure mid-stream ends the stream with an error event, never a second generation', async () => {
    upstream.next((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk('partial'))}\r\n\r\n`);
      res.end('{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}');
    });
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }], stream: true });
    const texts: string[] = [];
    const error = await (async () => {
      for await (const item of stream) texts.push(item.choices[0]?.delta.content ?? '');
    })().catch((caught: unknown) => caught);
    expect(texts.join('')).toBe('partial');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(upstream.requests).toHaveLength(1);
  });

  it('an upstream 200 that is not JSON is a 502, not a 500', async () => {
    upstream.next((_request, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops'));
    const error = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 502, type: 'server_error' });
    expect(proxy.logs.lines.some((line) => line.level === 'error')).toBe(false);
  });
});

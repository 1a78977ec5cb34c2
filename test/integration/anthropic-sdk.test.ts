/** The official `@anthropic-ai/sdk`, pointed at the proxy, with the fake Gemini behind it. */

import Anthropic from '@anthropic-ai/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { chunk, fail } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { withProxy } from '../support/harness.js';

const TOKEN = 'anthropic-client-token';
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
/** Standard base64 with `+`, `/` and padding: the tool_use id must carry it and give it back intact. */
const SIGNATURE = Buffer.concat([Buffer.from('signature-of-the-call'), Buffer.from([0xfb, 0xff, 0xbf, 1])]).toString('base64');
/** Not on the SDK's list of deprecated models, which it warns about on stderr. */
const SONNET = 'claude-sonnet-4-6';

function json(body: unknown): Behaviour {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

function answer(parts: Record<string, unknown>[]): Behaviour {
  return json({
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  });
}

const weatherTool: Anthropic.Tool = {
  name: 'get_weather', description: 'Weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.unreachable('the request succeeded'), (caught: unknown) => caught);
}

describe('@anthropic-ai/sdk through the proxy', () => {
  const h = withProxy({ keys: ['pool-a', 'pool-b'], settings: { proxyKeys: [TOKEN] } });
  let client: Anthropic;
  const sent = (index = 0): Record<string, unknown> => h.upstream.sentJson(index);

  beforeEach(() => {
    client = new Anthropic({ apiKey: TOKEN, baseURL: h.proxy.url, maxRetries: 0 });
  });

  it('a message: system blocks and parameters in, text and usage out', async () => {
    // This SDK's types have no `temperature`; it still sends what it is given, as a client of an older SDK would.
    const sampling = { temperature: 0.2 };
    const message = await client.messages.create({
      ...sampling, model: SONNET, max_tokens: 50, stop_sequences: ['END'],
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Be kind.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect(message).toMatchObject({
      type: 'message', role: 'assistant', model: SONNET, stop_reason: 'end_turn', stop_sequence: null,
      content: [{ type: 'text', text: 'Hello from fake Gemini: ping' }],
      usage: { input_tokens: 4, output_tokens: 3 },
    });
    expect(message.id).toMatch(/^msg_/);
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent()).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Be kind.' }] },
      contents: [{ role: 'user', parts: [{ text: 'ping' }] }],
      generationConfig: { maxOutputTokens: 50, temperature: 0.2, stopSequences: ['END'] },
    });
    const line = await h.proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line).toMatchObject({ protocol: 'anthropic', status: 200 });
  });

  it('a stream through messages.stream(): text events, and the final message assembled', async () => {
    const stream = client.messages.stream({ model: SONNET, max_tokens: 100, messages: [{ role: 'user', content: 'stream it' }] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const final = await stream.finalMessage();
    expect(texts).toEqual(['Hello', ' from', ' fake Gemini: stream it']);
    expect(final).toMatchObject({
      role: 'assistant', model: SONNET, stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Hello from fake Gemini: stream it' }],
      usage: { input_tokens: 4, output_tokens: 3 },
    });
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(h.upstream.requests[0]?.query.get('alt')).toBe('sse');
  });

  it('a tool_use → tool_result round trip carries the thought signature back', async () => {
    h.upstream.next(answer([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }]));
    const question: Anthropic.MessageParam = { role: 'user', content: 'Weather in Paris?' };
    const first = await client.messages.create({ model: SONNET, max_tokens: 100, tools: [weatherTool], tool_choice: { type: 'auto' }, messages: [question] });
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content[0];
    expect(call).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    if (call?.type !== 'tool_use') throw new Error('no tool_use block');
    expect(call.id).toMatch(/^toolu_/);
    expect(sent(0)).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parametersJsonSchema: weatherTool.input_schema }] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    });

    const second = await client.messages.create({
      model: SONNET, max_tokens: 100, tools: [weatherTool],
      messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '{"temp":20}' }] }],
    });
    expect(second.content[0]).toMatchObject({ type: 'text' });
    expect(sent(1)['contents']).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 20 } } }] },
    ]);
  });

  it('web search beside function tools: Google Search is dropped, which Gemini would refuse next to functions', async () => {
    // Gemini's answer to googleSearch next to functionDeclarations.
    const strict: Behaviour = (request, res) => {
      const refused = request.body.includes('googleSearch') && request.body.includes('functionDeclarations');
      if (!refused) return answer([{ text: 'answered' }])(request, res);
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message: 'Tool use with function calling is unsupported' } }));
    };
    h.upstream.setDefault(strict);
    const search: Anthropic.WebSearchTool20250305 = { type: 'web_search_20250305', name: 'web_search' };
    const both = await client.messages.create({ model: SONNET, max_tokens: 10, tools: [search, weatherTool], messages: [{ role: 'user', content: 'x' }] });
    expect(both.content).toEqual([{ type: 'text', text: 'answered' }]);
    expect(sent(0)['tools']).toEqual([{ functionDeclarations: [expect.objectContaining({ name: 'get_weather' })] }]);
    // Alone, the search goes to Gemini.
    await client.messages.create({ model: SONNET, max_tokens: 10, tools: [search], messages: [{ role: 'user', content: 'x' }] });
    expect(sent(1)['tools']).toEqual([{ googleSearch: {} }]);
  });

  it('a streamed tool_use is assembled from its input_json_delta', async () => {
    h.upstream.next((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const part = { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE };
      res.end(`data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Checking.' }, part] }, finishReason: 'STOP', index: 0 }] })}\r\n\r\n`);
    });
    const final = await client.messages.stream({ model: SONNET, max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather?' }] }).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toMatchObject([{ type: 'text', text: 'Checking.' }, { type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } }]);
  });

  it('an upstream failure mid-stream ends the stream with an error event, never a second generation', async () => {
    h.upstream.next((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk('partial'))}\r\n\r\n`);
      res.end('{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}');
    });
    const stream = client.messages.stream({ model: SONNET, max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const error = await rejection(stream.finalMessage());
    expect(texts).toEqual(['partial']);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: 'overloaded_error' });
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('a base64 image becomes inline data', async () => {
    await client.messages.create({
      model: SONNET, max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } }] }],
    });
    expect(sent()['contents']).toEqual([{ role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: PNG_1PX } }] }]);
  });

  it('thinking: the budget goes upstream, a thought comes back as a thinking block', async () => {
    h.upstream.next(answer([{ text: 'Let me think.', thought: true, thoughtSignature: 'dGhvdWdodA==' }, { text: 'Forty-two.' }]));
    const message = await client.messages.create({
      model: SONNET, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'Think.' }],
    });
    expect(sent()['generationConfig']).toEqual({ maxOutputTokens: 4096, thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } });
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'dGhvdWdodA==' },
      { type: 'text', text: 'Forty-two.' },
    ]);
  });

  it('countTokens: Gemini\'s totalTokens as input_tokens', async () => {
    const count = await client.messages.countTokens({ model: SONNET, system: 'Be brief.', messages: [{ role: 'user', content: 'count me' }] });
    expect(count).toEqual({ input_tokens: 11 });
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    expect(sent()).toEqual({
      generateContentRequest: {
        model: 'models/gemini-2.5-flash', systemInstruction: { parts: [{ text: 'Be brief.' }] },
        contents: [{ role: 'user', parts: [{ text: 'count me' }] }],
      },
    });
  });

  it('models.list() gives Claude names; an OpenAI-style GET /v1/models still answers OpenAI\'s shape', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5', 'gemini-2.5-flash']));
    const openai = await fetch(`${h.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(openai.status).toBe(200);
    const body = (await openai.json()) as { object: string; data: { id: string; object: string }[] };
    expect(body.object).toBe('list');
    expect(body.data.map((model) => model.id)).toEqual(['gemini-2.5-flash', 'gemini-2.5-flash-search', 'gemini-embedding-001']);
    expect(body.data[0]?.object).toBe('model');
  });

  it.each([
    ['claude-sonnet-4-6-20260217', 'gemini-2.5-flash'],
    ['claude-haiku-4-5-20251001', 'gemini-2.5-flash-lite'],
    ['claude-opus-4-8', 'gemini-2.5-pro'],
  ])('%s reaches upstream as %s', async (model, gemini) => {
    h.upstream.setDefault(answer([{ text: 'mapped' }]));
    const message = await client.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.model).toBe(model);
    expect(h.upstream.requests[0]?.pathname).toBe(`/v1beta/models/${gemini}:generateContent`);
  });

  it('auth: x-api-key alone, authToken as Bearer; a wrong key is an AuthenticationError', async () => {
    const seen: Headers[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(new Headers(init?.headers));
      return fetch(input, init);
    };
    const byHeader = new Anthropic({
      apiKey: 'not-sent', baseURL: h.proxy.url, maxRetries: 0, fetch: recording,
      defaultHeaders: { 'x-api-key': TOKEN, authorization: null },
    });
    await byHeader.messages.create({ model: SONNET, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    expect(seen[0]?.get('x-api-key')).toBe(TOKEN);
    expect(seen[0]?.has('authorization')).toBe(false);
    const byToken = new Anthropic({ authToken: TOKEN, baseURL: h.proxy.url, maxRetries: 0, fetch: recording });
    await byToken.messages.create({ model: SONNET, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    expect(seen[1]?.get('authorization')).toBe(`Bearer ${TOKEN}`);
    const stranger = new Anthropic({ apiKey: 'wrong', baseURL: h.proxy.url, maxRetries: 0 });
    const error = await rejection(stranger.messages.create({ model: SONNET, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('a malformed body is a 400 invalid_request_error before any upstream request', async () => {
    const error = await rejection(client.messages.create({ model: SONNET, max_tokens: 10, messages: [] }));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', error: { type: 'error', error: { type: 'invalid_request_error' } } });
    const negative = await rejection(client.messages.create({ model: SONNET, max_tokens: -1, messages: [{ role: 'user', content: 'x' }] }));
    expect(negative).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('an unknown model is a 404 not_found_error', async () => {
    const error = await rejection(client.messages.create({ model: 'gemini-nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error).toMatchObject({ status: 404, type: 'not_found_error' });
  });

  it('every key rate-limited: a 429 rate_limit_error with retry-after', async () => {
    h.upstream.setDefault(fail('quotaPerMinute', '30s'));
    const error = await rejection(client.messages.create({ model: SONNET, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('30');
  });

  it('no key usable: a 503 api_error (a fault to fix, not a load), before and once every key is disabled', async () => {
    h.upstream.setDefault(fail('apiKeyInvalid'));
    const ask = (): Promise<unknown> => rejection(client.messages.create({ model: SONNET, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    // One key is disabled per request (a second refusal blames the request): each answer is 503.
    for (let round = 0; round < 2; round += 1) {
      const error = await ask();
      expect(error).toBeInstanceOf(Anthropic.InternalServerError);
      expect(error).toMatchObject({ status: 503, type: 'api_error' });
    }
    const before = h.upstream.requests.length;
    expect(await ask()).toMatchObject({ status: 503, type: 'api_error' });
    expect(h.upstream.requests).toHaveLength(before);
    const status = await h.proxy.status({ authorization: `Bearer ${TOKEN}` });
    expect(status.keys.map((key) => key.state)).toEqual(['disabled', 'disabled']);
  });
});

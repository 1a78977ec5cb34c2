/** The official `ollama` client, pointed at the proxy, with the fake Gemini behind it. */

import { Ollama, type ChatResponse, type GenerateResponse, type Message, type Tool } from 'ollama';
import { beforeEach, describe, expect, it } from 'vitest';
import { chunk } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { withProxy } from '../support/harness.js';
import { SKIP_SIGNATURE } from '../../src/protocols/shared/signature.js';

const TOKEN = 'ollama-client-token';
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
/** Standard base64 with `+`, `/` and padding: the id must carry it in base64url and give it back intact. */
const SIGNATURE = Buffer.concat([Buffer.from('signature-of-the-call'), Buffer.from([0xfb, 0xff, 0xbf, 1])]).toString('base64');
const METRICS = ['total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration'] as const;

function json(body: unknown): Behaviour {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

/** A streamed answer of one chunk. */
function streamed(parts: Record<string, unknown>[]): Behaviour {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }] })}\r\n\r\n`);
  };
}

function answer(parts: Record<string, unknown>[]): Behaviour {
  return json({
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  });
}

/** Every duration and count of a final answer is a non-negative integer. */
function expectMetrics(final: ChatResponse | GenerateResponse): void {
  for (const name of METRICS) {
    expect(Number.isInteger(final[name]), name).toBe(true);
    expect(final[name], name).toBeGreaterThanOrEqual(0);
  }
  expect(final.load_duration).toBe(0);
}

const tools: Tool[] = [{
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];

describe('ollama client through the proxy', () => {
  const h = withProxy({ keys: ['pool-a', 'pool-b'], settings: { proxyKeys: [TOKEN] }, aliases: { llama3: 'gemini-2.5-flash' } });
  let client: Ollama;
  const sent = (index = 0): Record<string, unknown> => h.upstream.sentJson(index);

  beforeEach(() => {
    client = new Ollama({ host: h.proxy.url, headers: { Authorization: `Bearer ${TOKEN}` } });
  });

  it('chat: system and user messages and options in, a message and metrics out', async () => {
    const response = await client.chat({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'ping' }],
      options: { temperature: 0.2, top_p: 0.9, top_k: 20, num_predict: 50, stop: ['END'], seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25 },
    });
    expect(response).toMatchObject({ model: 'gemini-2.5-flash', message: { role: 'assistant', content: 'Hello from fake Gemini: ping' }, done: true, done_reason: 'stop' });
    expect(response.prompt_eval_count).toBe(4);
    expect(response.eval_count).toBe(3);
    expectMetrics(response);
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent()).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'ping' }] }],
      generationConfig: { temperature: 0.2, topP: 0.9, topK: 20, maxOutputTokens: 50, stopSequences: ['END'], seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.25 },
    });
    const line = await h.proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line).toMatchObject({ protocol: 'ollama', status: 200 });
  });

  it('streamed chat: partial messages, then one done line with metrics', async () => {
    const stream = await client.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'stream it' }], stream: true });
    const parts: ChatResponse[] = [];
    for await (const part of stream) parts.push(part);
    expect(parts.map((part) => part.message.content).join('')).toBe('Hello from fake Gemini: stream it');
    expect(parts.slice(0, -1).every((part) => !part.done)).toBe(true);
    const final = parts.at(-1);
    expect(final).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 4, eval_count: 3, message: { role: 'assistant', content: '' } });
    if (final) expectMetrics(final);
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(h.upstream.requests[0]?.query.get('alt')).toBe('sse');
  });

  it('generate, whole and streamed, with a system prompt', async () => {
    const whole = await client.generate({ model: 'gemini-2.5-flash', prompt: 'hi', system: 'Be kind.' });
    expect(whole).toMatchObject({ model: 'gemini-2.5-flash', response: 'Hello from fake Gemini: hi', done: true, done_reason: 'stop' });
    expectMetrics(whole);
    expect(sent(0)).toEqual({ systemInstruction: { parts: [{ text: 'Be kind.' }] }, contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    const stream = await client.generate({ model: 'gemini-2.5-flash', prompt: 'again', stream: true });
    const parts: GenerateResponse[] = [];
    for await (const part of stream) parts.push(part);
    expect(parts.map((part) => part.response).join('')).toBe('Hello from fake Gemini: again');
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop', eval_count: 3 });
  });

  it('the :latest tag and an alias name the Gemini model upstream, and come back as sent', async () => {
    const tagged = await client.chat({ model: 'gemini-2.5-flash:latest', messages: [{ role: 'user', content: 'x' }] });
    expect(tagged.model).toBe('gemini-2.5-flash:latest');
    const aliased = await client.generate({ model: 'llama3:latest', prompt: 'x' });
    expect(aliased.model).toBe('llama3:latest');
    expect(h.upstream.requests.map((request) => request.pathname)).toEqual([
      '/v1beta/models/gemini-2.5-flash:generateContent', '/v1beta/models/gemini-2.5-flash:generateContent',
    ]);
  });

  it('embed: a list of inputs, in order; legacy embeddings: one prompt', async () => {
    const embedded = await client.embed({ model: 'gemini-embedding-001', input: ['one', 'two'] });
    expect(embedded).toMatchObject({ model: 'gemini-embedding-001', embeddings: [[0, 0.5, 0.25], [1, 0.5, 0.25]], load_duration: 0, prompt_eval_count: 0 });
    expect(Number.isInteger(embedded.total_duration)).toBe(true);
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(sent(0)).toEqual({ requests: [
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one' }] } },
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'two' }] } },
    ] });
    const legacy = await client.embeddings({ model: 'gemini-embedding-001:latest', prompt: 'three' });
    expect(legacy).toEqual({ embedding: [0, 0.5, 0.25] });
    expect(JSON.stringify(sent(1))).toContain('"text":"three"');
  });

  it('list, ps, show and version', async () => {
    const names = (await client.list()).models.map((model) => model.name);
    expect(names).toEqual(expect.arrayContaining(['gemini-2.5-flash:latest', 'gemini-embedding-001:latest', 'llama3:latest']));
    const listed = (await client.list()).models[0];
    expect(listed).toMatchObject({ size: 0, details: { family: 'gemini' } });
    expect(listed?.digest).toMatch(/^[0-9a-f]{64}$/);
    const running = await client.ps();
    expect(running.models.find((model) => model.name === 'gemini-2.5-flash:latest')).toMatchObject({ context_length: 1048576, size_vram: 0 });
    const shown = await client.show({ model: 'gemini-2.5-flash' });
    const info = shown.model_info as unknown as Record<string, unknown>;
    expect(info['gemini.context_length']).toBe(1048576);
    expect(shown.capabilities).toEqual(expect.arrayContaining(['completion', 'tools', 'vision']));
    expect(shown.capabilities).not.toContain('embedding');
    const embedder = await client.show({ model: 'gemini-embedding-001:latest' });
    expect(embedder.capabilities).toContain('embedding');
    expect(embedder.capabilities).not.toContain('completion');
    const aliased = await client.show({ model: 'llama3' });
    expect((aliased.model_info as unknown as Record<string, unknown>)['gemini.context_length']).toBe(1048576);
    expect((await client.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('a full tool round trip keeps the thought signature in the call id', async () => {
    h.upstream.next(answer([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }]));
    const question: Message = { role: 'user', content: 'Weather in Paris?' };
    const first = await client.chat({ model: 'gemini-2.5-flash', messages: [question], tools });
    const call = first.message.tool_calls?.[0] as (NonNullable<Message['tool_calls']>[number] & { id?: string; function: { index?: number } }) | undefined;
    expect(call?.function).toEqual({ index: 0, name: 'get_weather', arguments: { city: 'Paris' } });
    expect(call?.id).toMatch(/^call_[A-Za-z0-9_-]+\.ts\.[A-Za-z0-9_-]+$/);
    expect(first.done_reason).toBe('stop');
    expect(sent(0)).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }] }],
    });
    const second = await client.chat({
      model: 'gemini-2.5-flash', tools,
      messages: [question, first.message, { role: 'tool', content: '{"temp":20}', tool_name: 'get_weather' }],
    });
    expect(second.message.content).toContain('Hello from fake Gemini');
    expect(sent(1)['contents']).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 20 } } }] },
    ]);
  });

  describe('a client that drops the tool-call id, as ollama-python does: the proxy remembers the signature', () => {
    const question: Message = { role: 'user', content: 'Weather in Paris?' };
    /** An assistant message rebuilt without the id, as ollama-python's pydantic models do. */
    const withoutId = (args: Record<string, unknown>): Message => ({ role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: args } }] });
    const result = (temp: number): Message => ({ role: 'tool', content: `{"temp":${temp}}`, tool_name: 'get_weather' });
    const callPart = (args: Record<string, unknown>, thoughtSignature: string): Record<string, unknown> =>
      ({ role: 'model', parts: [{ functionCall: { name: 'get_weather', args }, thoughtSignature }] });
    const resultPart = (temp: number): Record<string, unknown> =>
      ({ role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp } } }] });

    it('the call comes back without its id and still carries its signature; another conversation\'s same call does not', async () => {
      h.upstream.next(answer([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }]));
      const first = await client.chat({ model: 'gemini-2.5-flash', messages: [question], tools });
      expect(first.message.tool_calls?.[0]?.function).toMatchObject({ name: 'get_weather', arguments: { city: 'Paris' } });
      await client.chat({ model: 'gemini-2.5-flash', tools, messages: [question, withoutId({ city: 'Paris' }), result(20)] });
      expect(sent(1)['contents']).toEqual([
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] }, callPart({ city: 'Paris' }, SIGNATURE), resultPart(20),
      ]);
      // A chat from scratch: the same call after another question.
      await client.chat({ model: 'gemini-2.5-flash', tools, messages: [{ role: 'user', content: 'Paris weather?' }, withoutId({ city: 'Paris' }), result(20)] });
      expect(sent(2)['contents']).toEqual([
        { role: 'user', parts: [{ text: 'Paris weather?' }] }, callPart({ city: 'Paris' }, SKIP_SIGNATURE), resultPart(20),
      ]);
    });

    it('a chain of two calls, the second answer streamed, keeps both signatures', async () => {
      const second = Buffer.from('the second call\'s signature').toString('base64');
      h.upstream.next(
        answer([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }]),
        streamed([{ functionCall: { name: 'get_weather', args: { city: 'Lyon' } }, thoughtSignature: second }]),
      );
      await client.chat({ model: 'gemini-2.5-flash', messages: [question], tools });
      const history = [question, withoutId({ city: 'Paris' }), result(20)];
      const stream = await client.chat({ model: 'gemini-2.5-flash', tools, messages: history, stream: true });
      const calls = [];
      for await (const part of stream) calls.push(...(part.message.tool_calls ?? []));
      expect(calls.map((call) => call.function)).toMatchObject([{ name: 'get_weather', arguments: { city: 'Lyon' } }]);
      const final = await client.chat({ model: 'gemini-2.5-flash', tools, messages: [...history, withoutId({ city: 'Lyon' }), result(18)] });
      expect(final.message.content).toContain('Hello from fake Gemini');
      expect(sent(2)['contents']).toEqual([
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] }, callPart({ city: 'Paris' }, SIGNATURE), resultPart(20),
        callPart({ city: 'Lyon' }, second), resultPart(18),
      ]);
    });
  });

  it('images: a base64 PNG becomes inline data before the text', async () => {
    await client.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'What is this?', images: [PNG_1PX] }] });
    expect(sent(0)['contents']).toEqual([
      { role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG_1PX } }, { text: 'What is this?' }] },
    ]);
    await client.generate({ model: 'gemini-2.5-flash', prompt: 'And this?', images: [Buffer.from(PNG_1PX, 'base64')] });
    expect(sent(1)['contents']).toEqual([
      { role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG_1PX } }, { text: 'And this?' }] },
    ]);
  });

  it('format: "json" and a schema, cleaned of what Gemini rejects', async () => {
    await client.generate({ model: 'gemini-2.5-flash', prompt: 'x', format: 'json' });
    expect(sent(0)['generationConfig']).toEqual({ responseMimeType: 'application/json' });
    const schema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false };
    await client.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }], format: schema });
    expect(sent(1)['generationConfig']).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    });
  });

  it('think: thoughts come back in thinking, apart from the content', async () => {
    const thoughtful = answer([{ text: 'Let me see.', thought: true }, { text: '42' }]);
    h.upstream.next(thoughtful, thoughtful);
    const chat = await client.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Answer?' }], think: true });
    expect(chat.message).toMatchObject({ role: 'assistant', content: '42', thinking: 'Let me see.' });
    expect(sent(0)['generationConfig']).toEqual({ thinkingConfig: { includeThoughts: true } });
    const generated = await client.generate({ model: 'gemini-2.5-flash', prompt: 'Answer?', think: true });
    expect(generated).toMatchObject({ response: '42', thinking: 'Let me see.' });
    // Without `think`, thoughts are not the client's.
    h.upstream.next(thoughtful);
    const plain = await client.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Answer?' }] });
    expect(plain.message.content).toBe('42');
    expect(plain.message.thinking).toBeUndefined();
  });

  it('streamed thinking arrives in its own field', async () => {
    h.upstream.next((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const thought = { ...chunk(''), candidates: [{ content: { role: 'model', parts: [{ text: 'Hmm.', thought: true }] }, index: 0 }] };
      res.write(`data: ${JSON.stringify(thought)}\r\n\r\n`);
      res.end(`data: ${JSON.stringify(chunk('Done.', 'STOP'))}\r\n\r\n`);
    });
    const stream = await client.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }], think: 'high', stream: true });
    const parts: ChatResponse[] = [];
    for await (const part of stream) parts.push(part);
    expect(parts.map((part) => part.message.thinking ?? '').join('')).toBe('Hmm.');
    expect(parts.map((part) => part.message.content).join('')).toBe('Done.');
    expect(sent(0)['generationConfig']).toMatchObject({ thinkingConfig: { includeThoughts: true } });
  });

  it('errors reach the client as ResponseErrors with the status and message', async () => {
    const stranger = new Ollama({ host: h.proxy.url, headers: { Authorization: 'Bearer wrong' } });
    await expect(stranger.list()).rejects.toMatchObject({ status_code: 401 });
    await expect(client.show({ model: 'nope' })).rejects.toMatchObject({ status_code: 404, error: "model 'nope' not found" });
    await expect(client.pull({ model: 'llama3' })).rejects.toMatchObject({ status_code: 403 });
    await expect(client.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'wizard', content: 'x' }] }))
      .rejects.toMatchObject({ status_code: 400 });
    expect(h.upstream.requests.every((request) => request.pathname === '/v1beta/models')).toBe(true);
  });
});

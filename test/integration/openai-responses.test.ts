/** The OpenAI Responses API through the official `openai` SDK: create, stream, a function-call round trip, errors. */

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from '../support/fake-gemini.js';
import { withProxy } from '../support/harness.js';

const SIGNATURE = 'c2lnbmF0dXJlLW9mLXRoZS1jYWxs';
const h = withProxy({ keys: ['pool-a', 'pool-b'] });
const client = (): OpenAI => new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });

const weatherCall: Behaviour = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({
    candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  }));
};

const tools = [{ type: 'function' as const, name: 'get_weather', description: 'weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } }];

describe('responses through the openai SDK', () => {
  it('create: instructions and input in, output_text out, with usage', async () => {
    const response = await client().responses.create({ model: 'gemini-2.5-flash', instructions: 'Be brief.', input: 'ping', max_output_tokens: 50 });
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Hello from fake Gemini: ping');
    expect(response.usage).toMatchObject({ input_tokens: 4, output_tokens: 3, total_tokens: 7 });
    expect(h.upstream.sentJson(0)).toMatchObject({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'ping' }] }],
      generationConfig: { maxOutputTokens: 50 },
    });
  });

  it('stream: the SDK helper assembles the final response', async () => {
    const stream = client().responses.stream({ model: 'gemini-2.5-flash', input: 'stream it' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('Hello from fake Gemini: stream it');
    expect(final.output_text).toBe('Hello from fake Gemini: stream it');
    expect(final.status).toBe('completed');
  });

  it('a function call round trip carries the thought signature back', async () => {
    h.upstream.next(weatherCall);
    const first = await client().responses.create({ model: 'gemini-2.5-flash', input: 'weather in Paris?', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(call.id).not.toBe(call.call_id);
    await client().responses.create({
      model: 'gemini-2.5-flash', tools,
      input: [
        { role: 'user', content: 'weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' },
      ],
    });
    const contents = h.upstream.sentJson(1)['contents'] as { parts: Record<string, unknown>[] }[];
    expect(contents[1]?.parts[0]).toMatchObject({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE });
    expect(contents[2]?.parts[0]).toMatchObject({ functionResponse: { name: 'get_weather', response: { temp: 21 } } });
  });

  it('errors: a 400 naming the field before any key is used; stateless previous_response_id', async () => {
    for (const body of [{ model: 'gemini-2.5-flash' }, { model: 'gemini-2.5-flash', input: 'x', previous_response_id: 'resp_1' }]) {
      const error = await client().responses.create(body as never).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    }
    expect(h.upstream.requests).toHaveLength(0);
  });
});

/** The legacy `POST /v1/completions` through the official `openai` SDK, and its 400s. */

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { withProxy } from '../support/harness.js';

const h = withProxy({ keys: ['pool-a', 'pool-b'] });
const client = (): OpenAI => new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });

describe('legacy completions', () => {
  it('a prompt in, text out, with the chat path\'s parameters', async () => {
    const completion = await client().completions.create({ model: 'gemini-2.5-flash', prompt: 'def add(a, b):', max_tokens: 20, stop: ['\n\n'], temperature: 0 });
    expect(completion.object).toBe('text_completion');
    expect(completion.id).toMatch(/^cmpl-/);
    expect(completion.choices).toEqual([{ text: 'Hello from fake Gemini: def add(a, b):', index: 0, logprobs: null, finish_reason: 'stop' }]);
    expect(completion.usage).toEqual({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
    expect(h.upstream.sentJson(0)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'def add(a, b):' }] }],
      generationConfig: { maxOutputTokens: 20, stopSequences: ['\n\n'], temperature: 0 },
    });
  });

  it('a list of prompts: one choice each, in order, one upstream call each', async () => {
    const completion = await client().completions.create({ model: 'gemini-2.5-flash', prompt: ['one', 'two'], echo: true });
    expect(completion.choices.map((choice) => [choice.index, choice.text])).toEqual([
      [0, 'oneHello from fake Gemini: one'],
      [1, 'twoHello from fake Gemini: two'],
    ]);
    expect(completion.usage?.total_tokens).toBe(14);
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('streamed: text chunks, a last chunk with the finish reason, then [DONE]', async () => {
    const stream = await client().completions.create({ model: 'gemini-2.5-flash', prompt: 'stream it', stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.text).join('')).toBe('Hello from fake Gemini: stream it');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.every((chunk) => chunk.object === 'text_completion')).toBe(true);
    expect(h.upstream.requests[0]?.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('a blocked prompt finishes with content_filter, whole or streamed', async () => {
    const blocked = (_request: unknown, res: import('node:http').ServerResponse): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' } }));
    };
    h.upstream.next(blocked);
    const whole = await client().completions.create({ model: 'gemini-2.5-flash', prompt: 'bad' });
    expect(whole.choices[0]?.finish_reason).toBe('content_filter');
    h.upstream.next((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' } })}\n\n`);
    });
    const stream = await client().completions.create({ model: 'gemini-2.5-flash', prompt: 'bad', stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('content_filter');
  });

  it.each([
    ['suffix (fill-in-the-middle)', { prompt: 'a', suffix: 'b' }, 'suffix'],
    ['no prompt', {}, 'prompt'],
    ['token arrays', { prompt: [1, 2, 3] }, 'prompt'],
    ['several prompts streamed', { prompt: ['a', 'b'], stream: true }, 'prompt'],
    ['a bad temperature', { prompt: 'a', temperature: 'hot' }, 'temperature'],
    ['an empty prompt', { prompt: '' }, 'prompt'],
    ['several candidates', { prompt: 'a', n: 2 }, 'n'],
  ])('%s: a 400 naming the field, nothing sent upstream', async (_name, body, param) => {
    const error = await client().completions.create({ model: 'gemini-2.5-flash', ...body } as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    expect(h.upstream.requests).toHaveLength(0);
  });
});

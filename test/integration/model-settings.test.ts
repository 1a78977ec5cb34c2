/**
 * gemini-balance's model settings, through real clients: `-search` and `-non-thinking` model
 * names, a thinking budget per model, default safety settings, hidden models (absent from every
 * list, refused in each caller's shape), `-search` variants in the lists, and `/hf/v1`.
 */

import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { chunk } from '../support/behaviours.js';
import type { Recorded } from '../support/fake-gemini.js';
import { withProxy, type Harness } from '../support/harness.js';

const SAFETY = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }, { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' }];

/** Answers any model, so names the fake does not list (gemini-2.5-pro, gemini-3-…) work. */
const anyModel = (_request: Recorded, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(chunk('ok', 'STOP')));
};

const openai = (h: Harness, prefix = '/v1') => new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}${prefix}`, maxRetries: 0 });
const chat = (h: Harness, model: string, extra: Record<string, unknown> = {}) =>
  openai(h).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
const sent = (h: Harness, index = 0) => h.upstream.sentJson(index) as {
  tools?: unknown[]; safetySettings?: unknown[]; generationConfig?: { thinkingConfig?: Record<string, unknown> };
};

describe('model name suffixes and generation defaults', () => {
  const h = withProxy({
    keys: ['key-a'],
    settings: { thinkingBudgets: { 'gemini-2.5-flash': 1024 }, safetySettings: SAFETY },
  });

  it('-search: the base model is called with Google Search added, by every translated API', async () => {
    await chat(h, 'gemini-2.5-flash-search');
    const ollama = new Ollama({ host: h.proxy.url });
    await ollama.chat({ model: 'gemini-2.5-flash-search', messages: [{ role: 'user', content: 'hi' }] });
    const anthropic = new Anthropic({ apiKey: 'x', baseURL: h.proxy.url, maxRetries: 0 });
    await anthropic.messages.create({ model: 'gemini-2.5-flash-search', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(h.upstream.requests.map((request) => request.pathname)).toEqual(Array(3).fill('/v1beta/models/gemini-2.5-flash:generateContent'));
    for (const index of [0, 1, 2]) expect(sent(h, index).tools).toEqual([{ googleSearch: {} }]);
  });

  it('-search beside function tools: the functions go, search does not (Gemini 2.5 refuses both together)', async () => {
    await chat(h, 'gemini-2.5-flash-search', { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] });
    expect(sent(h).tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: 'f' })] }]);
  });

  it.each([
    ['gemini-2.5-flash-non-thinking', 'gemini-2.5-flash', { thinkingBudget: 0 }],
    ['gemini-2.5-pro-non-thinking', 'gemini-2.5-pro', { thinkingBudget: 128 }],
    ['gemini-3-pro-preview-non-thinking', 'gemini-3-pro-preview', { thinkingLevel: 'LOW' }],
    ['gemini-3-flash-preview-non-thinking', 'gemini-3-flash-preview', { thinkingLevel: 'MINIMAL' }],
    ['gemini-2.5-flash-search-non-thinking', 'gemini-2.5-flash', { thinkingBudget: 0 }],
  ])('%s calls %s with the least thinking it allows, whatever the request asked', async (name, model, thinking) => {
    h.upstream.setDefault(anyModel);
    await chat(h, name, { reasoning_effort: 'high' });
    expect(h.upstream.requests[0]?.pathname).toBe(`/v1beta/models/${model}:generateContent`);
    expect(sent(h).generationConfig?.thinkingConfig).toMatchObject(thinking);
  });

  it('the thinking budget map applies when the request asks for no thinking; the request\'s own setting wins', async () => {
    await chat(h, 'gemini-2.5-flash');
    await chat(h, 'gemini-2.5-flash', { reasoning_effort: 'high' });
    expect(sent(h, 0).generationConfig?.thinkingConfig).toMatchObject({ thinkingBudget: 1024 });
    expect(sent(h, 1).generationConfig?.thinkingConfig).toMatchObject({ thinkingBudget: 24_576 });
  });

  it('default safety settings reach upstream on the translated APIs only; the Gemini pass-through is sent as the client wrote it', async () => {
    await chat(h, 'gemini-2.5-flash');
    const genai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: h.proxy.url } });
    await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    const own = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_LOW_AND_ABOVE' }];
    await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { safetySettings: own as never } });
    expect(sent(h, 0).safetySettings).toEqual(SAFETY);
    expect(sent(h, 1).safetySettings).toBeUndefined();
    expect(sent(h, 2).safetySettings).toEqual(own);
  });
});

describe('hidden models', () => {
  const h = withProxy({ keys: ['key-a'], settings: { hiddenModels: ['gemini-embedding-001'] } });

  it('are absent from every model list, where -search variants are offered for the models search serves', async () => {
    const openaiIds = (await openai(h).models.list()).data.map((model) => model.id);
    expect(openaiIds).toEqual(['gemini-2.5-flash', 'gemini-2.5-flash-search']);
    const tags = (await new Ollama({ host: h.proxy.url }).list()).models.map((model) => model.name);
    expect(tags.some((name) => name.startsWith('gemini-embedding'))).toBe(false);
    expect(tags).toEqual(expect.arrayContaining([expect.stringMatching(/^gemini-2\.5-flash-search/)]));
    const anthropic = new Anthropic({ apiKey: 'x', baseURL: h.proxy.url, maxRetries: 0 });
    expect((await anthropic.models.list()).data.map((model) => model.id)).not.toContain('gemini-embedding-001');
    const genai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: h.proxy.url } });
    const geminiNames: string[] = [];
    for await (const model of await genai.models.list()) geminiNames.push(model.name ?? '');
    expect(geminiNames).toEqual(['models/gemini-2.5-flash']);
  });

  it('are refused with a 404 in each caller\'s shape, with no generation upstream', async () => {
    const refusal = await openai(h).embeddings.create({ model: 'gemini-embedding-001', input: 'x' }).then(() => undefined, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(OpenAI.NotFoundError);
    await expect(openai(h).models.retrieve('gemini-embedding-001')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(new Ollama({ host: h.proxy.url }).embed({ model: 'gemini-embedding-001', input: 'x' })).rejects.toMatchObject({ status_code: 404 });
    const genai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: h.proxy.url } });
    await expect(genai.models.embedContent({ model: 'gemini-embedding-001', contents: 'x' })).rejects.toMatchObject({ status: 404 });
    expect(h.upstream.requests.filter((request) => request.pathname.includes('embed'))).toEqual([]);
  });
});

describe('/hf/v1, gemini-balance\'s path for OpenAI clients', () => {
  const h = withProxy({ keys: ['key-a'] });

  it('serves chat completions and models with the openai SDK', async () => {
    const answer = await openai(h, '/hf/v1').chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]?.message.content).toBe('Hello from fake Gemini: hi');
    expect((await openai(h, '/hf/v1').models.list()).data.map((model) => model.id)).toContain('gemini-2.5-flash');
    await expect(openai(h, '/hf/v1').post('/nothing-here', { body: {} })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

/** Ollama /api/embed and /api/embeddings ↔ Gemini batchEmbedContents (wire-formats §3.4). */

import { describe, expect, it } from 'vitest';
import { toOllamaEmbed, translateOllamaEmbed, translateOllamaEmbeddings } from '../../src/protocols/ollama/embed.js';
import { MAX_EMBEDDING_INPUTS } from '../../src/protocols/shared/embed.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { STARTED_AT, testContext } from '../fixtures/ollama/context.js';

const MODEL = 'gemini-embedding-001';
const request = (text: string, dimensions?: number): unknown => ({
  model: `models/${MODEL}`, content: { parts: [{ text }] }, ...(dimensions !== undefined && { outputDimensionality: dimensions }),
});

describe('translateOllamaEmbed', () => {
  it('a string → one request; the tag is dropped, the name kept for the answer', () => {
    expect(translateOllamaEmbed({ model: `${MODEL}:latest`, input: 'hello', truncate: true, options: { num_ctx: 8 }, keep_alive: '5m' }, resolve)).toStrictEqual({
      model: MODEL, requestedModel: `${MODEL}:latest`, batches: [{ requests: [request('hello')] }], legacy: false,
    });
  });

  it('a list → one request per input in batches of 100, in order; dimensions → outputDimensionality', () => {
    const texts = Array.from({ length: 150 }, (_v, i) => `t${i}`);
    const translated = translateOllamaEmbed({ model: MODEL, input: texts, dimensions: 256 }, resolve);
    expect(translated.batches.map((batch) => batch.requests.length)).toEqual([100, 50]);
    expect(translated.batches.flatMap((batch) => batch.requests)).toStrictEqual(texts.map((text) => request(text, 256)));
  });

  it.each([[undefined], [''], [[]], [null]])('input %j only loads the model: no batches', (input) => {
    expect(translateOllamaEmbed({ model: MODEL, input }, resolve).batches).toEqual([]);
  });

  it.each([
    ['a number', { input: 5 }, 'input', 'non-empty string or a non-empty array'],
    ['a token array', { input: [1, 2] }, 'input', 'token arrays'],
    ['an empty string in a list', { input: ['a', ''] }, 'input', 'non-empty strings'],
    ['an object', { input: { text: 'a' } }, 'input', 'non-empty string or a non-empty array'],
    ['too many inputs', { input: Array.from({ length: MAX_EMBEDDING_INPUTS + 1 }, () => 'a') }, 'input', `at most ${MAX_EMBEDDING_INPUTS}`],
    ['dimensions 0', { input: 'a', dimensions: 0 }, 'dimensions', 'at least 1'],
    ['truncate a string', { input: 'a', truncate: 'yes' }, 'truncate', 'true or false'],
    ['options a list', { input: 'a', options: [] }, 'options', 'must be an object'],
    ['keep_alive a list', { input: 'a', keep_alive: [] }, 'keep_alive', 'number of seconds'],
    ['no model', { input: 'a', model: undefined }, 'model', 'model is required'],
  ])('%s → 400', (_name, fields, param, message) => {
    const error = proxyErrorOf(() => translateOllamaEmbed({ model: MODEL, ...fields }, resolve));
    expect([error.code, error.param]).toEqual(['GP_BAD_REQUEST', param]);
    expect(error.message).toContain(message);
  });
});

describe('translateOllamaEmbeddings (legacy)', () => {
  it('prompt → one request; an alias resolves', () => {
    expect(translateOllamaEmbeddings({ model: 'gpt-4o-mini', prompt: 'hello' }, resolve)).toStrictEqual({
      model: 'gemini-2.5-flash', requestedModel: 'gpt-4o-mini', batches: [{ requests: [{ model: 'models/gemini-2.5-flash', content: { parts: [{ text: 'hello' }] } }] }], legacy: true,
    });
  });

  it('an empty prompt only loads the model', () => {
    expect(translateOllamaEmbeddings({ model: MODEL, prompt: '' }, resolve).batches).toEqual([]);
  });

  it.each([
    ['prompt a list', { prompt: ['a'] }, 'prompt'],
    ['options a string', { prompt: 'a', options: 'x' }, 'options'],
  ])('%s → 400', (_name, fields, param) => {
    expect(proxyErrorOf(() => translateOllamaEmbeddings({ model: MODEL, ...fields }, resolve)).param).toBe(param);
  });
});

describe('toOllamaEmbed', () => {
  const ctx = testContext({ at: STARTED_AT + 12 });

  it('/api/embed: every batch in order, with the model as named and metrics', () => {
    const translated = translateOllamaEmbed({ model: `${MODEL}:latest`, input: ['a', 'b', 'c'] }, resolve);
    const responses = [{ embeddings: [{ values: [0.1, 0.2] }, { values: [0.3] }] }, { embeddings: [{ values: [-1] }] }];
    expect(toOllamaEmbed(responses, translated, ctx)).toStrictEqual({
      model: `${MODEL}:latest`, embeddings: [[0.1, 0.2], [0.3], [-1]], total_duration: 12_000_000, load_duration: 0, prompt_eval_count: 0,
    });
  });

  it('a load request answers an empty list', () => {
    expect(toOllamaEmbed([], translateOllamaEmbed({ model: MODEL }, resolve), ctx)).toMatchObject({ model: MODEL, embeddings: [] });
  });

  it('legacy: the one embedding, or an empty one', () => {
    const legacy = translateOllamaEmbeddings({ model: MODEL, prompt: 'a' }, resolve);
    expect(toOllamaEmbed([{ embeddings: [{ values: [1, 2] }] }], legacy, ctx)).toStrictEqual({ embedding: [1, 2] });
    expect(toOllamaEmbed([], legacy, ctx)).toStrictEqual({ embedding: [] });
  });

  it('total: odd answers give empty embeddings rather than throwing', () => {
    const translated = translateOllamaEmbed({ model: MODEL, input: 'a' }, resolve);
    const odd = [{ embeddings: [{}, null] }, { embeddings: 'x' }, null] as unknown as Parameters<typeof toOllamaEmbed>[0];
    expect(toOllamaEmbed(odd, translated, ctx)['embeddings']).toEqual([[], []]);
  });
});

/** OpenAI chat completion request → Gemini request, end to end (wire-formats §2.2, §2.3, §4.3). */

import { describe, expect, it } from 'vitest';
import { toOpenAiModels } from '../../src/protocols/openai/models.js';
import { IGNORED_FIELDS, translateChatRequest } from '../../src/protocols/openai/request.js';
import { resolveModelName } from '../../src/protocols/shared/model-name.js';
import { BAD_REQUEST_CASES, proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { REQUEST_CASES, resolve } from '../fixtures/openai-requests/chat-requests.js';
import { PARAM_CASES } from '../fixtures/openai-requests/param-requests.js';

const HI = [{ role: 'user', content: 'Hi' }];

describe('translateChatRequest: golden fixtures', () => {
  it.each([...REQUEST_CASES, ...PARAM_CASES].map((c) => [c.name, c] as const))('%s', (_name, { openai, gemini }) => {
    expect(translateChatRequest(openai, resolve).body).toStrictEqual(gemini);
  });

  it('the fixtures have distinct names', () => {
    const names = [...REQUEST_CASES, ...PARAM_CASES].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('translateChatRequest: malformed requests are 400s naming the field', () => {
  it.each(BAD_REQUEST_CASES.map((c) => [c.name, c] as const))('%s', (_name, { openai, param, message }) => {
    const error = proxyErrorOf(() => translateChatRequest(openai, resolve));
    expect({ status: error.status, code: error.code, param: error.param }).toEqual({ status: 400, code: 'GP_BAD_REQUEST', param });
    expect(error.message).toContain(message);
  });
});

describe('translateChatRequest: what the route needs besides the body', () => {
  it('a plain request: not streamed, no usage chunk, no reasoning', () => {
    const request = translateChatRequest({ model: 'gemini-2.5-flash', messages: HI }, resolve);
    expect({ ...request, body: undefined }).toStrictEqual({
      model: 'gemini-2.5-flash',
      requestedModel: 'gemini-2.5-flash',
      stream: false,
      includeUsage: false,
      includeReasoning: false,
      body: undefined,
      imageLinks: [],
    });
  });

  it('with fetching on, http(s) image links come back as parts to fill; off, they are a 400', () => {
    const messages = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://img.example/cat.png' } }, { type: 'image_url', image_url: 'https://img.example/dog.png' }] }];
    const request = translateChatRequest({ model: 'gemini-2.5-flash', messages }, resolve, { fetchImageUrls: true });
    expect(request.imageLinks.map((link) => [link.url, link.param])).toEqual([
      ['https://img.example/cat.png', 'messages[0].content[0].image_url.url'],
      ['https://img.example/dog.png', 'messages[0].content[1].image_url'],
    ]);
    expect(request.body.contents[0]?.parts?.[0]).toBe(request.imageLinks[0]?.part);
    expect(() => translateChatRequest({ model: 'gemini-2.5-flash', messages }, resolve)).toThrow(/not fetched/);
  });

  it('stream with stream_options.include_usage', () => {
    const request = translateChatRequest({ model: 'gemini-2.5-flash', messages: HI, stream: true, stream_options: { include_usage: true } }, resolve);
    expect([request.stream, request.includeUsage]).toEqual([true, true]);
  });

  it('a stream without include_usage has no usage chunk', () => {
    const request = translateChatRequest({ model: 'gemini-2.5-flash', messages: HI, stream: true, stream_options: { include_usage: false } }, resolve);
    expect([request.stream, request.includeUsage]).toEqual([true, false]);
  });

  it('include_usage without stream is accepted and means nothing', () => {
    const request = translateChatRequest({ model: 'gemini-2.5-flash', messages: HI, stream_options: { include_usage: true } }, resolve);
    expect([request.stream, request.includeUsage]).toEqual([false, false]);
  });

  it('google.thinking_config.include_thoughts asks for reasoning in the answer', () => {
    const request = translateChatRequest({
      model: 'gemini-2.5-flash', messages: HI, google: { thinking_config: { thinking_budget: 2048, include_thoughts: true } },
    }, resolve);
    expect(request.includeReasoning).toBe(true);
    expect(request.body.generationConfig).toStrictEqual({ thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } });
  });

  it('include_thoughts false is no reasoning', () => {
    const request = translateChatRequest({
      model: 'gemini-2.5-flash', messages: HI, google: { thinking_config: { include_thoughts: false } },
    }, resolve);
    expect(request.includeReasoning).toBe(false);
    expect(request.body.generationConfig).toStrictEqual({ thinkingConfig: { includeThoughts: false } });
  });

  it('an alias resolves to the Gemini model; the client name is echoed', () => {
    const request = translateChatRequest({ model: 'gpt-4o-mini', messages: HI }, resolve);
    expect([request.model, request.requestedModel]).toEqual(['gemini-2.5-flash', 'gpt-4o-mini']);
  });

  it('the models/ prefix is dropped from the model but kept in the echo', () => {
    const request = translateChatRequest({ model: 'models/gemini-2.5-pro', messages: HI }, resolve);
    expect([request.model, request.requestedModel]).toEqual(['gemini-2.5-pro', 'models/gemini-2.5-pro']);
  });

  it('validates the model before the messages', () => {
    expect(proxyErrorOf(() => translateChatRequest({ model: '../x', messages: [] }, resolve)).param).toBe('model');
  });

  it('does not modify the client body', () => {
    const body = { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] };
    const copy = structuredClone(body);
    translateChatRequest(body, resolve);
    expect(body).toStrictEqual(copy);
  });
});

describe('ignored and unknown fields', () => {
  const snakeToCamel = (name: string): string => name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

  it('lists the fields Gemini cannot honour', () => {
    expect(IGNORED_FIELDS).toEqual(expect.arrayContaining(['parallel_tool_calls', 'logit_bias', 'user', 'store', 'metadata', 'service_tier']));
  });

  it.each(IGNORED_FIELDS.map((field) => [field]))('%s is accepted and appears nowhere in the Gemini body', (field) => {
    const request = translateChatRequest({ model: 'gemini-2.5-flash', messages: HI, [field]: { marker: 'IGNORED-VALUE' } }, resolve);
    const text = JSON.stringify(request.body);
    expect(request.body).toStrictEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
    expect(text).not.toContain(`"${field}":`);
    expect(text).not.toContain(`"${snakeToCamel(field)}":`);
    expect(text).not.toContain('IGNORED-VALUE');
  });

  it('Gemini-shaped fields in an OpenAI body are not passed through', () => {
    const request = translateChatRequest({
      model: 'gemini-2.5-flash',
      messages: HI,
      generationConfig: { temperature: 1.5 },
      systemInstruction: { parts: [{ text: 'smuggled' }] },
      cachedContent: 'cachedContents/x',
      safety_settings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
    }, resolve);
    expect(request.body).toStrictEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
  });
});

describe('resolveModelName', () => {
  const identity = (name: string): string => name;

  it.each([
    ['gemini-2.5-flash', 'gemini-2.5-flash'],
    ['models/gemini-2.5-flash', 'gemini-2.5-flash'],
    ['gemini-2.0-flash-001', 'gemini-2.0-flash-001'],
    ['text_embedding.004', 'text_embedding.004'],
  ])('%s → %s', (name, model) => {
    expect(resolveModelName(name, identity)).toEqual({ model, requested: name });
  });

  it('passes the name without its prefix to the resolver', () => {
    const seen: string[] = [];
    resolveModelName('models/gpt-4o', (name) => {
      seen.push(name);
      return 'gemini-2.5-pro';
    });
    expect(seen).toEqual(['gpt-4o']);
  });

  it('only one models/ prefix is dropped', () => {
    expect(proxyErrorOf(() => resolveModelName('models/models/x', identity)).param).toBe('model');
  });

  it.each([['../x'], ['a:b'], [''], ['a/b'], ['-flash'], ['gemini 2.5'], ['gemini?key=1'], ['%2e%2e']])('refuses %j', (name) => {
    const error = proxyErrorOf(() => resolveModelName(name, identity));
    expect([error.status, error.param]).toEqual([400, 'model']);
  });

  it('checks what the alias resolves to, too', () => {
    const error = proxyErrorOf(() => resolveModelName('nice-name', () => 'models/../../files'));
    expect([error.status, error.param]).toEqual([400, 'model']);
  });
});

describe('toOpenAiModels', () => {
  it('lists Gemini models without the prefix, then aliases that are not model ids', () => {
    const models = toOpenAiModels(
      [{ name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash' }, { name: 'models/text-embedding-004' }],
      { 'gpt-4o-mini': 'gemini-2.5-flash', 'gemini-2.5-flash': 'gemini-2.5-pro' },
    );
    expect(models).toStrictEqual([
      { id: 'gemini-2.5-flash', object: 'model', created: 0, owned_by: 'google' },
      { id: 'text-embedding-004', object: 'model', created: 0, owned_by: 'google' },
      { id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'gemini-proxy' },
    ]);
  });

  it('an empty list with no aliases is empty', () => {
    expect(toOpenAiModels([], {})).toEqual([]);
  });
});

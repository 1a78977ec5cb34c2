/** The simple endpoint's translation: its request → Gemini's, Gemini's answer and stream → `{"message"}`. */

import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import type { ModelResolver } from '../../src/protocols/shared/model-name.js';
import { toSimpleAnswer } from '../../src/protocols/simple/answer.js';
import { translateSimpleRequest } from '../../src/protocols/simple/request.js';
import { SimpleStream } from '../../src/protocols/simple/stream.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { JPEG, NOT_AN_IMAGE, PDF, PNG } from '../fixtures/openai-requests/media.js';

const DEFAULT = 'gemini-2.5-flash';
const resolve: ModelResolver = (name) => ({ 'gemini-pro': 'gemini-2.5-flash', fast: 'gemini-2.5-flash-lite' })[name] ?? name;
const HI = { role: 'user', parts: [{ text: 'Hi' }] };

function translate(body: Record<string, unknown>) {
  return translateSimpleRequest(body, resolve, DEFAULT);
}

function contentsOf(contents: unknown[]): unknown {
  return translate({ contents }).body.contents;
}

function chunk(parts: unknown[], finishReason?: string): GenerateContentResponse {
  return { candidates: [{ content: { role: 'model', parts }, ...(finishReason && { finishReason }) }] } as GenerateContentResponse;
}

describe('translateSimpleRequest: the request', () => {
  it('the document example: text in, no stream, no settings', () => {
    expect(translate({ model: 'gemini-2.5-pro', contents: [HI] })).toStrictEqual({
      model: 'gemini-2.5-pro',
      requestedModel: 'gemini-2.5-pro',
      stream: false,
      body: { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] },
    });
  });

  it.each([
    ['missing', undefined, DEFAULT, DEFAULT],
    ['empty', '', DEFAULT, DEFAULT],
    ['with models/', 'models/gemini-2.5-pro', 'gemini-2.5-pro', 'models/gemini-2.5-pro'],
    ['retired, through the resolver', 'gemini-pro', 'gemini-2.5-flash', 'gemini-pro'],
    ['an alias', 'fast', 'gemini-2.5-flash-lite', 'fast'],
  ])('model %s → %s', (_name, model, expected, requested) => {
    const request = translate({ model, contents: [HI] });
    expect([request.model, request.requestedModel]).toEqual([expected, requested]);
  });

  it.each([[true, true], [false, false], [null, false], [undefined, false]])('stream %s → %s', (stream, expected) => {
    expect(translate({ contents: [HI], stream }).stream).toBe(expected);
  });

  it.each([
    ['snake_case', { temperature: 0.5, max_tokens: 100, top_p: 0.9, top_k: 40 }],
    ['camelCase', { temperature: 0.5, maxTokens: 100, topP: 0.9, topK: 40 }],
  ])('settings in %s → generationConfig', (_name, settings) => {
    expect(translate({ contents: [HI], ...settings }).body.generationConfig).toStrictEqual({
      temperature: 0.5, maxOutputTokens: 100, topP: 0.9, topK: 40,
    });
  });

  it('no settings, or null ones: no generationConfig at all', () => {
    expect(translate({ contents: [HI], temperature: null, max_tokens: null }).body).not.toHaveProperty('generationConfig');
  });

  it('roles: assistant is model, a missing role is user, adjacent turns of one role merge', () => {
    expect(contentsOf([
      { parts: [{ text: 'a' }] },
      { role: 'user', parts: [{ text: 'b' }] },
      { role: 'assistant', parts: [{ text: 'c' }] },
      { role: 'model', parts: [{ text: 'd' }] },
      { role: 'user', parts: [{ text: 'e' }] },
    ])).toStrictEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }, { text: 'd' }] },
      { role: 'user', parts: [{ text: 'e' }] },
    ]);
  });

  it('system turns become the system instruction', () => {
    const { body } = translate({ contents: [{ role: 'system', parts: [{ text: 'Be brief.' }] }, HI, { role: 'system', parts: [{ text: 'Be kind.' }] }] });
    expect(body).toStrictEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Be kind.' }] },
    });
  });

  it.each([
    ['inline_data, mime_type', { inline_data: { mime_type: 'image/png', data: PNG } }, { mimeType: 'image/png', data: PNG }],
    ['inlineData, mimeType', { inlineData: { mimeType: 'image/png', data: PNG } }, { mimeType: 'image/png', data: PNG }],
    ['an image type read from its bytes', { inline_data: { mime_type: 'image/jpg', data: JPEG } }, { mimeType: 'image/jpeg', data: JPEG }],
    ['a declared PNG that is a JPEG', { inline_data: { mime_type: 'image/png', data: JPEG } }, { mimeType: 'image/jpeg', data: JPEG }],
    ['other media as declared', { inline_data: { mime_type: 'application/pdf', data: PDF } }, { mimeType: 'application/pdf', data: PDF }],
  ])('inline data: %s', (_name, part, inlineData) => {
    expect(contentsOf([{ role: 'user', parts: [part, { text: 'What is this?' }] }])).toStrictEqual([
      { role: 'user', parts: [{ inlineData }, { text: 'What is this?' }] },
    ]);
  });
});

describe('translateSimpleRequest: every malformed field is a 400 naming it', () => {
  const image = (inline: unknown): unknown => ({ contents: [{ role: 'user', parts: [{ inline_data: inline }] }] });
  it.each([
    ['model not a string', { model: 3, contents: [HI] }, 'model'],
    ['model not a model id', { model: 'a/b', contents: [HI] }, 'model'],
    ['contents missing', {}, 'contents'],
    ['contents not an array', { contents: 'Hi' }, 'contents'],
    ['contents empty', { contents: [] }, 'contents'],
    ['only system turns', { contents: [{ role: 'system', parts: [{ text: 'x' }] }] }, 'contents'],
    ['a turn not an object', { contents: ['Hi'] }, 'contents[0]'],
    ['an unknown role', { contents: [{ role: 'tool', parts: [{ text: 'x' }] }] }, 'contents[0].role'],
    ['a role not a string', { contents: [{ role: 1, parts: [{ text: 'x' }] }] }, 'contents[0].role'],
    ['parts missing', { contents: [{ role: 'user' }] }, 'contents[0].parts'],
    ['parts empty', { contents: [HI, { role: 'user', parts: [] }] }, 'contents[1].parts'],
    ['a part not an object', { contents: [{ role: 'user', parts: ['Hi'] }] }, 'contents[0].parts[0]'],
    ['a part with neither', { contents: [{ role: 'user', parts: [{ image: 'x' }] }] }, 'contents[0].parts[0]'],
    ['a part with both', { contents: [{ role: 'user', parts: [{ text: 'x', inline_data: { mime_type: 'image/png', data: PNG } }] }] }, 'contents[0].parts[0]'],
    ['text not a string', { contents: [{ role: 'user', parts: [{ text: 5 }] }] }, 'contents[0].parts[0].text'],
    ['text empty', { contents: [{ role: 'user', parts: [{ text: '' }] }] }, 'contents[0].parts[0].text'],
    ['inline data in a system turn', { contents: [HI, { role: 'system', parts: [{ inline_data: { mime_type: 'image/png', data: PNG } }] }] }, 'contents[1].parts'],
    ['inline_data not an object', image('x'), 'contents[0].parts[0].inline_data'],
    ['mime_type missing', image({ data: PNG }), 'contents[0].parts[0].inline_data.mime_type'],
    ['mime_type not a type', image({ mime_type: 'png', data: PNG }), 'contents[0].parts[0].inline_data.mime_type'],
    ['mimeType not a string', image({ mimeType: 7, data: PNG }), 'contents[0].parts[0].inline_data.mimeType'],
    ['data missing', image({ mime_type: 'image/png' }), 'contents[0].parts[0].inline_data.data'],
    ['data not base64', image({ mime_type: 'image/png', data: 'not base64!' }), 'contents[0].parts[0].inline_data.data'],
    ['a declared image that is none', image({ mime_type: 'image/png', data: NOT_AN_IMAGE }), 'contents[0].parts[0].inline_data.data'],
    ['other media, data not base64', image({ mime_type: 'application/pdf', data: '%PDF' }), 'contents[0].parts[0].inline_data.data'],
    ['other media, data empty', image({ mime_type: 'application/pdf', data: '' }), 'contents[0].parts[0].inline_data.data'],
    ['stream not a boolean', { contents: [HI], stream: 'yes' }, 'stream'],
    ['temperature out of range', { contents: [HI], temperature: 3 }, 'temperature'],
    ['max_tokens not an integer', { contents: [HI], max_tokens: 1.5 }, 'max_tokens'],
    ['maxTokens zero', { contents: [HI], maxTokens: 0 }, 'maxTokens'],
    ['top_p out of range', { contents: [HI], top_p: 2 }, 'top_p'],
    ['topK not a number', { contents: [HI], topK: '40' }, 'topK'],
  ])('%s → 400 naming %s', (_name, body, param) => {
    const error = proxyErrorOf(() => translate(body as Record<string, unknown>));
    expect([error.code, error.status, error.param]).toEqual(['GP_BAD_REQUEST', 400, param]);
    expect(error.message).toContain(param);
  });

  it('many parts in a system turn do not overflow the stack', () => {
    const parts = Array.from({ length: 200_000 }, () => ({ text: 'x' }));
    const { body } = translate({ contents: [{ role: 'system', parts }, HI] });
    expect(body.systemInstruction?.parts).toHaveLength(200_000);
  });
});

describe('toSimpleAnswer', () => {
  it.each([
    ['text parts joined', chunk([{ text: 'Hello' }, { text: ', world' }], 'STOP'), 'Hello, world'],
    ['thoughts and calls left out', chunk([{ text: 'hmm', thought: true }, { functionCall: { name: 'f' } }, { text: 'Yes' }], 'STOP'), 'Yes'],
    ['candidate 0 by its index', { candidates: [{ index: 1, content: { parts: [{ text: 'one' }] } }, { index: 0, content: { parts: [{ text: 'zero' }] } }] }, 'zero'],
    ['a blocked prompt', { promptFeedback: { blockReason: 'SAFETY' } }, ''],
    ['no parts', { candidates: [{ finishReason: 'MAX_TOKENS' }] }, ''],
  ])('%s', (_name, response, message) => {
    expect(toSimpleAnswer(response as GenerateContentResponse)).toStrictEqual({ message });
  });
});

describe('SimpleStream', () => {
  it('one message event per chunk with text, then the done event with Gemini\'s finish reason', () => {
    const stream = new SimpleStream();
    const frames = [
      stream.push(chunk([{ text: 'thinking', thought: true }])),
      stream.push(chunk([{ text: 'Hel' }])),
      stream.push(chunk([])),
      stream.push(chunk([{ text: 'lo' }], 'STOP')),
      stream.push({ usageMetadata: { totalTokenCount: 3 } }),
    ];
    expect(stream.truncated).toBe(false);
    frames.push(stream.finish());
    expect(frames).toEqual([
      '',
      'data: {"message":"Hel"}\n\n',
      '',
      'data: {"message":"lo"}\n\n',
      '',
      'data: {"done":true,"finish_reason":"STOP"}\n\n',
    ]);
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
  });

  it('truncated until candidate 0 has a finish reason; nothing said after it', () => {
    const stream = new SimpleStream();
    stream.push(chunk([{ text: 'a' }]));
    expect(stream.truncated).toBe(true);
    stream.push(chunk([], 'MAX_TOKENS'));
    expect(stream.push(chunk([{ text: 'late' }]))).toBe('');
    expect(stream.finish()).toBe('data: {"done":true,"finish_reason":"MAX_TOKENS"}\n\n');
  });

  it('a blocked prompt finishes with its block reason', () => {
    const stream = new SimpleStream();
    expect(stream.push({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } })).toBe('');
    expect(stream.truncated).toBe(false);
    expect(stream.finish()).toBe('data: {"done":true,"finish_reason":"PROHIBITED_CONTENT"}\n\n');
  });

  it('anything but an object is skipped', () => {
    const stream = new SimpleStream();
    expect(stream.push(null as unknown as GenerateContentResponse)).toBe('');
    expect(stream.push({ candidates: 'x' } as unknown as GenerateContentResponse)).toBe('');
    expect(stream.truncated).toBe(true);
  });

  it('fail and keepAlive frames', () => {
    const stream = new SimpleStream();
    expect(stream.fail({ message: 'the upstream stream failed', code: 'upstream_error', status: 502 })).toBe('data: {"error":"the upstream stream failed"}\n\n');
    expect(stream.keepAlive()).toBe(': keep-alive\n\n');
  });
});

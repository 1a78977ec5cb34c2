/** Gemini answers → Ollama's whole chat/generate answers and load answers (wire-formats §3.2, §3.3, §4.1, §4.2). */

import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import { loadAnswer, toOllamaAnswer } from '../../src/protocols/ollama/answer.js';
import { metrics } from '../../src/protocols/ollama/metrics.js';
import { translateOllamaChat, translateOllamaGenerate } from '../../src/protocols/ollama/request.js';
import type { CallKey, OllamaRequest } from '../../src/protocols/ollama/types.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { SIGNATURE, SIGNATURE_IN_ID } from '../fixtures/openai/context.js';
import { STARTED_AT, testContext } from '../fixtures/ollama/context.js';

const CHAT = translateOllamaChat({ model: 'flash', messages: [{ role: 'user', content: 'Hi' }] }, resolve);
const THINKING_CHAT = translateOllamaChat({ model: 'flash', messages: [{ role: 'user', content: 'Hi' }], think: true }, resolve);
const GENERATE = translateOllamaGenerate({ model: 'flash', prompt: 'Hi', think: 'low' }, resolve);
/** The answer is asked for at STARTED_AT and finished 250 ms later. */
const DONE_AT = STARTED_AT + 250;

function answer(response: unknown, request: OllamaRequest = CHAT): Record<string, unknown> {
  return toOllamaAnswer(response as GenerateContentResponse, request, testContext({ at: DONE_AT }));
}

const USAGE = { promptTokenCount: 30, candidatesTokenCount: 50, thoughtsTokenCount: 20 };

function candidate(parts: unknown[], finishReason: string | undefined = 'STOP'): GenerateContentResponse {
  return { candidates: [{ content: { role: 'model', parts }, ...(finishReason && { finishReason }) }], usageMetadata: USAGE } as GenerateContentResponse;
}

describe('toOllamaAnswer', () => {
  it('chat: text joined, metrics in nanoseconds split by tokens', () => {
    expect(answer(candidate([{ text: 'Hello' }, { text: ' there.' }]))).toStrictEqual({
      model: 'flash',
      created_at: '2026-01-01T00:00:00.250Z',
      message: { role: 'assistant', content: 'Hello there.' },
      done: true,
      done_reason: 'stop',
      total_duration: 250_000_000,
      load_duration: 0,
      prompt_eval_count: 30,
      prompt_eval_duration: 75_000_000,
      eval_count: 70,
      eval_duration: 175_000_000,
    });
  });

  it('thoughts go to thinking only when asked for', () => {
    const response = candidate([{ text: 'Plan.', thought: true }, { text: 'Answer.' }]);
    expect(answer(response)['message']).toStrictEqual({ role: 'assistant', content: 'Answer.' });
    expect(answer(response, THINKING_CHAT)['message']).toStrictEqual({ role: 'assistant', content: 'Answer.', thinking: 'Plan.' });
    expect(answer(candidate([{ text: 'Answer.' }]), THINKING_CHAT)['message']).not.toHaveProperty('thinking');
  });

  it('tool calls: arguments as an object, index counted, the signature in the id; still done_reason stop', () => {
    const result = answer(candidate([
      { text: 'Checking.' },
      { functionCall: { name: 'get_weather', args: { city: 'Tokyo' } }, thoughtSignature: SIGNATURE },
      { functionCall: { name: 'now' } },
    ]));
    expect(result['message']).toStrictEqual({
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [
        { id: `call_tok1.ts.${SIGNATURE_IN_ID}`, function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } },
        { id: 'call_tok2', function: { index: 1, name: 'now', arguments: {} } },
      ],
    });
    expect(result['done_reason']).toBe('stop');
  });

  it('each call that comes with a signature is told to remember: the model, this request\'s contents, the call as sent', () => {
    const told: [CallKey, string][] = [];
    const request = translateOllamaChat({ model: 'flash', messages: [{ role: 'user', content: 'Hi' }] }, resolve);
    const result = toOllamaAnswer(candidate([
      { functionCall: { name: 'get_weather', args: { city: 'Tokyo' } }, thoughtSignature: SIGNATURE },
      { functionCall: { name: 'now' } },
      { functionCall: { name: 'now' }, thoughtSignature: 'second' },
    ]), request, { ...testContext(), remember: (key, signature) => told.push([key, signature]) });
    const contentsBefore = [{ role: 'user', parts: [{ text: 'Hi' }] }];
    expect(told).toStrictEqual([
      [{ model: request.model, contentsBefore, name: 'get_weather', args: { city: 'Tokyo' } }, SIGNATURE],
      [{ model: request.model, contentsBefore, name: 'now', args: {} }, 'second'],
    ]);
    expect(told[0]?.[0].contentsBefore).toBe(request.body?.contents);
    expect((result['message'] as { tool_calls: unknown[] }).tool_calls).toHaveLength(3);
  });

  it('generate: response and thinking, no tool calls (and nothing to remember)', () => {
    const remember = (): never => expect.unreachable('generate carries no tool calls');
    const response = candidate([{ text: 'Hmm.', thought: true }, { text: 'Yes.' }, { functionCall: { name: 'f', args: {} }, thoughtSignature: SIGNATURE }], 'MAX_TOKENS');
    const result = toOllamaAnswer(response, GENERATE, { ...testContext({ at: DONE_AT }), remember });
    expect(result).toMatchObject({ model: 'flash', response: 'Yes.', thinking: 'Hmm.', done: true, done_reason: 'length' });
    expect(result).not.toHaveProperty('message');
  });

  it.each([
    ['MAX_TOKENS', 'length'], ['STOP', 'stop'], ['SAFETY', 'stop'], ['RECITATION', 'stop'],
    ['MALFORMED_FUNCTION_CALL', 'stop'], ['OTHER', 'stop'], [undefined, 'stop'],
  ])('finish reason %s → done_reason %s', (reason, doneReason) => {
    expect(answer(candidate([{ text: 'x' }], reason))['done_reason']).toBe(doneReason);
  });

  it('only candidate 0 is read, wherever it stands', () => {
    const response = { candidates: [{ index: 1, content: { parts: [{ text: 'second' }] } }, { index: 0, content: { parts: [{ text: 'first' }] }, finishReason: 'MAX_TOKENS' }] };
    expect(answer(response)).toMatchObject({ message: { content: 'first' }, done_reason: 'length' });
  });

  it.each([
    ['a blocked prompt', { promptFeedback: { blockReason: 'SAFETY' } }],
    ['no candidates', {}],
    ['candidates not a list', { candidates: 'x' }],
    ['a candidate not an object', { candidates: [7] }],
    ['parts not a list', { candidates: [{ content: { parts: 'x' } }] }],
    ['odd parts', { candidates: [{ content: { parts: [null, { text: 5 }, { inlineData: { data: 'x' } }, { functionCall: { name: 1 } }] } }] }],
    ['odd usage', { candidates: [], usageMetadata: { promptTokenCount: 'many' } }],
    ['not an object', null],
  ])('total: %s → an empty answer, done_reason stop', (_name, response) => {
    expect(answer(response)).toMatchObject({ message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 0, eval_count: 0 });
  });
});

describe('metrics', () => {
  const timing = (endedAt: number, firstChunkAt?: number) => ({ startedAt: STARTED_AT, firstChunkAt, endedAt });

  it('streamed: the prompt lasts until the first chunk, the rest is evaluation', () => {
    expect(metrics(USAGE, timing(STARTED_AT + 1000, STARTED_AT + 400))).toStrictEqual({
      total_duration: 1e9, load_duration: 0, prompt_eval_count: 30, prompt_eval_duration: 4e8, eval_count: 70, eval_duration: 6e8,
    });
  });

  it('no tokens: the time is split in half', () => {
    expect(metrics(undefined, timing(STARTED_AT + 10))).toMatchObject({ total_duration: 1e7, prompt_eval_duration: 5e6, eval_duration: 5e6 });
  });

  it.each([
    ['no time at all', timing(STARTED_AT)],
    ['a clock that went back', timing(STARTED_AT - 5)],
    ['a first chunk at the very end', timing(STARTED_AT + 1, STARTED_AT + 1)],
    ['a first chunk before the start', timing(STARTED_AT + 1, STARTED_AT - 1)],
  ])('both durations stay ≥ 1 ns and integers (clients divide by them): %s', (_name, when) => {
    const result = metrics(USAGE, when);
    expect(result.prompt_eval_duration).toBeGreaterThanOrEqual(1);
    expect(result.eval_duration).toBeGreaterThanOrEqual(1);
    expect(result.total_duration).toBeGreaterThanOrEqual(result.prompt_eval_duration + result.eval_duration);
    for (const value of Object.values(result)) expect(Number.isInteger(value)).toBe(true);
  });
});

describe('loadAnswer', () => {
  it.each([
    ['chat, load', { model: 'x:latest', messages: [] }, translateOllamaChat, { message: { role: 'assistant', content: '' }, done_reason: 'load' }],
    ['chat, unload', { model: 'x:latest', keep_alive: 0 }, translateOllamaChat, { message: { role: 'assistant', content: '' }, done_reason: 'unload' }],
    ['generate, load', { model: 'x' }, translateOllamaGenerate, { response: '', done_reason: 'load' }],
    ['generate, unload', { model: 'x', prompt: '', keep_alive: '0' }, translateOllamaGenerate, { response: '', done_reason: 'unload' }],
  ])('%s', (_name, body, translate, fields) => {
    const request = translate(body, resolve);
    expect(loadAnswer(request, testContext({ at: DONE_AT }))).toStrictEqual({
      model: body.model, created_at: '2026-01-01T00:00:00.250Z', ...fields, done: true,
    });
  });
});

/** Gemini stream chunks → Ollama NDJSON lines (wire-formats §3.2, §3.3; wire-formats-2 §6.4). */

import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import { translateOllamaChat, translateOllamaGenerate } from '../../src/protocols/ollama/request.js';
import { OllamaStream } from '../../src/protocols/ollama/stream.js';
import type { CallKey, OllamaRequest } from '../../src/protocols/ollama/types.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { SIGNATURE, SIGNATURE_IN_ID } from '../fixtures/openai/context.js';
import { STARTED_AT, testContext, type TestClock } from '../fixtures/ollama/context.js';

const HI = [{ role: 'user', content: 'Hi' }];
const CHAT = translateOllamaChat({ model: 'flash:latest', messages: HI, think: true }, resolve);
const PLAIN_CHAT = translateOllamaChat({ model: 'flash:latest', messages: HI }, resolve);
const GENERATE = translateOllamaGenerate({ model: 'flash', prompt: 'Hi', think: 'high' }, resolve);
const AT = (ms: number): string => new Date(STARTED_AT + ms).toISOString();

function chunk(parts: unknown[], finishReason?: string, usage?: unknown): GenerateContentResponse {
  return {
    candidates: [{ content: { role: 'model', parts }, ...(finishReason && { finishReason }) }],
    ...(usage !== undefined && { usageMetadata: usage }),
  } as GenerateContentResponse;
}

/** A stream whose clock moves 100 ms before each chunk and before the end. */
function run(request: OllamaRequest, chunks: unknown[]): { lines: unknown[]; stream: OllamaStream } {
  const clock: TestClock = { at: STARTED_AT };
  const stream = new OllamaStream(request, testContext(clock));
  const texts = chunks.map((item) => {
    clock.at += 100;
    return stream.push(item as GenerateContentResponse);
  });
  clock.at += 100;
  texts.push(stream.finish());
  return { lines: texts.map((text) => (text === '' ? '' : JSON.parse(text.slice(0, -1)) as unknown)), stream };
}

describe('OllamaStream: chat', () => {
  it('one line per chunk with something to say, then the done line with the last usage', () => {
    const { lines, stream } = run(CHAT, [
      chunk([{ text: 'Let me think.', thought: true }], undefined, { promptTokenCount: 10 }),
      chunk([{ text: 'Hel' }]),
      chunk([]),
      chunk([{ text: 'lo' }, { functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: SIGNATURE }]),
      chunk([{ functionCall: { name: 'g' } }], 'STOP', { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 3 }),
    ]);
    expect(lines).toStrictEqual([
      { model: 'flash:latest', created_at: AT(100), message: { role: 'assistant', content: '', thinking: 'Let me think.' }, done: false },
      { model: 'flash:latest', created_at: AT(200), message: { role: 'assistant', content: 'Hel' }, done: false },
      '',
      { model: 'flash:latest', created_at: AT(400), message: { role: 'assistant', content: 'lo', tool_calls: [{ id: `call_tok1.ts.${SIGNATURE_IN_ID}`, function: { index: 0, name: 'f', arguments: { a: 1 } } }] }, done: false },
      { model: 'flash:latest', created_at: AT(500), message: { role: 'assistant', content: '', tool_calls: [{ id: 'call_tok2', function: { index: 1, name: 'g', arguments: {} } }] }, done: false },
      {
        model: 'flash:latest', created_at: AT(600), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop',
        total_duration: 600e6, load_duration: 0, prompt_eval_count: 10, prompt_eval_duration: 100e6, eval_count: 8, eval_duration: 500e6,
      },
    ]);
    expect(stream.truncated).toBe(false);
  });

  it('each streamed call that comes with a signature is told to remember, keyed by the request\'s contents', () => {
    const told: [CallKey, string][] = [];
    const stream = new OllamaStream(PLAIN_CHAT, { ...testContext(), remember: (key, signature) => told.push([key, signature]) });
    stream.push(chunk([{ functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: SIGNATURE }]));
    stream.push(chunk([{ functionCall: { name: 'g' } }], 'STOP'));
    expect(told).toStrictEqual([[{ model: PLAIN_CHAT.model, contentsBefore: PLAIN_CHAT.body?.contents, name: 'f', args: { a: 1 } }, SIGNATURE]]);
  });

  it('thoughts are dropped unless asked for; a chunk of only thoughts says nothing', () => {
    const { lines } = run(PLAIN_CHAT, [chunk([{ text: 'hmm', thought: true }]), chunk([{ text: 'ok' }], 'STOP')]);
    expect(lines.slice(0, 2)).toStrictEqual(['', { model: 'flash:latest', created_at: AT(200), message: { role: 'assistant', content: 'ok' }, done: false }]);
  });

  it('MAX_TOKENS → length', () => {
    const { lines } = run(PLAIN_CHAT, [chunk([{ text: 'a' }], 'MAX_TOKENS')]);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'length' });
  });

  it('truncated until candidate 0 finishes; nothing is said after the finish', () => {
    const stream = new OllamaStream(PLAIN_CHAT, testContext());
    expect(stream.truncated).toBe(true);
    stream.push(chunk([{ text: 'a' }]));
    expect(stream.truncated).toBe(true);
    stream.push({ candidates: [{ index: 1, finishReason: 'STOP' }] });
    expect(stream.truncated).toBe(true);
    expect(stream.push(chunk([{ text: 'b' }], 'STOP'))).not.toBe('');
    expect(stream.truncated).toBe(false);
    expect(stream.push(chunk([{ text: 'late' }], 'STOP'))).toBe('');
  });

  it('a usage-only chunk after the finish still counts', () => {
    const { lines } = run(PLAIN_CHAT, [chunk([{ text: 'a' }], 'STOP'), { usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2 } }]);
    expect(lines.at(-1)).toMatchObject({ prompt_eval_count: 4, eval_count: 2 });
  });

  it('a blocked prompt ends the stream with stop', () => {
    const { lines, stream } = run(PLAIN_CHAT, [{ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }]);
    expect(stream.truncated).toBe(false);
    expect(lines).toStrictEqual(['', expect.objectContaining({ message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' })]);
  });

  it.each([[null], ['text'], [{ candidates: 'x' }], [{ candidates: [{ content: { parts: [{ text: 1 }] } }] }]])('odd chunk %j says nothing and throws nothing', (odd) => {
    const stream = new OllamaStream(PLAIN_CHAT, testContext());
    expect(stream.push(odd as unknown as GenerateContentResponse)).toBe('');
    expect(stream.truncated).toBe(true);
  });

  it('keepAlive is an empty done:false line (JSON, not a blank line); fail is an error line; finish is said once', () => {
    const stream = new OllamaStream(PLAIN_CHAT, testContext());
    expect(stream.contentType).toBe('application/x-ndjson');
    expect(stream.keepAlive()).toBe(`{"model":"flash:latest","created_at":"${AT(0)}","message":{"role":"assistant","content":""},"done":false}\n`);
    expect(stream.fail({ message: 'the upstream stream ended early', code: 'stream_truncated', status: 502 })).toBe('{"error":"the upstream stream ended early"}\n');
    expect(stream.finish()).toMatch(/"done":true/);
    expect(stream.finish()).toBe('');
  });

  it('a stream that heard nothing still finishes with durations of at least 1 ns', () => {
    const stream = new OllamaStream(PLAIN_CHAT, testContext());
    expect(JSON.parse(stream.finish())).toMatchObject({ done_reason: 'stop', prompt_eval_duration: 1, eval_duration: 1, total_duration: 2 });
  });
});

describe('OllamaStream: generate', () => {
  it('response deltas with thinking; tool calls are not carried; the done line has an empty response', () => {
    const { lines } = run(GENERATE, [
      chunk([{ text: 'Hmm', thought: true }, { text: 'Hel' }]),
      chunk([{ functionCall: { name: 'f' } }]),
      chunk([{ text: 'lo' }], 'STOP', { promptTokenCount: 2, candidatesTokenCount: 2 }),
    ]);
    expect(lines).toStrictEqual([
      { model: 'flash', created_at: AT(100), response: 'Hel', thinking: 'Hmm', done: false },
      '',
      { model: 'flash', created_at: AT(300), response: 'lo', done: false },
      expect.objectContaining({ model: 'flash', response: '', done: true, done_reason: 'stop', prompt_eval_count: 2, eval_count: 2 }),
    ]);
  });

  it('keepAlive is an empty response line', () => {
    expect(new OllamaStream(GENERATE, testContext()).keepAlive()).toBe(`{"model":"flash","created_at":"${AT(0)}","response":"","done":false}\n`);
  });
});

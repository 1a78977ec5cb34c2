/**
 * Every OpenAI translation is linear in its input (issue 7, defect 4): the work the builtins do,
 * counted by the work meter, grows about 8× when the input grows 8×, never about 64×. One
 * request of 40,000 one-word messages used to freeze the event loop for 12 s.
 */

import { describe, expect, it } from 'vitest';
import { GeminiSseParser } from '../../src/protocols/gemini/sse.js';
import { translateEmbeddingsRequest } from '../../src/protocols/openai/embeddings.js';
import { translateChatRequest } from '../../src/protocols/openai/request.js';
import { toChatCompletion } from '../../src/protocols/openai/response.js';
import { cleanSchema } from '../../src/protocols/shared/schema.js';
import { ChatStreamTranslator } from '../../src/protocols/openai/stream.js';
import { testContext } from '../fixtures/openai/context.js';
import { dataUrl, PNG } from '../fixtures/openai-requests/media.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { growth, measureWork } from '../support/work-meter.js';

/** Linear work grows 8× from n to 8n (plus or minus constant overheads); quadratic 64×. */
const LINEAR = 10;
const N = 500;

/** Asserts that the work at 8n is under LINEAR times the work at n. */
function expectLinear(workAt: (n: number) => number, n = N): void {
  const ratio = growth(workAt, n);
  if (process.env['WORK_METER_DEBUG']) console.log(expect.getState().currentTestName, ratio.toFixed(2));
  expect(ratio, 'work(8n) / work(n)').toBeLessThan(LINEAR);
}

const range = (n: number): number[] => Array.from({ length: n }, (_v, i) => i);

function chat(messages: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'gemini-2.5-flash', messages, ...extra };
}

function chatWork(body: (n: number) => Record<string, unknown>): (n: number) => number {
  return (n) => {
    const request = body(n);
    return measureWork(() => translateChatRequest(request, resolve));
  };
}

const CALL = (i: number) => ({ id: `call_${i}`, type: 'function', function: { name: 'f', arguments: `{"i":${i}}` } });

describe('translateChatRequest is linear', () => {
  it.each([
    ['one-word user messages, all of one role (merged into one turn)', (n: number) =>
      chat(range(n).map(() => ({ role: 'user', content: 'word' })))],
    ['one-word assistant messages, all of one role', (n: number) =>
      chat([{ role: 'user', content: 'hi' }, ...range(n).map(() => ({ role: 'assistant', content: 'word' }))])],
    ['alternating user and assistant messages', (n: number) =>
      chat(range(n).map((i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: 'word' })))],
    ['system messages between user messages', (n: number) =>
      chat(range(n).map((i) => ({ role: i % 2 === 0 ? 'system' : 'user', content: 'word' })))],
    ['one message of many text and image parts', (n: number) =>
      chat([{ role: 'user', content: range(n).map((i) => (i % 2 === 0
        ? { type: 'text', text: 'word' }
        : { type: 'image_url', image_url: { url: dataUrl('image/png', PNG) } })) }])],
    ['messages of many text parts each', (n: number) =>
      chat(range(n / 10).map(() => ({ role: 'user', content: range(10).map(() => ({ type: 'text', text: 'w' })) })))],
    ['tool calls, each answered by a tool message', (n: number) =>
      chat([
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: range(n).map(CALL) },
        ...range(n).map((i) => ({ role: 'tool', tool_call_id: `call_${i}`, content: `{"ok":${i}}` })),
      ])],
    ['many tools with small schemas', (n: number) =>
      chat([{ role: 'user', content: 'hi' }], {
        tools: range(n).map((i) => ({
          type: 'function',
          function: {
            name: `f${i}`,
            parameters: { type: 'object', properties: { a: { $ref: '#/$defs/a' } }, $defs: { a: { type: 'string' } } },
          },
        })),
      })],
    ['many stop sequences', (n: number) =>
      chat([{ role: 'user', content: 'hi' }], { stop: range(n).map((i) => `s${i}`) })],
  ])('%s', (_name, body) => {
    expectLinear(chatWork(body));
  });
});

describe('cleanSchema is linear', () => {
  it.each([
    ['properties referencing one definition', (n: number) => ({
      type: 'object',
      properties: Object.fromEntries(range(n).map((i) => [`p${i}`, { $ref: '#/$defs/d' }])),
      $defs: { d: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: false } },
    })],
    ['a wide anyOf of objects with dropped keywords', (n: number) => ({
      anyOf: range(n).map((i) => ({ type: 'object', $comment: `c${i}`, properties: { [`k${i}`]: { const: i } } })),
    })],
  ])('%s', (_name, schema) => {
    expectLinear((n) => {
      const input = schema(n);
      return measureWork(() => cleanSchema(input));
    });
  });
});

describe('the other translations are linear', () => {
  it('translateEmbeddingsRequest over its inputs (up to the cap)', () => {
    expectLinear((n) => {
      const body = { model: 'gemini-embedding-001', input: range(n).map((i) => `text ${i}`) };
      return measureWork(() => translateEmbeddingsRequest(body, resolve));
    }, 256);
  });

  const parts = (n: number): unknown[] => range(n).map((i) => [
    { text: 'word ' },
    { text: 'thought ', thought: true },
    { functionCall: { name: 'f', args: { i } }, thoughtSignature: 'c2ln' },
  ][i % 3]);

  it('toChatCompletion over the parts of a candidate', () => {
    expectLinear((n) => {
      const response = { candidates: [{ content: { parts: parts(n) }, finishReason: 'STOP' }] };
      return measureWork(() => toChatCompletion(response as never, testContext(), { includeReasoning: true }));
    });
  });

  it('the stream translator over many chunks, and over one chunk of many parts', () => {
    const chunks = (n: number) => range(n).map((i) => ({ candidates: [{ content: { parts: [{ text: `w${i} ` }] } }] }));
    expectLinear((n) => {
      const events = chunks(n);
      const translator = new ChatStreamTranslator(testContext(), { includeUsage: true, includeReasoning: true });
      return measureWork(() => events.forEach((event) => translator.push(event)));
    });
    expectLinear((n) => {
      const event = { candidates: [{ content: { parts: parts(n) } }] };
      const translator = new ChatStreamTranslator(testContext(), { includeUsage: true, includeReasoning: true });
      return measureWork(() => translator.push(event as never));
    });
  });

  it('the SSE parser over many events arriving a few characters at a time', () => {
    expectLinear((n) => {
      const body = range(n).map((i) => `data: {"candidates":[{"content":{"parts":[{"text":"w${i}"}]}}]}\r\n\r\n`).join('');
      const pieces = range(Math.ceil(body.length / 7)).map((i) => body.slice(i * 7, i * 7 + 7));
      const parser = new GeminiSseParser();
      return measureWork(() => {
        for (const piece of pieces) parser.push(piece);
        parser.end();
      });
    });
  });
});

describe('the work meter', () => {
  it('sees quadratic work: copying a growing list per item grows about 64×', () => {
    const quadratic = (n: number) => measureWork(() => {
      let list: number[] = [];
      for (let i = 0; i < n; i += 1) list = [...list, i];
      return list;
    });
    expect(growth(quadratic, 100)).toBeGreaterThan(40);
  });

  it('restores every builtin it counted', () => {
    const before = [Array.prototype.map, Array.prototype[Symbol.iterator], String.prototype.slice, Object.entries, JSON.parse];
    expect(() => measureWork(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect([Array.prototype.map, Array.prototype[Symbol.iterator], String.prototype.slice, Object.entries, JSON.parse]).toStrictEqual(before);
  });
});

/** Gemini stream chunks → OpenAI chat.completion.chunk (wire-formats §2.5), checked against openai-node. */

import OpenAI from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { describe, expect, it } from 'vitest';
import { GeminiSseParser } from '../../src/protocols/gemini/sse.js';
import { ChatStreamTranslator, type StreamOptions } from '../../src/protocols/openai/stream.js';
import type { ChatCompletionChunk } from '../../src/protocols/openai/types.js';
import { TEXT_CHUNKS, TOOL_CALL_CHUNKS, TWO_CANDIDATE_CHUNKS } from '../fixtures/openai/chat-chunks.js';
import { COMPLETION, SIGNATURE, SIGNATURE_IN_ID, testContext } from '../fixtures/openai/context.js';
import {
  ALL_STREAMS, BLOCKED_STREAM, MAX_TOKENS_STREAM, SAFETY_STREAM, TEXT_STREAM, THINKING_STREAM, TOOL_CALLS_STREAM,
  TRUNCATED_STREAM, TWO_CANDIDATES_STREAM, type GeminiStream,
} from '../fixtures/openai/gemini-streams.js';

const WITH_USAGE: StreamOptions = { includeUsage: true, includeReasoning: false };
const PLAIN: StreamOptions = { includeUsage: false, includeReasoning: false };

function translate(stream: GeminiStream, options: StreamOptions): { chunks: ChatCompletionChunk[]; truncated: boolean } {
  const translator = new ChatStreamTranslator(testContext(), options);
  const chunks = stream.events.flatMap((event) => translator.push(event));
  const truncated = translator.truncated;
  return { chunks: [...chunks, ...translator.finish()], truncated };
}

/** The route's pipeline without sockets: Gemini SSE text → parser → translator → OpenAI SSE text. */
function openAiSse(stream: GeminiStream, options: StreamOptions): string {
  const parser = new GeminiSseParser();
  const translator = new ChatStreamTranslator(testContext(), options);
  const chunks = [...parser.push(stream.body), ...parser.end()]
    .flatMap((item) => (item.kind === 'response' ? translator.push(item.value) : []));
  chunks.push(...translator.finish());
  return `${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`;
}

/** The official SDK's strict stream helper, reading the SSE through its own fetch and decoder. */
function sdkStream(sse: string): ReturnType<OpenAI['chat']['completions']['stream']> {
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://openai.invalid/v1',
    maxRetries: 0,
    fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  });
  return client.chat.completions.stream({
    model: COMPLETION.model,
    messages: [{ role: 'user', content: 'hi' }],
    stream_options: { include_usage: true },
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
  });
}

async function finalCompletion(stream: GeminiStream, options: StreamOptions = WITH_USAGE): Promise<OpenAI.ChatCompletion> {
  return sdkStream(openAiSse(stream, options)).finalChatCompletion();
}

describe('ChatStreamTranslator: golden sequences', () => {
  it('text, with usage', () => {
    expect(translate(TEXT_STREAM, WITH_USAGE)).toStrictEqual({ chunks: TEXT_CHUNKS, truncated: false });
  });

  it('parallel calls in one chunk and a call in the next, signature in the id and extra_content', () => {
    expect(translate(TOOL_CALLS_STREAM, WITH_USAGE)).toStrictEqual({ chunks: TOOL_CALL_CHUNKS, truncated: false });
  });

  it('two candidates become two choices, each opened and closed', () => {
    expect(translate(TWO_CANDIDATES_STREAM, WITH_USAGE)).toStrictEqual({ chunks: TWO_CANDIDATE_CHUNKS, truncated: false });
  });
});

describe('ChatStreamTranslator', () => {
  it.each(Object.entries(ALL_STREAMS))('%s: id, created and model are the same on every chunk', (_name, stream) => {
    for (const chunk of translate(stream, WITH_USAGE).chunks) {
      expect(chunk).toMatchObject({ ...COMPLETION, object: 'chat.completion.chunk' });
    }
  });

  it('without include_usage, no chunk has a usage field and finish adds nothing', () => {
    const { chunks } = translate(TOOL_CALLS_STREAM, PLAIN);
    expect(chunks).toEqual(TOOL_CALL_CHUNKS.slice(0, -1).map(({ usage: _usage, ...chunk }) => chunk));
    for (const chunk of chunks) expect(chunk).not.toHaveProperty('usage');
  });

  it('drops thoughts unless reasoning was asked for', () => {
    const deltas = translate(THINKING_STREAM, PLAIN).chunks.map((chunk) => chunk.choices[0]?.delta);
    expect(deltas).toEqual([{ role: 'assistant', content: '' }, { content: 'There are ' }, { content: 'three.' }, {}]);
  });

  it('sends thoughts as reasoning_content when asked, before the answer', () => {
    const { chunks } = translate(THINKING_STREAM, { includeUsage: false, includeReasoning: true });
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: '**Planning**\nCount the ' },
      { reasoning_content: 'letters.' },
      { content: 'There are ' },
      { content: 'three.' },
      {},
    ]);
  });

  it('merges adjacent text parts of one Gemini chunk and skips empty ones', () => {
    const translator = new ChatStreamTranslator(testContext(), PLAIN);
    const parts = [{ text: 'a' }, { text: '' }, { text: 'b' }, { text: 'c', thought: true }, { text: 'd' }];
    const chunks = translator.push({ candidates: [{ content: { parts } }] });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'abd' }]);
  });

  it('reports usage with thoughts and cached tokens from the last Gemini chunk', () => {
    expect(translate(THINKING_STREAM, WITH_USAGE).chunks.at(-1)).toStrictEqual({
      ...COMPLETION,
      object: 'chat.completion.chunk',
      choices: [],
      usage: {
        prompt_tokens: 20, completion_tokens: 34, total_tokens: 54,
        prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 30 },
      },
    });
  });

  it.each([
    ['SAFETY', SAFETY_STREAM, 'content_filter'],
    ['MAX_TOKENS', MAX_TOKENS_STREAM, 'length'],
    ['a blocked prompt', BLOCKED_STREAM, 'content_filter'],
  ] as const)('%s ends the choice with %s', (_name, stream, reason) => {
    const { chunks, truncated } = translate(stream, PLAIN);
    expect(truncated).toBe(false);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.at(-1)?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: reason }]);
  });

  it('ignores anything Gemini sends for a choice after its finish', () => {
    const translator = new ChatStreamTranslator(testContext(), PLAIN);
    translator.push({ candidates: [{ content: { parts: [{ text: 'a' }] }, finishReason: 'STOP' }] });
    expect(translator.push({ candidates: [{ content: { parts: [{ text: 'b' }] }, finishReason: 'STOP' }] })).toEqual([]);
  });
});

describe('ChatStreamTranslator: truncated streams', () => {
  it('is truncated without a finish reason, and finish() invents none', () => {
    const { chunks, truncated } = translate(TRUNCATED_STREAM, WITH_USAGE);
    expect(truncated).toBe(true);
    expect(chunks.flatMap((chunk) => chunk.choices).every((choice) => choice.finish_reason === null)).toBe(true);
  });

  it('is truncated before anything arrived', () => {
    expect(new ChatStreamTranslator(testContext(), PLAIN).truncated).toBe(true);
  });

  it('is truncated when one of two choices never finished', () => {
    const translator = new ChatStreamTranslator(testContext(), PLAIN);
    translator.push({ candidates: [{ content: { parts: [{ text: 'a' }] } }, { content: { parts: [{ text: 'b' }] }, index: 1 }] });
    translator.push({ candidates: [{ content: { parts: [{ text: '.' }] }, finishReason: 'STOP' }] });
    expect(translator.truncated).toBe(true);
  });

  it('is what the SDK would reject: a stream without finish_reason fails its accumulator', async () => {
    await expect(finalCompletion(TRUNCATED_STREAM)).rejects.toThrow('missing finish_reason for choice 0');
  });
});

describe('the openai SDK’s stream helper accepts the chunks', () => {
  it('text', async () => {
    const completion = await finalCompletion(TEXT_STREAM);
    expect(completion.choices).toEqual([expect.objectContaining({
      index: 0,
      finish_reason: 'stop',
      message: expect.objectContaining({ role: 'assistant', content: 'Héllo, wörld — 世界 🌍.' }),
    })]);
    expect(completion).toMatchObject({
      id: COMPLETION.id,
      model: COMPLETION.model,
      usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
    });
  });

  it('parallel tool calls, with the signature kept', async () => {
    const stream = sdkStream(openAiSse(TOOL_CALLS_STREAM, WITH_USAGE));
    const done: string[] = [];
    stream.on('tool_calls.function.arguments.done', (event) => done.push(event.arguments));
    const completion = await stream.finalChatCompletion();
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      {
        id: `call_tok1.ts.${SIGNATURE_IN_ID}`,
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
        extra_content: { google: { thought_signature: SIGNATURE } },
      },
      { id: 'call_tok2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_tok3', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    expect(done).toEqual(['{"city":"Tokyo"}', '{"city":"Paris"}', '{}']);
  });

  it('thoughts with reasoning on', async () => {
    const completion = await finalCompletion(THINKING_STREAM, { includeUsage: true, includeReasoning: true });
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'There are three.' } });
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(30);
  });

  it('two choices', async () => {
    const completion = await finalCompletion(TWO_CANDIDATES_STREAM);
    expect(completion.choices.map((choice) => [choice.index, choice.finish_reason, choice.message.content])).toEqual([
      [0, 'stop', 'Red.'],
      [1, 'tool_calls', 'Let me look.'],
    ]);
    expect(completion.choices[1]?.message.tool_calls?.[0]).toMatchObject({
      id: 'call_tok1',
      function: { name: 'lookup', arguments: '{"q":"colour"}' },
    });
  });

  it.each([
    ['SAFETY', SAFETY_STREAM, 'content_filter', 'Here is how'],
    ['MAX_TOKENS', MAX_TOKENS_STREAM, 'length', 'Once upon a time'],
    ['a blocked prompt', BLOCKED_STREAM, 'content_filter', null],
  ] as const)('%s', async (_name, stream, reason, content) => {
    const completion = await finalCompletion(stream);
    expect(completion.choices[0]).toMatchObject({ finish_reason: reason, message: { role: 'assistant', content } });
  });

  it('also through ChatCompletionStream.fromReadableStream (newline-delimited chunks)', async () => {
    const lines = translate(TOOL_CALLS_STREAM, PLAIN).chunks.map((chunk) => `${JSON.stringify(chunk)}\n`);
    const body = new Response(lines.join('')).body;
    if (!body) throw new Error('no body');
    const completion = await ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
    const names = completion.choices[0]?.message.tool_calls?.map((toolCall) => toolCall.function.name);
    expect(names).toEqual(['get_weather', 'get_weather', 'get_time']);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });
});

describe('ChatStreamTranslator: odd values in an event (issue 7, defect 8)', () => {
  /** One event through a fresh translator, as the parser would hand it over (any JSON object). */
  function push(event: unknown, options: StreamOptions = PLAIN): ChatCompletionChunk[] {
    return new ChatStreamTranslator(testContext(), options).push(event as never);
  }

  const text = (value: string) => ({ text: value });

  /** Call args `levels` objects deep: JSON.stringify overflows the stack on them. */
  const deepArgs = (levels: number): unknown => {
    let args: unknown = {};
    for (let i = 0; i < levels; i += 1) args = { a: args };
    return args;
  };

  const ODD_EVENTS: [string, unknown][] = [
    ['candidates that are an object', { candidates: {} }],
    ['candidates that are a string', { candidates: 'abc' }],
    ['candidates that are a number', { candidates: 5 }],
    ['a null candidate', { candidates: [null] }],
    ['a candidate that is a number', { candidates: [7] }],
    ['content that is a string', { candidates: [{ content: 'x' }] }],
    ['parts that are a number', { candidates: [{ content: { parts: 5 } }] }],
    ['a null part', { candidates: [{ content: { parts: [null] } }] }],
    ['a function call that is null', { candidates: [{ content: { parts: [{ functionCall: null }] } }] }],
    ['a call whose name is a number', { candidates: [{ content: { parts: [{ functionCall: { name: 5 } }] } }] }],
    ['a thought signature that is a number', { candidates: [{ content: { parts: [{ functionCall: { name: 'f' }, thoughtSignature: 5 }] } }] }],
    ['call args 100,000 levels deep', { candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: deepArgs(100_000) } }] } }] }],
    ['usage that is a string', { usageMetadata: 'lots' }],
    ['prompt feedback that is null', { promptFeedback: null }],
    ['a finish reason that is an object', { candidates: [{ finishReason: {} }] }],
    ['an index that is an object', { candidates: [{ index: {}, content: { parts: [text('a')] } }] }],
  ];

  it('throws for no odd value, whatever field holds it', () => {
    for (const [name, event] of ODD_EVENTS) expect(() => push(event, WITH_USAGE), name).not.toThrow();
  });

  it('events that are not objects at all are skipped', () => {
    for (const event of [null, 'x', 5, [], true]) expect(push(event)).toEqual([]);
  });

  it('skips what is not usable and keeps the rest of the event', () => {
    const chunks = push({
      candidates: [null, {
        index: 'one',
        content: { parts: [text('a'), null, { text: 5 }, { functionCall: 'f' }, text('b'), { functionCall: { name: 'f', args: [] } }] },
        finishReason: 'STOP',
      }],
    });
    // The candidate at position 1 keeps position 1 as its index (its own is not a number).
    expect(chunks.map((chunk) => [chunk.choices[0]?.index, chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason])).toEqual([
      [1, { role: 'assistant', content: '' }, null],
      [1, { content: 'ab' }, null],
      [1, {}, 'stop'],
    ]);
  });

  it('odd usage counts count as 0; a later odd usage does not replace a good one', () => {
    const translator = new ChatStreamTranslator(testContext(), WITH_USAGE);
    translator.push({ usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 'x' } } as never);
    translator.push({ usageMetadata: 7 } as never);
    expect(translator.finish()[0]?.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 });
  });
});

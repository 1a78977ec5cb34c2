/**
 * Gemini stream chunks → OpenAI Responses SSE (wire-formats-2 §2.6–2.8): exact event text, every
 * sequence checked against the rules `responses.stream()` enforces, and fed through the installed
 * `openai` SDK's stream helper, whose final response must be the one `response.completed` carries.
 */

import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import { toResponse, type AnswerRequest } from '../../src/protocols/openai/responses/response.js';
import { failureCode, ResponsesStream } from '../../src/protocols/openai/responses/stream.js';
import { SIGNATURE_IN_ID } from '../fixtures/openai/context.js';
import { ALL_STREAMS, TEXT_STREAM, TOOL_CALLS_STREAM, TRUNCATED_STREAM } from '../fixtures/openai/gemini-streams.js';
import { AGENT_ANSWER, AGENT_CHUNKS, ECHO, HIDDEN, RESPONSE, responsesContext, SHOWN } from '../fixtures/responses/answers.js';
import { sdkStream } from '../fixtures/responses/sdk-stream.js';
import { checkStream, parseFrames } from '../fixtures/responses/stream-check.js';

const TRUNCATION = { message: 'the upstream stream ended before the answer was complete', code: 'stream_truncated', status: 502 } as const;

/** Runs the chunks through a stream; ends it as the relay does (finish, or fail when truncated). */
function run(chunks: readonly GenerateContentResponse[], request: AnswerRequest = SHOWN): { sse: string; truncated: boolean } {
  const stream = new ResponsesStream(request, responsesContext());
  let sse = '';
  for (const chunk of chunks) sse += stream.push(chunk);
  const { truncated } = stream;
  sse += truncated ? stream.fail(TRUNCATION) : stream.finish();
  return { sse, truncated };
}

/** The expected frames, numbered from 0 in order. */
function frames(...events: readonly (readonly [type: string, fields: object])[]): string {
  return events.map(([type, fields], sequence) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: sequence })}\n\n`).join('');
}

function response(fields: object): object {
  return {
    id: RESPONSE.id, object: 'response', created_at: RESPONSE.createdAt, status: 'in_progress', error: null, incomplete_details: null,
    model: RESPONSE.model, output: [], ...ECHO, ...fields,
  };
}

function usage(input: number, output: number, reasoning = 0): object {
  return {
    input_tokens: input, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: output, output_tokens_details: { reasoning_tokens: reasoning }, total_tokens: input + output,
  };
}

const STARTED = [['response.created', { response: response({}) }], ['response.in_progress', { response: response({}) }]] as const;
const part = (text: string): object => ({ type: 'output_text', text, annotations: [] });
const message = (id: string, status: string, content: object[]): object => ({ id, type: 'message', role: 'assistant', status, content });

describe('ResponsesStream: golden sequences', () => {
  it('text: one message, a delta per chunk', () => {
    const at = { item_id: 'msg_tok1', output_index: 0 };
    const text = 'Héllo, wörld — 世界 🌍.';
    const done = message('msg_tok1', 'completed', [part(text)]);
    expect(run(TEXT_STREAM.events)).toStrictEqual({
      truncated: false,
      sse: frames(
        ...STARTED,
        ['response.output_item.added', { output_index: 0, item: message('msg_tok1', 'in_progress', []) }],
        ['response.content_part.added', { ...at, content_index: 0, part: part('') }],
        ['response.output_text.delta', { ...at, content_index: 0, delta: 'Hé', logprobs: [] }],
        ['response.output_text.delta', { ...at, content_index: 0, delta: 'llo, wörld — 世界 ', logprobs: [] }],
        ['response.output_text.delta', { ...at, content_index: 0, delta: '🌍.', logprobs: [] }],
        ['response.output_text.done', { ...at, content_index: 0, text, logprobs: [] }],
        ['response.content_part.done', { ...at, content_index: 0, part: part(text) }],
        ['response.output_item.done', { output_index: 0, item: done }],
        ['response.completed', { response: response({ status: 'completed', output: [done], usage: usage(7, 5) }) }],
      ),
    });
  });

  it('function calls: each added, its arguments in one delta, done, closed at once', () => {
    const calls = [
      ['tok1', `call_tok1.ts.${SIGNATURE_IN_ID}`, 'get_weather', '{"city":"Tokyo"}'],
      ['tok2', 'call_tok2', 'get_weather', '{"city":"Paris"}'],
      ['tok3', 'call_tok3', 'get_time', '{}'],
    ] as const;
    const items = calls.map(([token, callId, name, args]) => ({ id: `fc_${token}`, type: 'function_call', status: 'completed', call_id: callId, name, arguments: args }));
    expect(run(TOOL_CALLS_STREAM.events).sse).toBe(frames(
      ...STARTED,
      ...items.flatMap((item, index) => {
        const at = { item_id: item.id, output_index: index };
        return [
          ['response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', arguments: '' } }],
          ['response.function_call_arguments.delta', { ...at, delta: item.arguments }],
          ['response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments }],
          ['response.output_item.done', { output_index: index, item }],
        ] as const;
      }),
      ['response.completed', { response: response({ status: 'completed', output: items, usage: usage(81, 199, 179) }) }],
    ));
  });

  it('thought summaries as a reasoning item, then the message; a namespaced call by name and namespace', () => {
    const { events } = checkStream(run(AGENT_CHUNKS).sse);
    expect(events.map((event) => event.type)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.completed',
    ]);
    expect(events[3]).toMatchObject({ item_id: 'rs_tok1', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } });
    expect(events[23]).toMatchObject({ item: { id: 'fc_tok4', call_id: 'call_tok4', name: 'spawn_agent', namespace: 'multi_agent_v1' } });
  });

  it('streamed or not, the same response (the late chunk adds only usage)', () => {
    const { events } = checkStream(run(AGENT_CHUNKS).sse);
    expect(events.at(-1)?.['response']).toStrictEqual(toResponse(AGENT_ANSWER, SHOWN, responsesContext()));
  });

  it('thoughts hidden unless asked for', () => {
    const { events } = checkStream(run(AGENT_CHUNKS, HIDDEN).sse);
    expect(events.some((event) => event.type.includes('reasoning'))).toBe(false);
    expect(events.at(-1)?.['response']).toStrictEqual(toResponse(AGENT_ANSWER, HIDDEN, responsesContext()));
  });

  it.each([
    ['MAX_TOKENS', ALL_STREAMS.maxTokens, { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }],
    ['SAFETY', ALL_STREAMS.safety, { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }],
    ['a blocked prompt', ALL_STREAMS.blocked, { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [] }],
  ] as const)('%s still ends with response.completed, its status incomplete', (_name, stream, fields) => {
    const { events } = checkStream(run(stream.events).sse);
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: fields });
  });

  it('a truncated stream ends with response.failed, the items finished so far, and no open item closed', () => {
    const { sse, truncated } = run(TRUNCATED_STREAM.events);
    expect(truncated).toBe(true);
    const { events } = checkStream(sse);
    expect(events.map((event) => event.type).slice(-2)).toEqual(['response.output_text.delta', 'response.failed']);
    expect(events.at(-1)?.['response']).toStrictEqual(response({
      status: 'failed', error: { code: 'server_error', message: TRUNCATION.message }, usage: usage(7, 0),
    }));
  });

  it('a failure before any chunk still starts the response first', () => {
    const stream = new ResponsesStream(SHOWN, responsesContext());
    const { events } = checkStream(stream.fail({ message: 'quota', code: 'RESOURCE_EXHAUSTED', status: 429 }));
    expect(events.map((event) => [event.type, event.sequence_number])).toEqual([['response.created', 0], ['response.in_progress', 1], ['response.failed', 2]]);
    expect(events[2]?.['response']).toMatchObject({ status: 'failed', error: { code: 'rate_limit_exceeded', message: 'quota' } });
  });

  it('keep-alives are SSE comments, and take no sequence number', () => {
    const stream = new ResponsesStream(SHOWN, responsesContext());
    expect(stream.keepAlive()).toBe(': keep-alive\n\n');
    const sse = stream.push(TEXT_STREAM.events[0] ?? {}) + stream.keepAlive() + stream.finish();
    expect(parseFrames(sse).map((event) => event.sequence_number)).toEqual([...Array(parseFrames(sse).length).keys()]);
  });

  it('what is not an answer adds nothing; the content type is SSE', () => {
    const stream = new ResponsesStream(SHOWN, responsesContext());
    expect(stream.push(null as never)).toBe('');
    expect(stream.truncated).toBe(true);
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
  });

  it.each([[429, 'rate_limit_exceeded'], [400, 'invalid_prompt'], [404, 'invalid_prompt'], [500, 'server_error'], [502, 'server_error'], [504, 'server_error']] as const)(
    'failureCode(%i) is %s', (status, code) => {
      expect(failureCode(status)).toBe(code);
    },
  );
});

describe('every sequence keeps the rules responses.stream() and Codex rely on', () => {
  const cases = [
    ...Object.entries(ALL_STREAMS).flatMap(([name, stream]) => [[`${name}, thoughts shown`, stream.events, SHOWN], [name, stream.events, HIDDEN]] as const),
    ['agent', AGENT_CHUNKS, SHOWN],
  ] as const;

  it.each(cases)('%s', (_name, chunks, request) => {
    const { events, snapshot } = checkStream(run(chunks, request).sse);
    // The SDK's snapshot ends as the last lifecycle event's response.
    expect(snapshot).toMatchObject(events.at(-1)?.['response'] as object);
  });

  it.each([
    ['an output_index out of order', (sse: string) => sse.replace('"type":"response.output_item.added","output_index":1', '"type":"response.output_item.added","output_index":2')],
    ['an item id reused as call id', (sse: string) => sse.replaceAll('"id":"fc_tok2"', '"id":"call_tok2"')],
    ['an event type the SDK does not know', (sse: string) => sse.replaceAll('response.in_progress', 'response.heartbeat')],
    ['a missing sequence number', (sse: string) => sse.replace(',"sequence_number":3}', '}')],
    ['no response.completed', (sse: string) => sse.slice(0, sse.lastIndexOf('event: response.completed'))],
  ])('the checker itself catches %s', (_name, spoil) => {
    expect(() => checkStream(spoil(run(TOOL_CALLS_STREAM.events).sse))).toThrow();
  });
});

describe('the openai SDK’s responses.stream() assembles the final response', () => {
  it('text: the final response is response.completed’s, with output_text computed', async () => {
    const { sse } = run(TEXT_STREAM.events);
    const { final, deltas } = await sdkStream(sse);
    const completed = parseFrames(sse).at(-1)?.['response'] as object;
    expect(final).toMatchObject(completed);
    expect(final.output_text).toBe('Héllo, wörld — 世界 🌍.');
    expect(deltas).toEqual(['Hé', 'Héllo, wörld — 世界 ', 'Héllo, wörld — 世界 🌍.']);
  });

  it('an agent turn: reasoning, message, and calls Codex can route', async () => {
    const { final, types } = await sdkStream(run(AGENT_CHUNKS).sse);
    expect(types[0]).toBe('response.created');
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Listing files.');
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call']);
    expect(final.output[3]).toMatchObject({ type: 'function_call', name: 'spawn_agent', namespace: 'multi_agent_v1', arguments: '{"message":"hi"}' });
    expect(final.usage).toMatchObject({ input_tokens: 125, output_tokens: 48, total_tokens: 173 });
  });

  it.each(Object.entries(ALL_STREAMS))('%s', async (_name, stream) => {
    const { sse } = run(stream.events);
    const { final } = await sdkStream(sse);
    expect(final).toMatchObject(parseFrames(sse).at(-1)?.['response'] as object);
  });

  it('a failed stream: the SDK resolves with the failed response, not a throw', async () => {
    const { final } = await sdkStream(run(TRUNCATED_STREAM.events).sse);
    expect(final).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
  });
});

/**
 * The OpenAI Responses API through the official `openai` SDK: create, stream, function and custom
 * tool round trips, JSON schema output, reasoning summaries, errors.
 */

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import { APPLY_PATCH_TOOL, EXEC_TOOL } from '../fixtures/responses/custom-tools.js';
import { jsonAnswer, streamAnswer } from '../fixtures/responses/upstream.js';
import { fail } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { withProxy } from '../support/harness.js';

const SIGNATURE = 'c2lnbmF0dXJlLW9mLXRoZS1jYWxs';
const h = withProxy({ keys: ['pool-a', 'pool-b'] });
const client = (): OpenAI => new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });

const weatherCall: Behaviour = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({
    candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  }));
};

const tools = [{ type: 'function' as const, name: 'get_weather', description: 'weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } }];

describe('responses through the openai SDK', () => {
  it('create: instructions and input in, output_text out, with usage', async () => {
    const response = await client().responses.create({ model: 'gemini-2.5-flash', instructions: 'Be brief.', input: 'ping', max_output_tokens: 50 });
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Hello from fake Gemini: ping');
    expect(response.usage).toMatchObject({ input_tokens: 4, output_tokens: 3, total_tokens: 7 });
    expect(h.upstream.sentJson(0)).toMatchObject({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'ping' }] }],
      generationConfig: { maxOutputTokens: 50 },
    });
  });

  it('stream: the SDK helper assembles the final response', async () => {
    const stream = client().responses.stream({ model: 'gemini-2.5-flash', input: 'stream it' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('Hello from fake Gemini: stream it');
    expect(final.output_text).toBe('Hello from fake Gemini: stream it');
    expect(final.status).toBe('completed');
  });

  it('a function call round trip carries the thought signature back', async () => {
    h.upstream.next(weatherCall);
    const first = await client().responses.create({ model: 'gemini-2.5-flash', input: 'weather in Paris?', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(call.id).not.toBe(call.call_id);
    await client().responses.create({
      model: 'gemini-2.5-flash', tools,
      input: [
        { role: 'user', content: 'weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' },
      ],
    });
    const contents = h.upstream.sentJson(1)['contents'] as { parts: Record<string, unknown>[] }[];
    expect(contents[1]?.parts[0]).toMatchObject({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE });
    expect(contents[2]?.parts[0]).toMatchObject({ functionResponse: { name: 'get_weather', response: { temp: 21 } } });
  });

  it('errors: a 400 naming the field before any key is used; stateless previous_response_id', async () => {
    for (const body of [{ model: 'gemini-2.5-flash' }, { model: 'gemini-2.5-flash', input: 'x', previous_response_id: 'resp_1' }]) {
      const error = await client().responses.create(body as never).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    }
    expect(h.upstream.requests).toHaveLength(0);
  });
});

/** The parts of one model turn, finished with STOP and some usage. */
function answer(...parts: Record<string, unknown>[]): GenerateContentResponse {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 6, thoughtsTokenCount: 4, totalTokenCount: 22 },
  };
}

describe('custom tools through the openai SDK', () => {
  const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+Hello, "wörld"\n*** End Patch\n';
  const customTools = [EXEC_TOOL, APPLY_PATCH_TOOL] as const;

  it('declared as functions of one string; a call comes back as custom_tool_call; the replay reaches Gemini signed', async () => {
    h.upstream.next(jsonAnswer(answer({ functionCall: { name: 'apply_patch', args: { input: PATCH } }, thoughtSignature: SIGNATURE })));
    const first = await client().responses.create({ model: 'gemini-2.5-flash', input: 'add hello.txt', tools: [...customTools] });
    const declared = (h.upstream.sentJson(0)['tools'] as { functionDeclarations: { name: string; parametersJsonSchema: unknown }[] }[])[0];
    expect(declared?.functionDeclarations.map((fn) => fn.name)).toEqual(['exec', 'apply_patch']);
    expect(declared?.functionDeclarations[1]?.parametersJsonSchema).toMatchObject({ required: ['input'], properties: { input: { type: 'string' } } });
    expect(JSON.stringify(declared)).toContain('*** Begin Patch');
    const call = first.output[0];
    if (call?.type !== 'custom_tool_call') throw new Error(`expected a custom_tool_call, got ${call?.type}`);
    expect(call).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: PATCH, status: 'completed' });
    expect(call.id).toMatch(/^ctc_/);
    expect(call.call_id).not.toBe(call.id);
    await client().responses.create({
      model: 'gemini-2.5-flash', tools: [...customTools],
      input: [
        { role: 'user', content: 'add hello.txt' },
        { type: 'custom_tool_call', call_id: call.call_id, name: call.name, input: call.input },
        { type: 'custom_tool_call_output', call_id: call.call_id, output: 'Done!' },
      ],
    });
    const contents = h.upstream.sentJson(1)['contents'] as { parts: Record<string, unknown>[] }[];
    expect(contents[1]?.parts).toStrictEqual([{ functionCall: { name: 'apply_patch', args: { input: PATCH } }, thoughtSignature: SIGNATURE }]);
    expect(contents[2]?.parts).toStrictEqual([{ functionResponse: { name: 'apply_patch', response: { output: 'Done!' } } }]);
  });

  it('streamed: responses.stream() emits the input events and assembles the call; tool_choice custom forces it', async () => {
    h.upstream.next(streamAnswer([answer({ functionCall: { name: 'exec', args: { input: 'git status\n' } } })]));
    const stream = client().responses.stream({
      model: 'gemini-2.5-flash', input: 'status?', tools: [...customTools], tool_choice: { type: 'custom', name: 'exec' },
    });
    const deltas: string[] = [];
    const done: string[] = [];
    stream.on('response.custom_tool_call_input.delta', (event) => deltas.push(event.delta));
    stream.on('response.custom_tool_call_input.done', (event) => done.push(event.input));
    const final = await stream.finalResponse();
    expect({ deltas, done }).toStrictEqual({ deltas: ['git status\n'], done: ['git status\n'] });
    expect(final.output).toMatchObject([{ type: 'custom_tool_call', name: 'exec', input: 'git status\n', call_id: expect.stringMatching(/^call_/) }]);
    expect(h.upstream.sentJson(0)['toolConfig']).toStrictEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['exec'] } });
  });
});

describe('JSON schema output through the openai SDK', () => {
  const format = {
    type: 'json_schema' as const, name: 'city', strict: true,
    schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  };

  it('create: the schema reaches Gemini as responseJsonSchema, the JSON text comes back as output_text', async () => {
    h.upstream.next(jsonAnswer(answer({ text: '{"city":"Paris"}' })));
    const response = await client().responses.create({ model: 'gemini-2.5-flash', input: 'capital of France?', text: { format } });
    expect(response.output_text).toBe('{"city":"Paris"}');
    expect(h.upstream.sentJson(0)['generationConfig']).toStrictEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
  });

  it('parse: the SDK parses the JSON text it got', async () => {
    h.upstream.next(jsonAnswer(answer({ text: '{"city":' }, { text: '"Rome"}' })));
    const parsed = await client().responses.parse({ model: 'gemini-2.5-flash', input: 'capital of Italy?', text: { format } });
    expect(parsed.output_parsed).toStrictEqual({ city: 'Rome' });
  });

  it('json_object: JSON output without a schema', async () => {
    h.upstream.next(jsonAnswer(answer({ text: '{"ok":true}' })));
    const response = await client().responses.create({ model: 'gemini-2.5-flash', input: 'json please', text: { format: { type: 'json_object' } } });
    expect(response.output_text).toBe('{"ok":true}');
    expect(h.upstream.sentJson(0)['generationConfig']).toStrictEqual({ responseMimeType: 'application/json' });
  });
});

describe('reasoning summaries through the openai SDK', () => {
  const THOUGHTS = [{ text: 'The user wants ', thought: true }, { text: 'a greeting.', thought: true }, { text: 'Hello!' }];

  it('create: thoughts asked for become a reasoning item with a summary, before the message', async () => {
    h.upstream.next(jsonAnswer(answer(...THOUGHTS)));
    const response = await client().responses.create({ model: 'gemini-2.5-flash', input: 'hi', reasoning: { effort: 'low', summary: 'auto' } });
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(response.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user wants a greeting.' }] });
    expect(response.output_text).toBe('Hello!');
    expect(response.usage).toMatchObject({ output_tokens: 10, output_tokens_details: { reasoning_tokens: 4 } });
    expect(h.upstream.sentJson(0)['generationConfig']).toStrictEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
  });

  it('create without a summary: thoughts are not asked for, nor shown', async () => {
    h.upstream.next(jsonAnswer(answer(...THOUGHTS)));
    const response = await client().responses.create({ model: 'gemini-2.5-flash', input: 'hi' });
    expect(response.output.map((item) => item.type)).toEqual(['message']);
    expect(h.upstream.sentJson(0)['generationConfig']).toBeUndefined();
  });

  it('stream: the summary events, in order, and the assembled reasoning item', async () => {
    h.upstream.next(streamAnswer(THOUGHTS.map((part, index) => ({
      candidates: [{ content: { role: 'model', parts: [part] }, ...(index === THOUGHTS.length - 1 && { finishReason: 'STOP' }) }],
    }))));
    const stream = client().responses.stream({ model: 'gemini-2.5-flash', input: 'hi', reasoning: { summary: 'detailed' } });
    const summary: string[] = [];
    stream.on('event', (event) => {
      if (event.type.startsWith('response.reasoning_summary')) summary.push(event.type);
    });
    const deltas: string[] = [];
    stream.on('response.reasoning_summary_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(summary).toEqual([
      'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done',
    ]);
    expect(deltas).toEqual(['The user wants ', 'a greeting.']);
    expect(final.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user wants a greeting.' }] });
    expect(final.output_text).toBe('Hello!');
  });
});

describe('errors through the openai SDK', () => {
  it('every key rate-limited: a RateLimitError with Retry-After, stream or not', async () => {
    h.upstream.setDefault(fail('quotaPerMinute', '30s'));
    const created = await client().responses.create({ model: 'gemini-2.5-flash', input: 'x' }).catch((caught: unknown) => caught);
    expect(created).toBeInstanceOf(OpenAI.RateLimitError);
    expect((created as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('30');
    expect(created).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    const streamed = await client().responses.stream({ model: 'gemini-2.5-flash', input: 'x' }).finalResponse().catch((caught: unknown) => caught);
    expect(streamed).toBeInstanceOf(OpenAI.RateLimitError);
    expect(new Set(h.upstream.requests.map((request) => request.key))).toEqual(new Set(['pool-a', 'pool-b']));
  });

  it.each([
    ['a malformed item', { input: [{ role: 'tool', content: 'x' }] }, 'input[0].role', 'user, assistant, system or developer'],
    ['an unknown hosted tool', { input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, 'tools[0].type', 'code_interpreter is not a tool'],
    ['a malformed custom tool', { input: 'x', tools: [{ type: 'custom', name: 'exec', format: { type: 'grammar', syntax: 'lark' } }] }, 'tools[0].format.definition', 'is required'],
  ])('%s: a BadRequestError naming the field, before any key is used', async (_name, fields, param, message) => {
    const error = await client().responses.create({ model: 'gemini-2.5-flash', ...fields } as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param, type: 'invalid_request_error' });
    expect((error as Error).message).toContain(message);
    expect(h.upstream.requests).toHaveLength(0);
  });
});

/**
 * Custom tools (free-form input, wire-formats-2 §2.4): the description of the one `input`
 * parameter (custom.ts), calls answered as `custom_tool_call` items whole and streamed (through
 * the installed SDK's stream helper too), and a call replayed in the next request.
 */

import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { customInput, customParameters, inputDescription, MAX_GRAMMAR } from '../../src/protocols/openai/responses/custom.js';
import { translateResponsesRequest } from '../../src/protocols/openai/responses/request.js';
import { toResponse } from '../../src/protocols/openai/responses/response.js';
import { ResponsesStream } from '../../src/protocols/openai/responses/stream.js';
import { SIGNATURE, SIGNATURE_IN_ID } from '../fixtures/openai/context.js';
import { CUSTOM_CALLS_ANSWER, CUSTOM_CALLS_CHUNKS, HIDDEN, PATCH, responsesContext } from '../fixtures/responses/answers.js';
import { RAW_INPUT } from '../fixtures/responses/custom-tools.js';
import { request, resolve } from '../fixtures/responses/requests.js';
import { sdkStream } from '../fixtures/responses/sdk-stream.js';
import { checkStream, parseFrames } from '../fixtures/responses/stream-check.js';

const grammar = (definition: string): object => ({ type: 'grammar', syntax: 'lark', definition });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('inputDescription: raw input, and the grammar it must follow, quoted and capped', () => {
  it.each([undefined, null, { type: 'text' }, {}])('%j: raw input only', (format) => {
    expect(inputDescription(format, 'tools[0].format')).toBe(RAW_INPUT);
  });

  it('a grammar is quoted whole, its syntax named', () => {
    expect(inputDescription({ type: 'grammar', syntax: 'regex', definition: '^\\d+$' }, 'f')).toBe(`${RAW_INPUT} It must follow this regex grammar:\n^\\d+$`);
    expect(inputDescription({ type: 'grammar', definition: 'start: "x"' }, 'f')).toBe(`${RAW_INPUT} It must follow this lark grammar:\nstart: "x"`);
  });

  it('a grammar of exactly the cap is not cut', () => {
    const definition = 'x'.repeat(MAX_GRAMMAR);
    expect(inputDescription(grammar(definition), 'f')).toBe(`${RAW_INPUT} It must follow this lark grammar:\n${definition}`);
  });

  it('a longer grammar is cut at the cap, and says so', () => {
    const definition = 'y'.repeat(MAX_GRAMMAR + 1808);
    expect(inputDescription(grammar(definition), 'f')).toBe(
      `${RAW_INPUT} It must follow this lark grammar:\n${'y'.repeat(MAX_GRAMMAR)}\n(grammar cut at ${MAX_GRAMMAR} of ${MAX_GRAMMAR + 1808} characters)`,
    );
  });

  it('the cut never splits a surrogate pair', () => {
    const definition = `${'a'.repeat(MAX_GRAMMAR - 1)}🌍b`;
    const description = inputDescription(grammar(definition), 'f');
    expect(LONE_SURROGATE.test(description)).toBe(false);
    expect(description).toContain(`\n${'a'.repeat(MAX_GRAMMAR - 1)}\n(grammar cut at ${MAX_GRAMMAR - 1} of ${MAX_GRAMMAR + 2} characters)`);
  });

  it('customParameters: one required string, input', () => {
    expect(customParameters(undefined, 'f')).toStrictEqual({
      type: 'object', properties: { input: { type: 'string', description: RAW_INPUT } }, required: ['input'],
    });
  });
});

describe('customInput: the raw input from Gemini\'s arguments', () => {
  it.each([
    ['the input string', { input: 'ls\n' }, 'ls\n'],
    ['an empty input', { input: '' }, ''],
    ['no input: the arguments as JSON', { command: 'pwd' }, '{"command":"pwd"}'],
    ['an input that is not a string: the arguments as JSON', { input: ['ls'] }, '{"input":["ls"]}'],
    ['no arguments at all', undefined, '{}'],
  ] as const)('%s', (_name, args, input) => {
    expect(customInput(args as Record<string, unknown> | undefined)).toBe(input);
  });
});

const EXEC_ITEM = { id: 'ctc_tok2', type: 'custom_tool_call', status: 'completed', call_id: `call_tok2.ts.${SIGNATURE_IN_ID}`, name: 'exec', input: 'ls -la' };
const PATCH_ITEM = { id: 'ctc_tok3', type: 'custom_tool_call', status: 'completed', call_id: 'call_tok3', name: 'apply_patch', namespace: 'tools', input: PATCH };
const JSON_ITEM = { id: 'ctc_tok4', type: 'custom_tool_call', status: 'completed', call_id: 'call_tok4', name: 'exec', input: '{"command":"pwd"}' };

describe('toResponse: calls of custom tools are custom_tool_call items', () => {
  it('signed, namespaced, and arguments without an input string', () => {
    const { output } = toResponse(CUSTOM_CALLS_ANSWER, HIDDEN, responsesContext());
    expect(JSON.stringify(output)).toBe(JSON.stringify([
      { id: 'msg_tok1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Running it.', annotations: [] }] },
      EXEC_ITEM, PATCH_ITEM, JSON_ITEM,
    ]));
  });

  it('fit the SDK\'s output item types, ids distinct from call ids', () => {
    const output: OpenAI.Responses.ResponseOutputItem[] = toResponse(CUSTOM_CALLS_ANSWER, HIDDEN, responsesContext()).output;
    const calls = output.filter((item): item is OpenAI.Responses.ResponseCustomToolCall => item.type === 'custom_tool_call');
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call.id).not.toBe(call.call_id);
  });
});

function stream(): string {
  const translator = new ResponsesStream(HIDDEN, responsesContext());
  return CUSTOM_CALLS_CHUNKS.map((chunk) => translator.push(chunk)).join('') + translator.finish();
}

describe('ResponsesStream: custom tool calls', () => {
  it('each added with an empty input, its input in one delta, done, closed at once', () => {
    const { events } = checkStream(stream());
    const calls = events.filter((event) => Number(event['output_index']) >= 1 && event.type !== 'response.completed');
    const strip = ({ sequence_number: _sequence, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;
    expect(calls.map(strip)).toStrictEqual([EXEC_ITEM, PATCH_ITEM, JSON_ITEM].flatMap((item, position) => {
      const at = { item_id: item.id, output_index: position + 1 };
      return [
        { type: 'response.output_item.added', output_index: position + 1, item: { ...item, status: 'in_progress', input: '' } },
        { type: 'response.custom_tool_call_input.delta', ...at, delta: item.input },
        { type: 'response.custom_tool_call_input.done', ...at, input: item.input },
        { type: 'response.output_item.done', output_index: position + 1, item },
      ];
    }));
  });

  it('streamed or not, the same response', () => {
    expect(parseFrames(stream()).at(-1)?.['response']).toStrictEqual(toResponse(CUSTOM_CALLS_ANSWER, HIDDEN, responsesContext()));
  });

  it('the checker catches custom input events aimed at a message', () => {
    const spoiled = stream().replace('"type":"response.custom_tool_call_input.delta","item_id":"ctc_tok2","output_index":1', '"type":"response.custom_tool_call_input.delta","item_id":"msg_tok1","output_index":0');
    expect(spoiled).not.toBe(stream());
    expect(() => checkStream(spoiled)).toThrow();
  });

  it('the SDK\'s responses.stream() accepts the sequence and assembles the calls', async () => {
    const { final, types, inputDeltas } = await sdkStream(stream());
    expect(types).toContain('response.custom_tool_call_input.done');
    expect(inputDeltas).toEqual(['ls -la', PATCH, '{"command":"pwd"}']);
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Running it.');
    expect(final.output.slice(1)).toStrictEqual([EXEC_ITEM, PATCH_ITEM, JSON_ITEM]);
  });
});

describe('a custom tool call round trip', () => {
  it('the answer\'s item, replayed with its output, is the call Gemini made, signature and all', () => {
    const output = toResponse(CUSTOM_CALLS_ANSWER, HIDDEN, responsesContext()).output;
    const [exec, patch] = output.filter((item) => item.type === 'custom_tool_call');
    const tools = [{ type: 'custom', name: 'exec' }, { type: 'namespace', name: 'tools', tools: [{ type: 'custom', name: 'apply_patch' }] }];
    const next = translateResponsesRequest(request({
      tools,
      input: [
        { role: 'user', content: 'go' },
        exec, patch,
        { type: 'custom_tool_call_output', call_id: exec?.call_id, output: 'total 0' },
        { type: 'custom_tool_call_output', call_id: patch?.call_id, output: 'Done!' },
      ],
    }), resolve, {});
    expect(next.body.contents.slice(1)).toStrictEqual([
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'exec', args: { input: 'ls -la' } }, thoughtSignature: SIGNATURE },
          { functionCall: { name: 'tools__apply_patch', args: { input: PATCH } }, thoughtSignature: 'skip_thought_signature_validator' },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'exec', response: { output: 'total 0' } } },
          { functionResponse: { name: 'tools__apply_patch', response: { output: 'Done!' } } },
        ],
      },
    ]);
  });
});

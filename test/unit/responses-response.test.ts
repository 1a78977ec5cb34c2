/** A Gemini answer → an OpenAI Responses `response` object (wire-formats-2 §2.5). */

import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import { toResponse } from '../../src/protocols/openai/responses/response.js';
import type { ResponseObject } from '../../src/protocols/openai/responses/types.js';
import { SIGNATURE_IN_ID } from '../fixtures/openai/context.js';
import { AGENT_ANSWER, ECHO, HIDDEN, RESPONSE, responsesContext, SHOWN } from '../fixtures/responses/answers.js';

function usage(input: number, output: number, cached = 0, reasoning = 0): object {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

/** The response object around `fields` (status, output, usage, …), as the translator lays it out. */
function response(fields: Record<string, unknown>): object {
  return {
    id: RESPONSE.id, object: 'response', created_at: RESPONSE.createdAt, status: 'completed', error: null, incomplete_details: null,
    model: RESPONSE.model, output: [], ...ECHO, ...fields,
  };
}

const message = (id: string, text: string): object => ({
  id, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }],
});

const text = (value: string, finishReason = 'STOP'): GenerateContentResponse => ({
  candidates: [{ content: { role: 'model', parts: [{ text: value }] }, finishReason, index: 0 }],
  usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2 },
});

describe('toResponse: golden answers', () => {
  it('thoughts, text and two calls, thoughts shown: items in part order, skipped parts skipped', () => {
    expect(JSON.stringify(toResponse(AGENT_ANSWER, SHOWN, responsesContext()))).toBe(JSON.stringify(response({
      output: [
        { id: 'rs_tok1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Plan: run ls.' }] },
        message('msg_tok2', 'Listing files.'),
        {
          id: 'fc_tok3', type: 'function_call', status: 'completed', call_id: `call_tok3.ts.${SIGNATURE_IN_ID}`,
          name: 'shell', arguments: '{"command":["ls"]}',
        },
        {
          id: 'fc_tok4', type: 'function_call', status: 'completed', call_id: 'call_tok4',
          name: 'spawn_agent', namespace: 'multi_agent_v1', arguments: '{"message":"hi"}',
        },
      ],
      usage: usage(125, 48, 100, 18),
    })));
  });

  it('thoughts hidden when no summary was asked for', () => {
    const { output } = toResponse(AGENT_ANSWER, HIDDEN, responsesContext());
    expect(output.map((item) => [item.type, item.id])).toEqual([['message', 'msg_tok1'], ['function_call', 'fc_tok2'], ['function_call', 'fc_tok3']]);
  });

  it('text split by a call makes two messages', () => {
    const answer: GenerateContentResponse = {
      candidates: [{ content: { parts: [{ text: 'Before.' }, { functionCall: { name: 'unknown_fn' } }, { text: 'After.' }] }, finishReason: 'STOP' }],
    };
    expect(toResponse(answer, HIDDEN, responsesContext()).output).toStrictEqual([
      message('msg_tok1', 'Before.'),
      // A name the request did not declare is answered as it is, arguments `{}` when Gemini sent none.
      { id: 'fc_tok2', type: 'function_call', status: 'completed', call_id: 'call_tok2', name: 'unknown_fn', arguments: '{}' },
      message('msg_tok3', 'After.'),
    ]);
  });

  it.each([
    ['STOP', text('Done.'), { output: [message('msg_tok1', 'Done.')], usage: usage(5, 2) }],
    [
      'MAX_TOKENS: incomplete, max_output_tokens', text('Once upon', 'MAX_TOKENS'),
      { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [message('msg_tok1', 'Once upon')], usage: usage(5, 2) },
    ],
    [
      'SAFETY: incomplete, content_filter', text('Here is how', 'SAFETY'),
      { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [message('msg_tok1', 'Here is how')], usage: usage(5, 2) },
    ],
    [
      'a blocked prompt: no output, content_filter', { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 15 } },
      { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, usage: usage(15, 0) },
    ],
    ['nothing at all', {}, { usage: usage(0, 0) }],
    ['not even an object', null as never, { usage: usage(0, 0) }],
    ['an empty text part makes no message', text(''), { usage: usage(5, 2) }],
  ] as const)('%s', (_name, answer, fields) => {
    expect(toResponse(answer, SHOWN, responsesContext())).toStrictEqual(response(fields));
  });
});

describe('toResponse: the shape the openai SDK types', () => {
  it('is a Response but for output_text, which the SDK computes', () => {
    const typed: ResponseObject = toResponse(AGENT_ANSWER, SHOWN, responsesContext());
    // Compile-time: every item, the usage and the error fit the SDK's types.
    const output: OpenAI.Responses.ResponseOutputItem[] = typed.output;
    const used: OpenAI.Responses.ResponseUsage | undefined = typed.usage;
    const error: OpenAI.Responses.ResponseError | null = typed.error;
    expect([output.length, used?.total_tokens, error]).toEqual([4, 173, null]);
    expect(typed).not.toHaveProperty('output_text');
    for (const field of ['parallel_tool_calls', 'tool_choice', 'tools', 'temperature', 'top_p', 'instructions', 'metadata', 'incomplete_details']) {
      expect(typed).toHaveProperty(field);
    }
  });

  it('function_call ids are distinct from call ids', () => {
    for (const item of toResponse(AGENT_ANSWER, SHOWN, responsesContext()).output) {
      if (item.type === 'function_call') expect(item.id).not.toBe(item.call_id);
    }
  });
});

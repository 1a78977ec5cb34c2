/** Gemini GenerateContentResponse → OpenAI chat.completion (wire-formats §2.4, §4.1, §4.2). */

import { describe, expect, it } from 'vitest';
import { candidateIndex, readPart } from '../../src/protocols/gemini/answer-parts.js';
import { mapFinishReason, toChatCompletion, toToolCall, toUsage } from '../../src/protocols/openai/response.js';
import { signatureFromToolCallId } from '../../src/protocols/shared/signature.js';
import { COMPLETION_CASES } from '../fixtures/openai/chat-completions.js';
import { SIGNATURE, testContext } from '../fixtures/openai/context.js';

describe('toChatCompletion: golden fixtures', () => {
  it.each(COMPLETION_CASES.map((c) => [c.name, c] as const))('%s', (_name, { gemini, includeReasoning, expected }) => {
    expect(toChatCompletion(gemini, testContext(), { includeReasoning })).toStrictEqual(expected);
  });
});

describe('toChatCompletion', () => {
  const call = (name: string) => ({ functionCall: { name, args: {} } });

  it('never sends an empty tool_calls list', () => {
    const gemini = { candidates: [{ content: { parts: [{ text: 'hi' }] }, finishReason: 'STOP' }] };
    const completion = toChatCompletion(gemini, testContext(), { includeReasoning: true });
    expect(completion.choices[0]?.message).not.toHaveProperty('tool_calls');
    expect(completion.choices[0]?.message).not.toHaveProperty('reasoning_content');
  });

  it('takes one fresh token per call, in candidate then part order', () => {
    const completion = toChatCompletion({
      candidates: [
        { content: { parts: [call('a'), call('b')] }, finishReason: 'STOP' },
        { content: { parts: [call('c')] }, finishReason: 'STOP', index: 1 },
      ],
    }, testContext(), { includeReasoning: false });
    const ids = completion.choices.map((choice) => choice.message.tool_calls?.map((toolCall) => toolCall.id));
    expect(ids).toEqual([['call_tok1', 'call_tok2'], ['call_tok3']]);
  });

  it('carries the thought signature so the request side can read it back from the id', () => {
    const completion = toChatCompletion({
      candidates: [{ content: { parts: [{ ...call('a'), thoughtSignature: SIGNATURE }] }, finishReason: 'STOP' }],
    }, testContext(), { includeReasoning: false });
    const toolCall = completion.choices[0]?.message.tool_calls?.[0];
    expect(signatureFromToolCallId(toolCall?.id ?? '')).toBe(SIGNATURE);
    expect(toolCall?.extra_content).toEqual({ google: { thought_signature: SIGNATURE } });
  });

  it('skips parts OpenAI has no place for, such as audio', () => {
    const completion = toChatCompletion({
      candidates: [{
        content: { parts: [{ inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: 'AAAA' } }, { text: 'A cat.' }] },
        finishReason: 'STOP',
      }],
    }, testContext(), { includeReasoning: false });
    expect(completion.choices[0]?.message.content).toBe('A cat.');
  });

  it('answers an empty response with one empty choice', () => {
    expect(toChatCompletion({}, testContext(), { includeReasoning: false }).choices).toEqual([
      { index: 0, message: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: 'stop' },
    ]);
  });
});

describe('mapFinishReason', () => {
  it.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    [undefined, true, 'tool_calls'],
    [undefined, false, 'stop'],
    ['MAX_TOKENS', false, 'length'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['IMAGE_SAFETY', false, 'content_filter'],
    ['IMAGE_PROHIBITED_CONTENT', false, 'content_filter'],
    ['IMAGE_RECITATION', false, 'content_filter'],
    ['LANGUAGE', false, 'stop'],
    ['OTHER', false, 'stop'],
    ['FINISH_REASON_UNSPECIFIED', false, 'stop'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    ['UNEXPECTED_TOOL_CALL', true, 'stop'],
    ['TOO_MANY_TOOL_CALLS', true, 'stop'],
    ['NO_IMAGE', false, 'stop'],
    ['IMAGE_OTHER', false, 'stop'],
    ['SOMETHING_NEW', false, 'stop'],
  ] as const)('%s (tool calls: %s) → %s', (reason, hasToolCalls, expected) => {
    expect(mapFinishReason(reason, hasToolCalls)).toBe(expected);
  });
});

describe('toUsage', () => {
  it('is all zeros without usage metadata', () => {
    expect(toUsage(undefined)).toEqual({
      prompt_tokens: 0, completion_tokens: 0, total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('counts thoughts as completion and tool-use prompts as prompt, keeping the total consistent', () => {
    // Google's recorded example: prompt 1844 (cached 901), candidates 432, thoughts 91, toolUsePrompt 1934.
    expect(toUsage({
      promptTokenCount: 1844, cachedContentTokenCount: 901, candidatesTokenCount: 432,
      thoughtsTokenCount: 91, toolUsePromptTokenCount: 1934, totalTokenCount: 4301,
    })).toEqual({
      prompt_tokens: 3778, completion_tokens: 523, total_tokens: 4301,
      prompt_tokens_details: { cached_tokens: 901 }, completion_tokens_details: { reasoning_tokens: 91 },
    });
  });

  it('recomputes the total rather than trusting totalTokenCount', () => {
    expect(toUsage({ promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 99 }).total_tokens).toBe(7);
  });
});

describe('helpers', () => {
  it('candidateIndex takes the index, or the position when proto3 left it out', () => {
    expect(candidateIndex({ index: 1 }, 0)).toBe(1);
    expect(candidateIndex({}, 2)).toBe(2);
  });

  it('readPart tells calls, text and thoughts apart', () => {
    expect(readPart({ text: 'a' })).toEqual({ kind: 'text', text: 'a' });
    expect(readPart({ text: 'a', thought: true })).toEqual({ kind: 'thought', text: 'a' });
    expect(readPart({ functionCall: { name: 'f' } })).toMatchObject({ kind: 'call' });
    expect(readPart({ inlineData: { mimeType: 'image/png', data: '' } })).toBeUndefined();
  });

  it('toToolCall sends {} for a call without args, and no extra_content without a signature', () => {
    expect(toToolCall({ functionCall: { name: 'now' } }, 'x')).toStrictEqual({
      id: 'call_x', type: 'function', function: { name: 'now', arguments: '{}' },
    });
  });
});

describe('toChatCompletion: odd values (issue 7, defect 8)', () => {
  const complete = (value: unknown) => toChatCompletion(value as never, testContext(), { includeReasoning: true });

  const ODD_ANSWERS: [string, unknown][] = [
    ['candidates that are an object', { candidates: {} }],
    ['a null candidate', { candidates: [null] }],
    ['parts that are a number', { candidates: [{ content: { parts: 5 } }] }],
    ['a null part', { candidates: [{ content: { parts: [null] } }] }],
    ['a thought signature that is a number', { candidates: [{ content: { parts: [{ functionCall: { name: 'f' }, thoughtSignature: 5 }] } }] }],
    ['usage that is a string', { usageMetadata: 'lots' }],
    ['null', null],
    ['a string', 'x'],
  ];

  it('gives one empty choice or the usable rest for every odd value, never an exception', () => {
    for (const [name, value] of ODD_ANSWERS) {
      const completion = complete(value);
      expect(completion.choices.length, name).toBeGreaterThan(0);
      expect(completion.usage?.total_tokens, name).toBe(0);
    }
  });

  it('keeps the usable parts and candidates', () => {
    const completion = complete({
      candidates: [null, { content: { parts: [{ text: 'a' }, null, { text: 1 }, { text: 'b' }] }, finishReason: 'STOP', index: -2 }],
      usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 'x' },
    });
    expect(completion.choices).toEqual([
      { index: 1, message: { role: 'assistant', content: 'ab', refusal: null }, logprobs: null, finish_reason: 'stop' },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 0 });
  });
});

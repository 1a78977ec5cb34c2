/** Gemini answers → Anthropic `message` objects (wire-formats-2 §1.4). */

import { describe, expect, it } from 'vitest';
import { stopReason, toAnthropicMessage, toolUseId, toUsage } from '../../src/protocols/anthropic/response.js';
import { translateAnthropicRequest } from '../../src/protocols/anthropic/request.js';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import { signatureFromToolCallId } from '../../src/protocols/shared/signature.js';
import { MESSAGE, messageContext, THINKING_TOOL_ANSWER, THOUGHT_SIGNATURE } from '../fixtures/anthropic/gemini-answers.js';
import { resolve } from '../fixtures/anthropic/requests.js';
import { SIGNATURE, SIGNATURE_IN_ID } from '../fixtures/openai/context.js';

const SHOWN = { requestedModel: MESSAGE.requestedModel, includeThinking: true };
const HIDDEN = { requestedModel: MESSAGE.requestedModel, includeThinking: false };

function answer(parts: object[], finishReason = 'STOP'): GenerateContentResponse {
  return { candidates: [{ content: { role: 'model', parts }, finishReason }], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2 } };
}

const USAGE_10_2 = { input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

describe('toAnthropicMessage', () => {
  it('thoughts, text, and tool calls whose ids carry their signatures (golden)', () => {
    expect(toAnthropicMessage(THINKING_TOOL_ANSWER, SHOWN, messageContext())).toStrictEqual({
      id: 'msg_test',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'Plan: read the file.', signature: THOUGHT_SIGNATURE },
        { type: 'text', text: 'Reading it.' },
        { type: 'tool_use', id: `toolu_tok1.ts.${SIGNATURE_IN_ID}`, name: 'Read', input: { file_path: '/tmp/a' } },
        { type: 'tool_use', id: 'toolu_tok2', name: 'Glob', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 25, output_tokens: 48, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 },
    });
  });

  it('thoughts only when asked for', () => {
    const message = toAnthropicMessage(THINKING_TOOL_ANSWER, HIDDEN, messageContext());
    expect(message.content.map((block) => block.type)).toEqual(['text', 'tool_use', 'tool_use']);
  });

  it('a thinking block without a signature has signature ""', () => {
    const message = toAnthropicMessage(answer([{ text: 'Hm.', thought: true }, { text: 'Yes.' }]), SHOWN, messageContext());
    expect(message.content).toStrictEqual([{ type: 'thinking', thinking: 'Hm.', signature: '' }, { type: 'text', text: 'Yes.' }]);
  });

  it('text on both sides of a call stays two blocks', () => {
    const message = toAnthropicMessage(answer([{ text: 'A' }, { functionCall: { name: 'f', args: {} } }, { text: 'B' }]), SHOWN, messageContext());
    expect(message.content.map((block) => block.type)).toEqual(['text', 'tool_use', 'text']);
  });

  it.each([
    ['STOP', [{ text: 'Hi' }], 'end_turn'],
    ['MAX_TOKENS', [{ text: 'Hi' }], 'max_tokens'],
    ['MAX_TOKENS', [{ functionCall: { name: 'f' } }], 'max_tokens'],
    ['STOP', [{ functionCall: { name: 'f' } }], 'tool_use'],
    ['SAFETY', [], 'refusal'],
    ['RECITATION', [{ text: 'Hi' }], 'refusal'],
    ['MALFORMED_FUNCTION_CALL', [], 'end_turn'],
    ['OTHER', [], 'end_turn'],
  ] as const)('finishReason %s with %j → %s', (reason, parts, expected) => {
    expect(toAnthropicMessage(answer([...parts], reason), SHOWN, messageContext()).stop_reason).toBe(expected);
  });

  it('a blocked prompt: no content, refusal', () => {
    const blocked: GenerateContentResponse = { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 10 } };
    expect(toAnthropicMessage(blocked, SHOWN, messageContext())).toMatchObject({ content: [], stop_reason: 'refusal', usage: { ...USAGE_10_2, output_tokens: 0 } });
  });

  it('no candidates and no block: an empty end_turn; an empty text part adds no block', () => {
    expect(toAnthropicMessage({}, SHOWN, messageContext())).toMatchObject({ content: [], stop_reason: 'end_turn' });
    expect(toAnthropicMessage(answer([{ text: '' }]), SHOWN, messageContext()).content).toEqual([]);
  });

  it('only the first candidate is read', () => {
    const two: GenerateContentResponse = { candidates: [{ content: { parts: [{ text: 'one' }] } }, { content: { parts: [{ text: 'two' }] }, index: 1 }] };
    expect(toAnthropicMessage(two, SHOWN, messageContext()).content).toEqual([{ type: 'text', text: 'one' }]);
  });
});

describe('pieces', () => {
  it('stopReason follows the OpenAI finish mapping', () => {
    expect([stopReason(undefined, false), stopReason(undefined, true), stopReason('STOP', true)]).toEqual(['end_turn', 'tool_use', 'tool_use']);
  });

  it('usage: cached tokens move out of input_tokens; output counts thoughts; absent is 0', () => {
    expect(toUsage({ promptTokenCount: 50, cachedContentTokenCount: 20, toolUsePromptTokenCount: 3, candidatesTokenCount: 7, thoughtsTokenCount: 5 }))
      .toStrictEqual({ input_tokens: 33, output_tokens: 12, cache_read_input_tokens: 20, cache_creation_input_tokens: 0 });
    expect(toUsage(undefined)).toStrictEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it('a tool_use id round-trips the signature through a request', () => {
    const id = toolUseId('abc', SIGNATURE);
    expect(id).toBe(`toolu_abc.ts.${SIGNATURE_IN_ID}`);
    expect(signatureFromToolCallId(id)).toBe(SIGNATURE);
    expect(toolUseId('abc', undefined)).toBe('toolu_abc');
    const request = translateAnthropicRequest({
      model: 'gemini-3-pro-preview',
      messages: [
        { role: 'user', content: 'Go' },
        { role: 'assistant', content: toAnthropicMessage(THINKING_TOOL_ANSWER, SHOWN, messageContext()).content },
      ],
    }, resolve);
    expect(request.body.contents[1]?.parts).toStrictEqual([
      { text: 'Reading it.' },
      { functionCall: { name: 'Read', args: { file_path: '/tmp/a' } }, thoughtSignature: SIGNATURE },
      { functionCall: { name: 'Glob', args: {} }, thoughtSignature: 'skip_thought_signature_validator' },
    ]);
  });
});

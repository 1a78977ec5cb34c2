/** Shape checks for Gemini's 2xx answers on the translated routes (issue 7, defect 8). */

import { describe, expect, it } from 'vitest';
import {
  isBatchEmbedContentsResponse, isGenerateContentResponse, isListModelsResponse, MAX_ARGS_DEPTH,
} from '../../src/protocols/gemini/answers.js';
import { toOpenAiModels } from '../../src/protocols/openai/models.js';
import { toChatCompletion } from '../../src/protocols/openai/response.js';
import { COMPLETION_CASES } from '../fixtures/openai/chat-completions.js';
import { testContext } from '../fixtures/openai/context.js';
import { ALL_STREAMS } from '../fixtures/openai/gemini-streams.js';

/** `{ a: { a: … } }`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i += 1) value = { a: value };
  return value;
}

const part = (value: unknown) => ({ candidates: [{ content: { parts: [value] } }] });

describe('isGenerateContentResponse', () => {
  it('accepts every golden answer and stream event', () => {
    for (const { gemini } of COMPLETION_CASES) expect(isGenerateContentResponse(gemini)).toBe(true);
    for (const stream of Object.values(ALL_STREAMS)) for (const event of stream.events) expect(isGenerateContentResponse(event)).toBe(true);
  });

  it.each([
    ['an empty object (proto3 drops every default)', {}],
    ['no candidates, a blocked prompt', { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 3 } }],
    ['a candidate without content', { candidates: [{ finishReason: 'SAFETY', index: 0 }] }],
    ['content without parts', { candidates: [{ content: { role: 'model' } }] }],
    ['a part with inline data', part({ inlineData: { mimeType: 'image/png', data: 'iVBO' } })],
    ['a call without args', part({ functionCall: { name: 'now' } })],
    ['a call with args of the deepest kind taken', part({ functionCall: { name: 'f', args: nested(MAX_ARGS_DEPTH) } })],
    ['fields the translators do not read, of any kind', { modelVersion: 7, candidates: [{ safetyRatings: 'x', content: { parts: [{ executableCode: 1 }] } }] }],
  ])('accepts %s', (_name, value) => {
    expect(isGenerateContentResponse(value)).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'x'],
    ['a number', 7],
    ['an array', [{ candidates: [] }]],
    ['candidates that are an object', { candidates: {} }],
    ['a null candidate', { candidates: [null] }],
    ['a candidate that is a string', { candidates: ['x'] }],
    ['content that is a string', { candidates: [{ content: 'x' }] }],
    ['content that is null', { candidates: [{ content: null }] }],
    ['parts that are an object', { candidates: [{ content: { parts: {} } }] }],
    ['a null part', part(null)],
    ['a part that is a string', part('x')],
    ['text that is a number', part({ text: 5 })],
    ['thought that is a string', part({ text: 'a', thought: 'yes' })],
    ['a thought signature that is a number', part({ text: 'a', thoughtSignature: 1 })],
    ['a function call that is a string', part({ functionCall: 'f' })],
    ['a function call without a name', part({ functionCall: { args: {} } })],
    ['args that are a string', part({ functionCall: { name: 'f', args: '{}' } })],
    ['args that are an array', part({ functionCall: { name: 'f', args: [] } })],
    ['args nested deeper than JSON.stringify can safely go', part({ functionCall: { name: 'f', args: nested(MAX_ARGS_DEPTH + 1) } })],
    ['inline data without data', part({ inlineData: { mimeType: 'image/png' } })],
    ['a finish reason that is a number', { candidates: [{ finishReason: 1 }] }],
    ['an index that is a string', { candidates: [{ index: '1' }] }],
    ['a negative index', { candidates: [{ index: -1 }] }],
    ['usage that is a number', { usageMetadata: 5 }],
    ['a token count that is a string', { usageMetadata: { promptTokenCount: '5' } }],
    ['prompt feedback that is a string', { promptFeedback: 'blocked' }],
    ['a block reason that is an object', { promptFeedback: { blockReason: {} } }],
  ])('rejects %s', (_name, value) => {
    expect(isGenerateContentResponse(value)).toBe(false);
  });

  it('whatever it accepts translates', () => {
    const accepted = { candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: nested(MAX_ARGS_DEPTH) } }] } }] };
    expect(isGenerateContentResponse(accepted)).toBe(true);
    expect(() => toChatCompletion(accepted, testContext(), { includeReasoning: false })).not.toThrow();
  });
});

describe('isBatchEmbedContentsResponse', () => {
  const answer = (count: number) => ({ embeddings: Array.from({ length: count }, (_, i) => ({ values: [i, 0.5, -1e-3] })) });

  it('accepts exactly one embedding per input', () => {
    expect(isBatchEmbedContentsResponse(answer(3), 3)).toBe(true);
    expect(isBatchEmbedContentsResponse({ embeddings: [{ values: [] }] }, 1)).toBe(true);
  });

  it.each([
    ['fewer embeddings than inputs (indexes would shift)', answer(2), 3],
    ['more embeddings than inputs', answer(4), 3],
    ['null', null, 1],
    ['a string', 'x', 1],
    ['no embeddings', {}, 1],
    ['embeddings that are an object', { embeddings: {} }, 1],
    ['a null embedding', { embeddings: [null] }, 1],
    ['an embedding without values', { embeddings: [{}] }, 1],
    ['values that are an object', { embeddings: [{ values: {} }] }, 1],
    ['a value that is a string', { embeddings: [{ values: [1, '2'] }] }, 1],
    ['a value that is null (NaN on the wire)', { embeddings: [{ values: [null] }] }, 1],
  ])('rejects %s', (_name, value, count) => {
    expect(isBatchEmbedContentsResponse(value, count)).toBe(false);
  });
});

describe('isListModelsResponse', () => {
  it('accepts a list of named models, or none', () => {
    const list = { models: [{ name: 'models/gemini-2.5-flash', displayName: 'Flash', inputTokenLimit: 1 }], nextPageToken: 'n' };
    expect(isListModelsResponse(list)).toBe(true);
    expect(isListModelsResponse({})).toBe(true);
    expect(toOpenAiModels(list.models, {})).toEqual([{ id: 'gemini-2.5-flash', object: 'model', created: 0, owned_by: 'google' }]);
  });

  it.each([
    ['null', null],
    ['a string', 'x'],
    ['models that are an object', { models: {} }],
    ['a null model', { models: [null] }],
    ['a model without a name', { models: [{ displayName: 'x' }] }],
    ['a name that is a number', { models: [{ name: 5 }] }],
    ['a page token that is a number', { models: [], nextPageToken: 5 }],
  ])('rejects %s', (_name, value) => {
    expect(isListModelsResponse(value)).toBe(false);
  });
});

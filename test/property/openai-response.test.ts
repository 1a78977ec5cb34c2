/**
 * Properties of the answer side (issue 7, defect 8): the validators never throw and what they
 * accept translates; the chat translators are total, so any JSON at all either fails the
 * validator or translates, and a stream event of any shape never throws.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBatchEmbedContentsResponse, isGenerateContentResponse, isListModelsResponse } from '../../src/protocols/gemini/answers.js';
import { GeminiSseParser } from '../../src/protocols/gemini/sse.js';
import { toEmbeddingsResponse, translateEmbeddingsRequest } from '../../src/protocols/openai/embeddings.js';
import { toOpenAiModels } from '../../src/protocols/openai/models.js';
import { toChatCompletion } from '../../src/protocols/openai/response.js';
import { ChatStreamTranslator } from '../../src/protocols/openai/stream.js';
import { testContext } from '../fixtures/openai/context.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { anyJson, fcParams, geminiResponse } from './arbitraries.js';

const answer = fc.oneof(anyJson, geminiResponse);

describe('generateContent answers (property)', () => {
  it('the validator never throws; whatever it accepts translates; toChatCompletion never throws anyway', () => {
    let accepted = 0;
    fc.assert(fc.property(answer, fc.boolean(), (value, includeReasoning) => {
      if (isGenerateContentResponse(value)) {
        accepted += 1;
        const completion = toChatCompletion(value, testContext(), { includeReasoning });
        expect(completion.choices.length).toBeGreaterThan(0);
      }
      expect(() => toChatCompletion(value as never, testContext(), { includeReasoning })).not.toThrow();
    }), fcParams(500));
    // The generator must reach the translator, not only the validator's refusals.
    expect(accepted).toBeGreaterThan(50);
  });

  it('the stream translator takes any sequence of events, of any shape, without throwing', () => {
    fc.assert(fc.property(fc.array(answer, { maxLength: 6 }), fc.boolean(), fc.boolean(), (events, includeUsage, includeReasoning) => {
      const translator = new ChatStreamTranslator(testContext(), { includeUsage, includeReasoning });
      for (const event of events) translator.push(event as never);
      expect(typeof translator.truncated).toBe('boolean');
      translator.finish();
    }), fcParams(300));
  });

  it('through the SSE parser: any JSON as an event data line reaches the translator safely', () => {
    fc.assert(fc.property(fc.array(answer, { maxLength: 4 }), (events) => {
      const parser = new GeminiSseParser();
      const translator = new ChatStreamTranslator(testContext(), { includeUsage: true, includeReasoning: true });
      const body = events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join('');
      for (const item of [...parser.push(body), ...parser.end()]) if (item.kind === 'response') translator.push(item.value);
    }), fcParams(300));
  });
});

describe('batchEmbedContents and models answers (property)', () => {
  const embeddings = fc.oneof(
    anyJson,
    fc.record({ embeddings: fc.array(fc.oneof(fc.record({ values: fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), anyJson), { maxLength: 4 }) }), anyJson), { maxLength: 4 }) }),
  );

  it('whatever the validator accepts translates, in float and in base64', () => {
    fc.assert(fc.property(embeddings, fc.integer({ min: 1, max: 4 }), fc.constantFrom('float', 'base64'), (value, count, format) => {
      if (!isBatchEmbedContentsResponse(value, count)) return;
      const request = translateEmbeddingsRequest({ model: 'gemini-embedding-001', input: Array.from({ length: count }, () => 'x'), encoding_format: format }, resolve);
      expect(toEmbeddingsResponse([value], request)['data']).toHaveLength(count);
    }), fcParams(300));
  });

  const models = fc.oneof(anyJson, fc.record({ models: fc.array(fc.oneof(fc.record({ name: fc.oneof(fc.string(), anyJson) }), anyJson), { maxLength: 4 }) }));

  it('whatever the models validator accepts translates', () => {
    fc.assert(fc.property(models, (value) => {
      if (isListModelsResponse(value)) expect(() => toOpenAiModels(value.models ?? [], { alias: 'gemini-2.5-flash' })).not.toThrow();
    }), fcParams(300));
  });
});

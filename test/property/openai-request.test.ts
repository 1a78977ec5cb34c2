/**
 * Properties of the OpenAI request translators over arbitrary and plausible bodies (issue 7):
 * they only ever throw the proxy's bad-request errors, and their output size and work are
 * bounded by a linear function of the input size.
 *
 * The bounds, with n the request body's length as JSON and F = SCHEMA_FLOOR (256 KiB):
 * - output (the Gemini body as JSON) ≤ 6·F + 48·n. Schema cleaning may produce F + 8 × its
 *   input (schema-budget.ts), measured without escapes, and an escaped character takes at most
 *   6; everything else the translators produce is a few times the message it came from.
 * - work (elements touched by builtins, test/support/work-meter.ts) ≤ 4·F + 64·n: cleaning
 *   touches a few elements per budget unit it charges, the rest a few per input byte.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProxyError, type ProxyErrorCode } from '../../src/errors.js';
import { translateEmbeddingsRequest } from '../../src/protocols/openai/embeddings.js';
import { parseJsonObject, type Json } from '../../src/protocols/shared/read.js';
import { translateChatRequest } from '../../src/protocols/openai/request.js';
import { SCHEMA_FLOOR, SchemaBudget } from '../../src/protocols/shared/schema-budget.js';
import { cleanSchema } from '../../src/protocols/shared/schema.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { measureWork } from '../support/work-meter.js';
import { amplifyingSchema, anyJson, chatRequest, embeddingsRequest, fcParams, rootSchema, schema } from './arbitraries.js';

const OUTPUT = { constant: 6 * SCHEMA_FLOOR, perByte: 48 };
const WORK = { constant: 4 * SCHEMA_FLOOR, perByte: 64 };

/** What the readers and translators may throw: the client's fault, named. */
const CLIENT_CODES: readonly ProxyErrorCode[] = ['GP_BAD_REQUEST', 'GP_BAD_JSON', 'GP_MODEL_NOT_FOUND'];

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs `translate` under the work meter; an exception is an outcome, not a failure. */
function run(translate: () => unknown): { outcome: Outcome; work: number } {
  let outcome: Outcome = { ok: false, error: undefined };
  const work = measureWork(() => {
    try {
      outcome = { ok: true, value: translate() };
    } catch (error) {
      outcome = { ok: false, error };
    }
  });
  return { outcome, work };
}

function expectClientErrorOnly(outcome: Outcome): void {
  if (outcome.ok) return;
  const { error } = outcome;
  if (!(error instanceof ProxyError)) throw error;
  expect(CLIENT_CODES).toContain(error.code);
  expect(error.status).toBeLessThan(500);
}

/** The body as the route reads it: parsed from bytes, depth-checked, then translated. */
function readAndTranslate(body: unknown, translate: (json: Json) => unknown): { outcome: Outcome; work: number; inputSize: number } {
  const text = JSON.stringify(body);
  let json: Json;
  try {
    json = parseJsonObject(Buffer.from(text));
  } catch (error) {
    return { outcome: { ok: false, error }, work: 0, inputSize: text.length };
  }
  return { ...run(() => translate(json)), inputSize: text.length };
}

function expectLinear(outcome: Outcome, work: number, inputSize: number, output: (value: unknown) => unknown): void {
  expect(work).toBeLessThanOrEqual(WORK.constant + WORK.perByte * inputSize);
  if (!outcome.ok) return;
  expect(JSON.stringify(output(outcome.value)).length).toBeLessThanOrEqual(OUTPUT.constant + OUTPUT.perByte * inputSize);
}

/** More messages than the plain generator makes, so the linear bounds are tested at some size. */
const longChat = fc.tuple(chatRequest, fc.integer({ min: 1, max: 40 })).map(([body, copies]) => ({
  ...body,
  messages: Array.isArray(body.messages) ? Array.from({ length: copies }, () => body.messages).flat() : body.messages,
}));

describe('translateChatRequest (property)', () => {
  it('returns, or throws a client error, for any JSON body or plausible request; output and work stay linear', () => {
    fc.assert(fc.property(fc.oneof(anyJson, chatRequest, longChat), (body) => {
      const { outcome, work, inputSize } = readAndTranslate(body, (json) => translateChatRequest(json, resolve, { fetchImageUrls: true }));
      expectClientErrorOnly(outcome);
      expectLinear(outcome, work, inputSize, (value) => (value as { body: unknown }).body);
    }), fcParams(250));
  });
});

describe('translateEmbeddingsRequest (property)', () => {
  it('returns, or throws a client error; output and work stay linear', () => {
    fc.assert(fc.property(fc.oneof(anyJson, embeddingsRequest), (body) => {
      const { outcome, work, inputSize } = readAndTranslate(body, (json) => translateEmbeddingsRequest(json, resolve));
      expectClientErrorOnly(outcome);
      expectLinear(outcome, work, inputSize, (value) => value);
    }), fcParams(300));
  });
});

describe('cleanSchema (property)', () => {
  it('returns, or throws a 400 naming the schema, for any JSON and any schema; output and work stay linear', () => {
    fc.assert(fc.property(fc.oneof(anyJson, schema, rootSchema, amplifyingSchema), (value) => {
      const inputSize = JSON.stringify(value).length;
      const { outcome, work } = run(() => cleanSchema(value, 'tools[0].function.parameters'));
      if (!outcome.ok) expect(outcome.error).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'tools[0].function.parameters' });
      expectLinear(outcome, work, inputSize, (cleaned) => cleaned);
      if (outcome.ok) expect(JSON.stringify(outcome.value) ?? '').not.toContain('"$ref"');
    }), fcParams(300));
  });

  it('one budget bounds many schemas together', () => {
    fc.assert(fc.property(fc.array(amplifyingSchema, { minLength: 1, maxLength: 6 }), (schemas) => {
      const inputSize = JSON.stringify(schemas).length;
      const budget = new SchemaBudget();
      const { outcome, work } = run(() => schemas.map((item, index) => cleanSchema(item, `tools[${index}]`, budget)));
      expectClientErrorOnly(outcome);
      expectLinear(outcome, work, inputSize, (cleaned) => cleaned);
    }), fcParams(50));
  });
});

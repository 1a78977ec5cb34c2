/** OpenAI embeddings ↔ Gemini batchEmbedContents (wire-formats §2.8). */

import { describe, expect, it } from 'vitest';
import {
  MAX_EMBEDDING_CHARS, MAX_EMBEDDING_INPUTS, toEmbeddingsResponse, translateEmbeddingsRequest,
} from '../../src/protocols/openai/embeddings.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { measureWork } from '../support/work-meter.js';

const MODEL = 'gemini-embedding-001';

/** What the openai SDK does with a base64 embedding: raw little-endian float32. */
function decodeFloat32(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_v, i) => bytes.readFloatLE(i * 4));
}

describe('translateEmbeddingsRequest', () => {
  it('a string input → one request', () => {
    expect(translateEmbeddingsRequest({ model: MODEL, input: 'hello' }, resolve)).toStrictEqual({
      model: MODEL,
      requestedModel: MODEL,
      base64: false,
      batches: [{ requests: [{ model: `models/${MODEL}`, content: { parts: [{ text: 'hello' }] } }] }],
    });
  });

  it('a list of strings → one request per input, in order; dimensions → outputDimensionality', () => {
    const request = translateEmbeddingsRequest({ model: `models/${MODEL}`, input: ['one', 'two', 'three'], dimensions: 256, encoding_format: 'base64' }, resolve);
    expect(request).toStrictEqual({
      model: MODEL,
      requestedModel: `models/${MODEL}`,
      base64: true,
      batches: [{
        requests: ['one', 'two', 'three'].map((text) => ({ model: `models/${MODEL}`, content: { parts: [{ text }] }, outputDimensionality: 256 })),
      }],
    });
  });

  it('more than 100 inputs → batches of 100, in order; an empty string is a 400', () => {
    const texts = Array.from({ length: 250 }, (_, i) => `t${i}`);
    const request = translateEmbeddingsRequest({ model: MODEL, input: texts }, resolve);
    expect(request.batches.map((batch) => batch.requests.length)).toEqual([100, 100, 50]);
    expect(request.batches.flatMap((batch) => batch.requests.map((item) => item.content.parts?.[0]?.text))).toEqual(texts);
    expect(proxyErrorOf(() => translateEmbeddingsRequest({ model: MODEL, input: ['a', ''] }, resolve)).param).toBe('input');
  });

  it('an alias resolves; the client name is kept for the answer', () => {
    const request = translateEmbeddingsRequest({ model: 'gpt-4o-mini', input: 'x' }, resolve);
    expect([request.model, request.requestedModel, request.batches[0]?.requests[0]?.model]).toEqual(['gemini-2.5-flash', 'gpt-4o-mini', 'models/gemini-2.5-flash']);
  });

  it('encoding_format float or absent → float; ignored fields are not sent', () => {
    const request = translateEmbeddingsRequest({ model: MODEL, input: 'x', encoding_format: 'float', user: 'u-1' }, resolve);
    expect(request.base64).toBe(false);
    expect(request.batches).toStrictEqual([{ requests: [{ model: `models/${MODEL}`, content: { parts: [{ text: 'x' }] } }] }]);
  });

  it.each([
    ['a token array', { input: [1, 2, 3] }, 'input', 'token arrays'],
    ['a list of token arrays', { input: [[1, 2], [3]] }, 'input', 'token arrays'],
    ['strings mixed with tokens', { input: ['a', 5] }, 'input', 'token arrays'],
    ['an empty list', { input: [] }, 'input', 'non-empty array of non-empty strings'],
    ['no input', {}, 'input', 'non-empty array of non-empty strings'],
    ['an object', { input: { text: 'a' } }, 'input', 'non-empty array of non-empty strings'],
    ['an unknown encoding', { input: 'a', encoding_format: 'binary' }, 'encoding_format', 'float or base64'],
    ['zero dimensions', { input: 'a', dimensions: 0 }, 'dimensions', 'at least 1'],
    ['fractional dimensions', { input: 'a', dimensions: 1.5 }, 'dimensions', 'an integer'],
    ['a bad model', { input: 'a', model: 'a:b' }, 'model', 'Gemini model id'],
    ['no model', { input: 'a', model: undefined }, 'model', 'model is required'],
  ])('%s → 400', (_name, fields, param, message) => {
    const error = proxyErrorOf(() => translateEmbeddingsRequest({ model: MODEL, ...fields }, resolve));
    expect([error.status, error.code, error.param]).toEqual([400, 'GP_BAD_REQUEST', param]);
    expect(error.message).toContain(message);
  });
});

describe('translateEmbeddingsRequest: caps (issue 7, defect 6)', () => {
  const texts = (count: number, text = 'a'): string[] => Array.from({ length: count }, () => text);

  it(`takes ${MAX_EMBEDDING_INPUTS} inputs (OpenAI's cap): at most 21 upstream calls`, () => {
    expect(MAX_EMBEDDING_INPUTS).toBe(2048);
    expect(translateEmbeddingsRequest({ model: MODEL, input: texts(MAX_EMBEDDING_INPUTS) }, resolve).batches).toHaveLength(21);
  });

  it('one input more is a 400 naming input', () => {
    const error = proxyErrorOf(() => translateEmbeddingsRequest({ model: MODEL, input: texts(MAX_EMBEDDING_INPUTS + 1) }, resolve));
    expect([error.code, error.param]).toEqual(['GP_BAD_REQUEST', 'input']);
    expect(error.message).toContain(`at most ${MAX_EMBEDDING_INPUTS}`);
  });

  it('a huge list is refused at once, before anything is built from it', () => {
    const body = { model: MODEL, input: texts(200_000) };
    let error: unknown;
    const work = measureWork(() => {
      try {
        translateEmbeddingsRequest(body, resolve);
      } catch (caught) {
        error = caught;
      }
    });
    expect(error).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'input' });
    expect(work).toBeLessThan(1000);
  });

  it(`takes ${MAX_EMBEDDING_CHARS} characters in all, and refuses one more, in one input or over many`, () => {
    const share = MAX_EMBEDDING_CHARS / 2000;
    expect(() => translateEmbeddingsRequest({ model: MODEL, input: texts(2000, 'x'.repeat(share)) }, resolve)).not.toThrow();
    for (const input of ['x'.repeat(MAX_EMBEDDING_CHARS + 1), [...texts(2000, 'x'.repeat(share)), 'y']]) {
      const error = proxyErrorOf(() => translateEmbeddingsRequest({ model: MODEL, input }, resolve));
      expect([error.code, error.param]).toEqual(['GP_BAD_REQUEST', 'input']);
      expect(error.message).toContain('characters');
    }
  });

  it('a long token array is refused as a token array, not as too many inputs', () => {
    const error = proxyErrorOf(() => translateEmbeddingsRequest({ model: MODEL, input: Array.from({ length: 5000 }, (_, i) => i) }, resolve));
    expect(error.message).toContain('token arrays');
  });
});

describe('toEmbeddingsResponse', () => {
  const values = [[0.5, -1.25, 3], [0.1, 1e-7, -0.3333333432674408]];
  const gemini = { embeddings: values.map((v) => ({ values: v })) };

  it('float output: the values unchanged, index per input, usage 0', () => {
    const request = translateEmbeddingsRequest({ model: 'gpt-4o-mini', input: ['a', 'b'] }, resolve);
    expect(toEmbeddingsResponse([gemini], request)).toStrictEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: values[0] },
        { object: 'embedding', index: 1, embedding: values[1] },
      ],
      model: 'gpt-4o-mini',
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  });

  it('base64 output: little-endian float32 that decodes back to the values', () => {
    const request = translateEmbeddingsRequest({ model: MODEL, input: ['a', 'b'], encoding_format: 'base64' }, resolve);
    const response = toEmbeddingsResponse([gemini], request);
    const data = response['data'] as { embedding: unknown }[];
    expect(data.map((item) => typeof item.embedding)).toEqual(['string', 'string']);
    // 0.5 = 0x3F000000, little-endian bytes 00 00 00 3F.
    expect(Buffer.from(data[0]?.embedding as string, 'base64').subarray(0, 4)).toEqual(Buffer.from([0x00, 0x00, 0x00, 0x3f]));
    expect(data[0]?.embedding).toBe('AAAAPwAAoL8AAEBA');
    data.forEach((item, i) => {
      const decoded = decodeFloat32(item.embedding as string);
      expect(decoded).toHaveLength(values[i]?.length ?? -1);
      decoded.forEach((value, j) => expect(value).toBeCloseTo(values[i]?.[j] ?? Number.NaN, 6));
    });
    expect(decodeFloat32(data[1]?.embedding as string)[2]).toBe(-0.3333333432674408);
    expect(response['usage']).toEqual({ prompt_tokens: 0, total_tokens: 0 });
  });

  it('the SDK decoder (Float32Array over the bytes) reads the same values', () => {
    const request = translateEmbeddingsRequest({ model: MODEL, input: 'a', encoding_format: 'base64' }, resolve);
    const data = toEmbeddingsResponse([{ embeddings: [{ values: [1, -2, 0.25] }] }], request)['data'] as { embedding: string }[];
    const bytes = Buffer.from(data[0]?.embedding ?? '', 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))).toEqual([1, -2, 0.25]);
  });

  it('an embedding without values is empty; no embeddings is an empty list', () => {
    const float = translateEmbeddingsRequest({ model: MODEL, input: 'a' }, resolve);
    const base64 = translateEmbeddingsRequest({ model: MODEL, input: 'a', encoding_format: 'base64' }, resolve);
    expect(toEmbeddingsResponse([{ embeddings: [{}] }], float)['data']).toEqual([{ object: 'embedding', index: 0, embedding: [] }]);
    expect(toEmbeddingsResponse([{ embeddings: [{}] }], base64)['data']).toEqual([{ object: 'embedding', index: 0, embedding: '' }]);
    expect(toEmbeddingsResponse([{}], float)['data']).toEqual([]);
  });
});

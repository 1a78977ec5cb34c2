/** Retired model names: the built-in table, the resolver's order, and the Gemini path rewritten. */

import { describe, expect, it } from 'vitest';
import { geminiTarget } from '../../src/protocols/gemini/paths.js';
import { currentModelFor, RETIRED_MODELS } from '../../src/protocols/shared/legacy-models.js';
import { resolveModelName } from '../../src/protocols/shared/model-name.js';
import { modelResolver } from '../../src/server/model-names.js';

/** The models Google serves that the table may send a retired name to. */
const SERVED = new Set(['gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.5-pro', 'gemini-embedding-001']);

describe('the retired-name table', () => {
  it('sends every retired name to a model Google serves', () => {
    for (const [retired, current] of RETIRED_MODELS) expect(SERVED, `${retired} → ${current}`).toContain(current);
  });

  it('maps no name to itself and lists no served model as retired', () => {
    for (const [retired, current] of RETIRED_MODELS) expect(retired).not.toBe(current);
    for (const served of SERVED) expect(currentModelFor(served)).toBeUndefined();
  });

  it.each([
    ['gemini-pro', 'gemini-2.5-flash'],
    ['gemini-1.0-pro-latest', 'gemini-2.5-flash'],
    ['gemini-pro-vision', 'gemini-2.5-flash'],
    ['gemini-1.0-pro-vision-001', 'gemini-2.5-flash'],
    ['gemini-1.5-flash-002', 'gemini-2.5-flash'],
    ['gemini-1.5-flash-latest', 'gemini-2.5-flash'],
    ['gemini-1.5-flash-8b', 'gemini-2.5-flash-lite'],
    ['gemini-1.5-flash-8b-001', 'gemini-2.5-flash-lite'],
    ['gemini-1.5-pro', 'gemini-2.5-pro'],
    ['gemini-1.5-pro-002', 'gemini-2.5-pro'],
    ['gemini-exp-1206', 'gemini-2.5-pro'],
    ['gemini-2.0-pro-exp-02-05', 'gemini-2.5-pro'],
    ['gemini-2.0-flash-exp', 'gemini-2.5-flash'],
    ['gemini-2.0-flash-thinking-exp-01-21', 'gemini-2.5-flash'],
    ['embedding-001', 'gemini-embedding-001'],
    ['text-embedding-004', 'gemini-embedding-001'],
    ['embedding-gecko-001', 'gemini-embedding-001'],
    ['text-bison-001', 'gemini-2.5-flash'],
    ['chat-bison-001', 'gemini-2.5-flash'],
  ])('%s → %s', (retired, current) => {
    expect(currentModelFor(retired)).toBe(current);
  });

  it('knows no other name, and nothing on Object.prototype', () => {
    for (const name of ['gemini-3-pro-preview', 'my-model', 'constructor', '__proto__', 'toString', '']) {
      expect(currentModelFor(name)).toBeUndefined();
    }
  });
});

describe('modelResolver', () => {
  it('tries the alias, then the table, then keeps the name', () => {
    const resolve = modelResolver({ 'gemini-pro': 'gemini-2.5-pro', fast: 'gemini-2.5-flash-lite' }, true);
    expect(resolve('gemini-pro')).toBe('gemini-2.5-pro');
    expect(resolve('fast')).toBe('gemini-2.5-flash-lite');
    expect(resolve('gemini-1.5-pro')).toBe('gemini-2.5-pro');
    expect(resolve('gemini-2.5-flash')).toBe('gemini-2.5-flash');
    expect(resolve('some-future-model')).toBe('some-future-model');
  });

  it('with legacy off, leaves retired names alone but still applies aliases', () => {
    const resolve = modelResolver({ old: 'gemini-2.5-flash' }, false);
    expect(resolve('gemini-pro')).toBe('gemini-pro');
    expect(resolve('gemini-1.5-flash-002')).toBe('gemini-1.5-flash-002');
    expect(resolve('old')).toBe('gemini-2.5-flash');
  });

  it('reads only the alias map\'s own keys', () => {
    const resolve = modelResolver({}, true);
    expect(resolve('constructor')).toBe('constructor');
    expect(resolve('toString')).toBe('toString');
  });

  it('resolves an Ollama name by its tag-less form, keeping what the client asked for', () => {
    const resolve = modelResolver({}, true);
    expect(resolveModelName('gemini-pro:latest', resolve, { tagged: true })).toEqual({ model: 'gemini-2.5-flash', requested: 'gemini-pro:latest' });
    expect(resolveModelName('models/gemini-1.5-pro', resolve)).toEqual({ model: 'gemini-2.5-pro', requested: 'models/gemini-1.5-pro' });
  });
});

describe('geminiTarget with a resolver', () => {
  const resolve = modelResolver({ house: 'gemini-2.5-pro' }, true);
  const target = (pathname: string, search = '') => geminiTarget(pathname, new URLSearchParams(search), resolve);

  it('rewrites the model of a call, keeps the verb and query, and scopes by the model called', () => {
    expect(target('/gemini/v1beta/models/gemini-pro:streamGenerateContent', 'alt=sse&key=K')).toEqual({
      upstreamPath: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      model: 'gemini-2.5-flash',
      requestedModel: 'gemini-pro',
      scope: 'gemini-2.5-flash',
      verb: 'streamGenerateContent',
    });
    expect(target('/v1beta/models/text-embedding-004:batchEmbedContents').scope).toBe('gemini-embedding-001:embed');
  });

  it('rewrites the model of GET /models/{model}', () => {
    expect(target('/v1/models/gemini-1.5-pro')).toMatchObject({
      upstreamPath: '/v1/models/gemini-2.5-pro', model: 'gemini-2.5-pro', requestedModel: 'gemini-1.5-pro', scope: 'gemini-2.5-pro:get',
    });
  });

  it('applies aliases too', () => {
    expect(target('/v1beta/models/house:countTokens').upstreamPath).toBe('/v1beta/models/gemini-2.5-pro:countTokens');
  });

  it('leaves current models, the model list, tuned models and other collections as they are', () => {
    expect(target('/v1beta/models/gemini-2.5-flash:generateContent')).toMatchObject({
      upstreamPath: '/v1beta/models/gemini-2.5-flash:generateContent', model: 'gemini-2.5-flash', requestedModel: 'gemini-2.5-flash',
    });
    expect(target('/v1beta/models').upstreamPath).toBe('/v1beta/models');
    expect(target('/v1beta/tunedModels/gemini-pro:generateContent').upstreamPath).toBe('/v1beta/tunedModels/gemini-pro:generateContent');
    expect(target('/v1beta/files/gemini-pro').upstreamPath).toBe('/v1beta/files/gemini-pro');
  });

  it('refuses a resolver answer that would change the path\'s shape', () => {
    expect(() => geminiTarget('/v1beta/models/x:generateContent', new URLSearchParams(), () => '../files')).toThrow(/never use/);
  });
});

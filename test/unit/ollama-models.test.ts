/** Gemini's model list → Ollama's /api/tags, /api/ps, /api/show; errors (wire-formats §3.5; wire-formats-2 §6.2–6.5). */

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import type { GoogleError } from '../../src/protocols/gemini/google-error.js';
import type { Model } from '../../src/protocols/gemini/types.js';
import { fromGoogleError, ollamaErrorBody } from '../../src/protocols/ollama/errors.js';
import { capabilities, findOllamaModel, OLLAMA_VERSION, toOllamaPs, toOllamaShow, toOllamaTags } from '../../src/protocols/ollama/models.js';
import { STARTED_AT } from '../fixtures/ollama/context.js';

const FLASH: Model = { name: 'models/gemini-2.5-flash', inputTokenLimit: 1_048_576, supportedGenerationMethods: ['generateContent', 'countTokens'], thinking: true };
const EMBEDDING: Model = { name: 'models/gemini-embedding-001', inputTokenLimit: 2048, supportedGenerationMethods: ['embedContent', 'batchEmbedContents'] };
const GEMMA: Model = { name: 'models/gemma-3-27b-it', supportedGenerationMethods: ['generateContent'] };
const MODELS = [FLASH, EMBEDDING, GEMMA];
const ALIASES = { fast: 'gemini-2.5-flash', 'llama3:8b': 'models/gemini-2.5-flash', gone: 'gemini-1.0-pro', constructor: 'x' };
const DETAILS = { parent_model: '', format: 'gemini', family: 'gemini', families: ['gemini'], parameter_size: '', quantization_level: '' };
const NOW = '2026-01-01T00:00:00.000Z';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('toOllamaTags', () => {
  it('every model as name:latest, then the aliases whose target is listed', () => {
    const tags = toOllamaTags(MODELS, ALIASES, STARTED_AT);
    const names = ['gemini-2.5-flash:latest', 'gemini-embedding-001:latest', 'gemma-3-27b-it:latest', 'fast:latest', 'llama3:8b'];
    expect(tags).toStrictEqual({
      models: names.map((name) => ({ name, model: name, modified_at: NOW, size: 0, digest: sha256(name), details: DETAILS })),
    });
  });

  it('digests are 64 hex digits, stable, distinct per name', () => {
    const digests = (toOllamaTags(MODELS, ALIASES, 0)['models'] as { digest: string }[]).map((model) => model.digest);
    expect(digests.every((digest) => /^[0-9a-f]{64}$/.test(digest))).toBe(true);
    expect(new Set(digests).size).toBe(digests.length);
    expect(toOllamaTags(MODELS, ALIASES, 0)).toStrictEqual(toOllamaTags(MODELS, ALIASES, 0));
  });

  it('an alias named like a model replaces it; no models, no aliases → an empty list', () => {
    const tags = toOllamaTags([FLASH, GEMMA], { 'gemma-3-27b-it': 'gemini-2.5-flash' }, 0)['models'] as { name: string }[];
    expect(tags.map((model) => model.name)).toEqual(['gemini-2.5-flash:latest', 'gemma-3-27b-it:latest']);
    expect(toOllamaTags([], {}, 0)).toStrictEqual({ models: [] });
  });
});

describe('toOllamaPs', () => {
  it('every listed model, loaded for 5 more minutes, with its context length', () => {
    const ps = toOllamaPs([FLASH, GEMMA], { fast: 'gemini-2.5-flash' }, STARTED_AT)['models'] as Record<string, unknown>[];
    expect(ps[0]).toStrictEqual({
      name: 'gemini-2.5-flash:latest', model: 'gemini-2.5-flash:latest', size: 0, digest: sha256('gemini-2.5-flash:latest'),
      details: DETAILS, expires_at: '2026-01-01T00:05:00.000Z', size_vram: 0, context_length: 1_048_576,
    });
    expect(ps.map((model) => [model['name'], model['context_length']])).toEqual([
      ['gemini-2.5-flash:latest', 1_048_576], ['gemma-3-27b-it:latest', 0], ['fast:latest', 1_048_576],
    ]);
  });
});

describe('findOllamaModel', () => {
  it.each([
    ['gemini-2.5-flash', FLASH, 'gemini-2.5-flash:latest'],
    ['gemini-2.5-flash:latest', FLASH, 'gemini-2.5-flash:latest'],
    ['models/gemini-2.5-flash', FLASH, 'gemini-2.5-flash:latest'],
    ['gemini-embedding-001:v2', EMBEDDING, 'gemini-embedding-001:v2'],
    ['fast', FLASH, 'fast:latest'],
    ['fast:latest', FLASH, 'fast:latest'],
    ['llama3:8b', FLASH, 'llama3:8b'],
  ])('%s → %s', (name, model, listedAs) => {
    expect(findOllamaModel(MODELS, ALIASES, name)).toStrictEqual({ model, name: listedAs });
  });

  it.each(['gemini-9', 'gone', 'constructor', 'llama3:70b', ''])('%j → undefined', (name) => {
    expect(findOllamaModel(MODELS, ALIASES, name)).toBeUndefined();
  });
});

describe('toOllamaShow and capabilities', () => {
  it('a Gemini chat model', () => {
    const found = findOllamaModel(MODELS, ALIASES, 'fast');
    expect(found && toOllamaShow(found, STARTED_AT)).toStrictEqual({
      modelfile: "# Served by gemini-proxy from Google's Gemini API\nFROM gemini-2.5-flash\n",
      parameters: '',
      template: '',
      details: DETAILS,
      model_info: { 'general.architecture': 'gemini', 'gemini.context_length': 1_048_576 },
      capabilities: ['completion', 'tools', 'vision', 'thinking'],
      modified_at: NOW,
    });
  });

  it('model_info is always an object, without a context length when Gemini gives none', () => {
    expect(toOllamaShow({ model: GEMMA, name: 'gemma-3-27b-it:latest' }, 0)['model_info']).toStrictEqual({ 'general.architecture': 'gemini' });
  });

  it.each([
    ['a Gemini chat model that thinks', FLASH, ['completion', 'tools', 'vision', 'thinking']],
    ['an embedding model', EMBEDDING, ['embedding']],
    ['a generator that is not Gemini', GEMMA, ['completion']],
    ['a model Gemini says nothing about', { name: 'models/x' }, []],
    ['odd methods', { name: 'models/gemini-x', supportedGenerationMethods: 'generateContent' } as unknown as Model, []],
    ['only embedContent', { name: 'models/text-embedding-004', supportedGenerationMethods: ['embedContent'] }, ['embedding']],
  ])('%s → %j', (_name, model, expected) => {
    expect(capabilities(model as Model)).toEqual(expected);
  });

  it('the version is dot-separated integers', () => {
    expect(OLLAMA_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('errors', () => {
  it('the proxy\'s own: {"error": message}', () => {
    expect(ollamaErrorBody(new ProxyError('GP_BAD_REQUEST', 'options.temperature must be a number', { param: 'options.temperature' })))
      .toBe('{"error":"options.temperature must be a number"}');
    expect(JSON.parse(ollamaErrorBody(new ProxyError('GP_KEYS_COOLING')))).toStrictEqual({ error: 'every usable key is rate-limited' });
  });

  it('Google\'s: its message, else the fallback', () => {
    const google: GoogleError = { code: 400, status: 'INVALID_ARGUMENT', message: 'Bad schema.', reasons: [], quotaIds: [], retryDelayMs: undefined };
    expect(fromGoogleError(400, google, 'the upstream refused the request')).toStrictEqual({ error: 'Bad schema.' });
    expect(fromGoogleError(500, { ...google, message: '' }, 'upstream error')).toStrictEqual({ error: 'upstream error' });
    expect(fromGoogleError(502, undefined, 'upstream error')).toStrictEqual({ error: 'upstream error' });
  });
});

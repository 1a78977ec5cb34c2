/** Model name suffixes, generation defaults, the listed models, and the parsers of their settings. */

import { describe, expect, it } from 'vitest';
import { parseSafetySettings, parseThinkingBudgets } from '../../src/config/model-settings.js';
import type { GenerateContentRequest } from '../../src/protocols/gemini/types.js';
import { applyModelOptions, isHidden, listedModels, modelVariant, NO_DEFAULTS } from '../../src/protocols/shared/model-variants.js';
import { configError } from '../support/config-error.js';

const BODY: GenerateContentRequest = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

describe('model name suffixes', () => {
  it.each([
    ['gemini-2.5-flash', { model: 'gemini-2.5-flash', search: false, nonThinking: false }],
    ['gemini-2.5-flash-search', { model: 'gemini-2.5-flash', search: true, nonThinking: false }],
    ['gemini-2.5-flash-non-thinking', { model: 'gemini-2.5-flash', search: false, nonThinking: true }],
    ['gemini-2.5-flash-non-thinking-search', { model: 'gemini-2.5-flash', search: true, nonThinking: true }],
    ['gemini-2.5-flash-search-search', { model: 'gemini-2.5-flash-search', search: true, nonThinking: false }],
    ['-search', { model: '-search', search: false, nonThinking: false }],
  ])('%s', (name, variant) => {
    expect(modelVariant(name)).toEqual(variant);
  });

  it('a request with nothing to add is sent as it is, the same object', () => {
    expect(applyModelOptions('gemini-2.5-flash', BODY, NO_DEFAULTS).body).toBe(BODY);
  });

  it('keeps includeThoughts, drops the request\'s own budget for -non-thinking, and keeps its other tools', () => {
    const body: GenerateContentRequest = {
      ...BODY, tools: [{ googleSearch: {} }], generationConfig: { temperature: 0.5, thinkingConfig: { includeThoughts: true, thinkingBudget: 9000 } },
    };
    expect(applyModelOptions('gemini-2.5-flash-search-non-thinking', body, NO_DEFAULTS)).toEqual({
      model: 'gemini-2.5-flash',
      body: { ...body, generationConfig: { temperature: 0.5, thinkingConfig: { includeThoughts: true, thinkingBudget: 0 } } },
    });
  });

  it('default safety settings never replace the request\'s own', () => {
    const own = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_LOW_AND_ABOVE' }];
    const defaults = { ...NO_DEFAULTS, safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'OFF' }] };
    expect(applyModelOptions('m', { ...BODY, safetySettings: own }, defaults).body.safetySettings).toBe(own);
    expect(applyModelOptions('m', BODY, defaults).body.safetySettings).toEqual(defaults.safetySettings);
  });
});

describe('the listed models', () => {
  const models = [
    { name: 'models/gemini-2.5-flash', supportedGenerationMethods: ['generateContent'] },
    { name: 'models/gemini-2.5-flash-image', supportedGenerationMethods: ['generateContent'] },
    { name: 'models/gemini-2.5-flash-preview-tts', supportedGenerationMethods: ['generateContent'] },
    { name: 'models/gemini-embedding-001', supportedGenerationMethods: ['embedContent'] },
    { name: 'models/gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', supportedGenerationMethods: ['generateContent'] },
  ];

  it('offers a -search variant after each model search serves, and leaves hidden ones out', () => {
    const names = listedModels(models, new Set(['gemini-2.5-pro-search', 'gemini-embedding-001'])).map((model) => model.name);
    expect(names).toEqual([
      'models/gemini-2.5-flash', 'models/gemini-2.5-flash-search', 'models/gemini-2.5-flash-image', 'models/gemini-2.5-flash-preview-tts', 'models/gemini-2.5-pro',
    ]);
    expect(listedModels(models, new Set()).find((model) => model.name === 'models/gemini-2.5-pro-search')?.displayName).toBe('Gemini 2.5 Pro with Google Search');
  });

  it('a hidden model is hidden under its suffixed names too', () => {
    const hidden = new Set(['gemini-2.5-pro']);
    expect(['gemini-2.5-pro', 'gemini-2.5-pro-search', 'gemini-2.5-pro-non-thinking', 'gemini-2.5-flash'].map((name) => isHidden(name, hidden)))
      .toEqual([true, true, true, false]);
  });
});

describe('the settings\' parsers', () => {
  it('safety settings: pairs (any case) or gemini-balance\'s JSON list', () => {
    expect(parseSafetySettings('f', 'harm_category_harassment=block_none, HARM_CATEGORY_HATE_SPEECH=OFF')).toEqual([
      { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }, { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' },
    ]);
    expect(parseSafetySettings('f', '[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","threshold":"BLOCK_ONLY_HIGH"}]')).toEqual([
      { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_ONLY_HIGH' },
    ]);
  });

  it.each(['HARM_CATEGORY_X=MAYBE', 'VIOLENCE=OFF', 'HARM_CATEGORY_X', '[{"category":1}]', '[not json'])('safety settings refuse %s', (raw) => {
    expect(configError(() => parseSafetySettings('--safety-settings', raw)).field).toBe('--safety-settings');
  });

  it('thinking budgets: pairs or a JSON object, -1 to 32768', () => {
    expect(parseThinkingBudgets('f', 'gemini-2.5-flash=1024, models/gemini-2.5-pro=-1')).toEqual({ 'gemini-2.5-flash': 1024, 'gemini-2.5-pro': -1 });
    expect(parseThinkingBudgets('f', '{"gemini-2.5-flash": 0}')).toEqual({ 'gemini-2.5-flash': 0 });
  });

  it.each(['gemini-2.5-flash=40000', 'gemini-2.5-flash', 'gemini 2.5=1', '{"m": "x"}', '[1]'])('thinking budgets refuse %s', (raw) => {
    expect(() => parseThinkingBudgets('--thinking-budgets', raw)).toThrow();
  });
});

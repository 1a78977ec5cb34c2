/** Anthropic Messages request → Gemini request, end to end (wire-formats-2 §1.2, §1.3, §1.8). */

import { describe, expect, it } from 'vitest';
import { CLAUDE_FAMILIES, claudeModel } from '../../src/protocols/anthropic/models.js';
import { THINKING_LEVEL_BUDGETS, thinkingLevelForBudget } from '../../src/protocols/anthropic/params.js';
import { supportedLevel } from '../../src/protocols/shared/thinking.js';
import { IGNORED_FIELDS, toCountTokens, translateAnthropicRequest, translateCountTokens } from '../../src/protocols/anthropic/request.js';
import { BAD_REQUEST_CASES } from '../fixtures/anthropic/bad-requests.js';
import { CLAUDE_CODE_REQUEST, CLAUDE_CODE_TOOLS } from '../fixtures/anthropic/claude-code.js';
import { messages, REQUEST_CASES, resolve } from '../fixtures/anthropic/requests.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';

describe('translateAnthropicRequest: golden fixtures', () => {
  it.each(REQUEST_CASES.map((c) => [c.name, c] as const))('%s', (_name, { anthropic, gemini }) => {
    expect(translateAnthropicRequest(anthropic, resolve).body).toStrictEqual(gemini);
  });

  it('the fixtures have distinct names', () => {
    expect(new Set(REQUEST_CASES.map((c) => c.name)).size).toBe(REQUEST_CASES.length);
  });
});

describe('translateAnthropicRequest: malformed requests are 400s naming the field', () => {
  it.each(BAD_REQUEST_CASES.map((c) => [c.name, c] as const))('%s', (_name, { anthropic, param, message }) => {
    const error = proxyErrorOf(() => translateAnthropicRequest(anthropic, resolve));
    expect({ status: error.status, code: error.code, param: error.param }).toEqual({ status: 400, code: 'GP_BAD_REQUEST', param });
    expect(error.message).toContain(message);
  });

  it('count_tokens refuses the same way', () => {
    const error = proxyErrorOf(() => translateCountTokens(messages({ tool_choice: { type: 'bogus' } }), resolve));
    expect(error.param).toBe('tool_choice.type');
  });
});

describe('translateAnthropicRequest: a request shaped like Claude Code\'s', () => {
  const request = translateAnthropicRequest(CLAUDE_CODE_REQUEST, resolve);

  it('translates: opus → gemini-2.5-pro, streamed, thoughts shown at the effort asked', () => {
    expect({ ...request, body: undefined }).toStrictEqual({
      model: 'gemini-2.5-pro', requestedModel: 'claude-opus-4-8', stream: true, includeThinking: true, body: undefined, imageLinks: [],
    });
    expect(request.body.generationConfig).toStrictEqual({
      maxOutputTokens: 65536, thinkingConfig: { thinkingBudget: 24576, includeThoughts: true },
    });
  });

  it('system blocks then the mid-conversation system messages make the system instruction', () => {
    expect(request.body.systemInstruction?.parts?.map((part) => part.text)).toEqual([
      'x-anthropic-billing-header: cc_version=2.1.197.123; cc_entrypoint=sdk-cli;',
      'You are Claude Code, an interactive CLI tool.',
      'Long instructions about tools and style.',
      'Mid-conversation system text.',
      'Blocks of system text.',
    ]);
  });

  it('the tool turn: thinking dropped, the call with the stand-in signature, the result named', () => {
    expect(request.body.contents.slice(1)).toStrictEqual([
      {
        role: 'model',
        parts: [
          { text: 'Listing them.' },
          { functionCall: { name: 'Bash', args: { command: 'ls' } }, thoughtSignature: 'skip_thought_signature_validator' },
        ],
      },
      { role: 'user', parts: [{ functionResponse: { name: 'Bash', response: { output: 'a.txt\nb.txt' } } }] },
    ]);
  });

  it('all 24 tools are declared with parametersJsonSchema, free of what Gemini refuses', () => {
    const declarations = request.body.tools?.[0]?.functionDeclarations ?? [];
    expect(declarations.map((fn) => fn.name)).toEqual(CLAUDE_CODE_TOOLS.map((tool) => tool['name']));
    expect(declarations).toHaveLength(24);
    const schemas = JSON.stringify(declarations.map((fn) => fn.parametersJsonSchema));
    for (const keyword of ['$schema', 'propertyNames', 'additionalProperties', '"const"']) expect(schemas).not.toContain(keyword);
    for (const keyword of ['exclusiveMinimum', 'anyOf', '"format":"uri"', '"pattern"']) expect(schemas).toContain(keyword);
  });

  it('non-streamed (Claude Code\'s retry) and on Gemini 3 too', () => {
    const { stream: _stream, ...retry } = CLAUDE_CODE_REQUEST;
    expect(translateAnthropicRequest(retry, resolve).stream).toBe(false);
    const gemini3 = translateAnthropicRequest({ ...CLAUDE_CODE_REQUEST, model: 'claude-sonnet-4-5' }, resolve);
    expect([gemini3.model, gemini3.body.generationConfig?.thinkingConfig]).toEqual(['gemini-3-pro-preview', { thinkingLevel: 'HIGH', includeThoughts: true }]);
  });
});

describe('thinking → thinkingConfig', () => {
  it.each([
    ['enabled with a budget on 2.5', { thinking: { type: 'enabled', budget_tokens: 10000 } }, 'gemini-2.5-flash', { thinkingBudget: 10000, includeThoughts: true }],
    ['a budget past Flash\'s range is clamped', { thinking: { type: 'enabled', budget_tokens: 31999 } }, 'gemini-2.5-flash', { thinkingBudget: 24576, includeThoughts: true }],
    ['a budget past Pro\'s range is clamped', { thinking: { type: 'enabled', budget_tokens: 31999 } }, 'gemini-2.5-pro', { thinkingBudget: 31999, includeThoughts: true }],
    ['a budget under Pro\'s range is raised', { thinking: { type: 'enabled', budget_tokens: 10 } }, 'gemini-2.5-pro', { thinkingBudget: 128, includeThoughts: true }],
    ['enabled without a budget: dynamic', { thinking: { type: 'enabled' } }, 'gemini-2.5-flash', { thinkingBudget: -1, includeThoughts: true }],
    ['enabled on Gemini 3: the nearest level', { thinking: { type: 'enabled', budget_tokens: 4000 } }, 'gemini-3-pro-preview', { thinkingLevel: 'LOW', includeThoughts: true }],
    ['enabled, display omitted', { thinking: { type: 'enabled', budget_tokens: 2048, display: 'omitted' } }, 'gemini-2.5-flash', { thinkingBudget: 2048 }],
    ['disabled on 2.5 Flash', { thinking: { type: 'disabled' } }, 'gemini-2.5-flash', { thinkingBudget: 0 }],
    ['disabled on 2.5 Pro: its least', { thinking: { type: 'disabled' } }, 'gemini-2.5-pro', { thinkingBudget: 128 }],
    ['disabled on Gemini 3 Flash: MINIMAL', { thinking: { type: 'disabled' } }, 'gemini-3-flash-preview', { thinkingLevel: 'MINIMAL' }],
    ['disabled on Gemini 3 Pro, which has no MINIMAL: LOW', { thinking: { type: 'disabled' } }, 'gemini-3-pro-preview', { thinkingLevel: 'LOW' }],
    ['disabled on Gemini 3.1 Pro: LOW', { thinking: { type: 'disabled' } }, 'gemini-3.1-pro-preview', { thinkingLevel: 'LOW' }],
    ['effort minimal on Gemini 3 Pro: LOW', { output_config: { effort: 'minimal' } }, 'gemini-3-pro-preview', { thinkingLevel: 'LOW' }],
    ['adaptive with effort none on Gemini 3 Pro: LOW, shown', { thinking: { type: 'adaptive' }, output_config: { effort: 'none' } }, 'gemini-3-pro-preview', { thinkingLevel: 'LOW', includeThoughts: true }],
    ['adaptive, no effort: Gemini decides', { thinking: { type: 'adaptive' } }, 'gemini-2.5-flash', { includeThoughts: true }],
    ['adaptive with effort low', { thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }, 'gemini-2.5-flash', { thinkingBudget: 1024, includeThoughts: true }],
    ['adaptive with effort max on Gemini 3', { thinking: { type: 'adaptive' }, output_config: { effort: 'max' } }, 'gemini-3-pro-preview', { thinkingLevel: 'HIGH', includeThoughts: true }],
    ['adaptive, display omitted, no effort: nothing', { thinking: { type: 'adaptive', display: 'omitted' } }, 'gemini-2.5-flash', undefined],
    ['effort alone: no thoughts shown', { output_config: { effort: 'medium' } }, 'gemini-2.5-flash', { thinkingBudget: 8192 }],
    ['nothing', {}, 'gemini-2.5-flash', undefined],
  ] as const)('%s', (_name, fields, model, config) => {
    const request = translateAnthropicRequest(messages({ ...fields, model, max_tokens: undefined }), resolve);
    expect(request.body.generationConfig?.thinkingConfig).toStrictEqual(config);
    expect(request.includeThinking).toBe(config !== undefined && 'includeThoughts' in config);
  });

  it.each([
    ['gemini-3-pro-preview', ['LOW', 'LOW', 'MEDIUM', 'HIGH']],
    ['gemini-3.1-pro-preview', ['LOW', 'LOW', 'MEDIUM', 'HIGH']],
    ['gemini-3-flash-preview', ['MINIMAL', 'LOW', 'MEDIUM', 'HIGH']],
    ['gemini-3.1-flash-lite-preview', ['MINIMAL', 'LOW', 'MEDIUM', 'HIGH']],
  ] as const)('the levels %s takes: MINIMAL, LOW, MEDIUM, HIGH → %j', (model, sent) => {
    expect((['MINIMAL', 'LOW', 'MEDIUM', 'HIGH'] as const).map((level) => supportedLevel(level, model))).toEqual(sent);
  });

  it('the Gemini 3 level table: nearest representative budget, lower on a tie', () => {
    expect(THINKING_LEVEL_BUDGETS).toEqual([['LOW', 1024], ['MEDIUM', 8192], ['HIGH', 24576]]);
    expect([0, 1024, 4608, 4609, 16384, 16385, 31999].map(thinkingLevelForBudget)).toEqual(['LOW', 'LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH']);
  });
});

describe('model names', () => {
  it.each([
    ['claude-opus-4-8', 'gemini-2.5-pro'],
    ['claude-haiku-4-5-20251001', 'gemini-2.5-flash-lite'],
    ['claude-3-5-haiku-latest', 'gemini-2.5-flash-lite'],
    ['claude-sonnet-4-5-20250929', 'gemini-2.5-flash'],
    ['claude-opus-5-5', 'gemini-2.5-pro'],
    ['claude-mythos-1', 'gemini-2.5-flash'],
    ['Claude-Opus-4', 'gemini-2.5-pro'],
  ])('%s → %s by default', (name, model) => {
    expect(claudeModel(name)).toBe(model);
    expect(translateAnthropicRequest(messages({ model: name }), resolve)).toMatchObject({ model, requestedModel: name });
  });

  it('operator aliases win; other names are not Claude\'s', () => {
    expect(translateAnthropicRequest(messages({ model: 'claude-sonnet-4-5' }), resolve).model).toBe('gemini-3-pro-preview');
    expect(translateAnthropicRequest(messages({ model: 'fast' }), resolve).model).toBe('gemini-2.5-flash-lite');
    expect(translateAnthropicRequest(messages({ model: 'models/gemini-2.5-pro' }), resolve).model).toBe('gemini-2.5-pro');
    expect(['gemini-2.5-flash', 'gpt-5', 'anthropic-x'].map(claudeModel)).toEqual([undefined, undefined, undefined]);
    expect(CLAUDE_FAMILIES.map(([family]) => family)).toEqual(['haiku', 'opus']);
  });

  it('an alias to a Claude name gets the Claude default too', () => {
    const request = translateAnthropicRequest(messages({ model: 'big' }), (name) => (name === 'big' ? 'claude-opus-4-8' : name));
    expect(request.model).toBe('gemini-2.5-pro');
  });
});

describe('what the route needs besides the body', () => {
  it('with fetching on, image URLs come back as parts to fill', () => {
    const body = messages({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://img.example/cat.png' } }] }] });
    const request = translateAnthropicRequest(body, resolve, { fetchImageUrls: true });
    expect(request.imageLinks.map((link) => [link.url, link.param])).toEqual([['https://img.example/cat.png', 'messages[0].content[0].source.url']]);
    expect(request.body.contents[0]?.parts?.[0]).toBe(request.imageLinks[0]?.part);
  });

  it('ignored fields are accepted and never reach Gemini', () => {
    const top = IGNORED_FIELDS.filter((field) => /^[a-z_]+$/.test(field));
    expect(top).toEqual(expect.arrayContaining(['metadata', 'context_management', 'service_tier', 'container', 'mcp_servers', 'cache_control']));
    const body = messages(Object.fromEntries(top.map((field) => [field, { anything: true }])));
    expect(translateAnthropicRequest(body, resolve).body).toStrictEqual(translateAnthropicRequest(messages({}), resolve).body);
  });
});

describe('count_tokens', () => {
  it('the same conversation and tools, for Gemini\'s countTokens', () => {
    const counted = translateCountTokens(CLAUDE_CODE_REQUEST, resolve);
    const generated = translateAnthropicRequest(CLAUDE_CODE_REQUEST, resolve).body;
    expect(counted.model).toBe('gemini-2.5-pro');
    expect(counted.body).toStrictEqual({
      generateContentRequest: {
        model: 'models/gemini-2.5-pro', contents: generated.contents, systemInstruction: generated.systemInstruction, tools: generated.tools,
      },
    });
  });

  it('no system or tools: just the contents', () => {
    expect(translateCountTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi' }] }, resolve).body).toStrictEqual({
      generateContentRequest: { model: 'models/gemini-2.5-flash-lite', contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] },
    });
  });

  it.each([
    [{ totalTokens: 2095 }, 2095],
    [{ totalTokens: 12, cachedContentTokenCount: 4 }, 12],
    [{}, 0],
    [{ totalTokens: '7' }, 0],
    [null, 0],
  ])('%j → input_tokens %d', (answer, tokens) => {
    expect(toCountTokens(answer)).toStrictEqual({ input_tokens: tokens });
  });
});

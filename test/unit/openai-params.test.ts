/** OpenAI parameters → generationConfig, tools and toolConfig (wire-formats §2.2, §4.3). */

import { describe, expect, it } from 'vitest';
import { generationConfig, toolConfig, tools } from '../../src/protocols/openai/params.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';

const FLASH = 'gemini-2.5-flash';

function paramAt(run: () => unknown): [number, string | undefined] {
  const error = proxyErrorOf(run);
  return [error.status, error.param];
}

describe('generationConfig: sampling and length', () => {
  it('nothing set → an empty config (no nulls, no undefined)', () => {
    expect(generationConfig({}, FLASH)).toStrictEqual({});
    expect(generationConfig({ temperature: null, top_p: null, stop: null, n: null, seed: null, response_format: null }, FLASH)).toStrictEqual({});
  });

  it('temperature, top_p and top_k', () => {
    expect(generationConfig({ temperature: 0, top_p: 1, top_k: 1 }, FLASH)).toStrictEqual({ temperature: 0, topP: 1, topK: 1 });
    expect(generationConfig({ temperature: 2, top_p: 0 }, FLASH)).toStrictEqual({ temperature: 2, topP: 0 });
  });

  it.each([
    [{ max_tokens: 100 }, 100],
    [{ max_completion_tokens: 300 }, 300],
    [{ max_tokens: 100, max_completion_tokens: 300 }, 300],
    [{ max_tokens: 100, max_completion_tokens: null }, 100],
  ])('%j → maxOutputTokens %d', (body, max) => {
    expect(generationConfig(body, FLASH)).toStrictEqual({ maxOutputTokens: max });
  });

  it('stop as a string or a list', () => {
    expect(generationConfig({ stop: 'END' }, FLASH)).toStrictEqual({ stopSequences: ['END'] });
    expect(generationConfig({ stop: ['a', 'b', 'c'] }, FLASH)).toStrictEqual({ stopSequences: ['a', 'b', 'c'] });
  });

  it('n, seed and the penalties', () => {
    expect(generationConfig({ n: 3, seed: -7, presence_penalty: 2, frequency_penalty: -2 }, FLASH))
      .toStrictEqual({ candidateCount: 3, seed: -7, presencePenalty: 2, frequencyPenalty: -2 });
  });

  it('logprobs and top_logprobs are ignored (no log probabilities are returned)', () => {
    expect(generationConfig({ logprobs: true, top_logprobs: 5 }, FLASH)).toStrictEqual({});
  });

  it.each([
    [{ temperature: -0.1 }, 'temperature'],
    [{ temperature: Number.NaN }, 'temperature'],
    [{ top_p: 1.01 }, 'top_p'],
    [{ top_k: 2.5 }, 'top_k'],
    [{ max_tokens: -1 }, 'max_tokens'],
    [{ max_completion_tokens: 0, max_tokens: 10 }, 'max_completion_tokens'],
    [{ n: 0 }, 'n'],
    [{ seed: '1' }, 'seed'],
    [{ presence_penalty: 2.01 }, 'presence_penalty'],
    [{ frequency_penalty: -2.01 }, 'frequency_penalty'],
    [{ stop: 5 }, 'stop'],
    [{ stop: [['a']] }, 'stop'],
  ])('%j → 400 at %s', (body, param) => {
    expect(paramAt(() => generationConfig(body, FLASH))).toEqual([400, param]);
  });
});

describe('generationConfig: response_format', () => {
  it('text adds nothing; json_object asks for JSON', () => {
    expect(generationConfig({ response_format: { type: 'text' } }, FLASH)).toStrictEqual({});
    expect(generationConfig({ response_format: { type: 'json_object' } }, FLASH)).toStrictEqual({ responseMimeType: 'application/json' });
  });

  it('json_schema sends the schema, cleaned', () => {
    const config = generationConfig({
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'steps',
          strict: true,
          schema: {
            type: 'object',
            properties: { steps: { type: 'array', items: { $ref: '#/$defs/step' } } },
            required: ['steps'],
            additionalProperties: false,
            $defs: { step: { type: 'object', properties: { text: { type: 'string' } }, additionalProperties: false } },
          },
        },
      },
    }, FLASH);
    expect(config).toStrictEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: {
        type: 'object',
        properties: { steps: { type: 'array', items: { type: 'object', properties: { text: { type: 'string' } } } } },
        required: ['steps'],
      },
    });
  });

  it('json_schema without a schema is JSON mode', () => {
    expect(generationConfig({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, FLASH)).toStrictEqual({ responseMimeType: 'application/json' });
  });

  it.each([
    [{ response_format: 'json' }, 'response_format'],
    [{ response_format: {} }, 'response_format.type'],
    [{ response_format: { type: 'json_schema', json_schema: 'x' } }, 'response_format.json_schema'],
    [{ response_format: { type: 'json_schema', json_schema: { schema: [] } } }, 'response_format.json_schema.schema'],
  ])('%j → 400 at %s', (body, param) => {
    expect(paramAt(() => generationConfig(body, FLASH))).toEqual([400, param]);
  });
});

describe('generationConfig: reasoning', () => {
  it.each([
    ['none', 0],
    ['minimal', 512],
    ['low', 1024],
    ['medium', 8192],
    ['high', 24576],
  ])('reasoning_effort %s on gemini-2.5 → thinkingBudget %d', (effort, budget) => {
    expect(generationConfig({ reasoning_effort: effort }, FLASH)).toStrictEqual({ thinkingConfig: { thinkingBudget: budget } });
    expect(generationConfig({ reasoning_effort: effort }, 'gemini-2.5-flash-lite')).toStrictEqual({ thinkingConfig: { thinkingBudget: budget } });
  });

  it.each([
    ['none', 'MINIMAL', 'LOW'],
    ['minimal', 'MINIMAL', 'LOW'],
    ['low', 'LOW', 'LOW'],
    ['medium', 'MEDIUM', 'MEDIUM'],
    ['high', 'HIGH', 'HIGH'],
    ['xhigh', 'HIGH', 'HIGH'],
    ['max', 'HIGH', 'HIGH'],
  ])('reasoning_effort %s on gemini-3 → thinkingLevel %s (Pro, which has no MINIMAL: %s)', (effort, level, proLevel) => {
    expect(generationConfig({ reasoning_effort: effort }, 'gemini-3-flash-preview')).toStrictEqual({ thinkingConfig: { thinkingLevel: level } });
    expect(generationConfig({ reasoning_effort: effort }, 'gemini-3-pro-preview')).toStrictEqual({ thinkingConfig: { thinkingLevel: proLevel } });
    expect(generationConfig({ reasoning_effort: effort }, 'gemini-3.1-pro-preview')).toStrictEqual({ thinkingConfig: { thinkingLevel: proLevel } });
  });

  it('google.thinking_config sets the budget and include_thoughts; its budget wins over the effort', () => {
    expect(generationConfig({ google: { thinking_config: { thinking_budget: -1, include_thoughts: true } } }, FLASH))
      .toStrictEqual({ thinkingConfig: { thinkingBudget: -1, includeThoughts: true } });
    expect(generationConfig({ reasoning_effort: 'low', google: { thinking_config: { thinking_budget: 4096 } } }, FLASH))
      .toStrictEqual({ thinkingConfig: { thinkingBudget: 4096 } });
  });

  it('a google field that is not an object is ignored like any unknown field', () => {
    expect(generationConfig({ google: 'yes' }, FLASH)).toStrictEqual({});
  });

  it.each([
    [{ reasoning_effort: 'HIGH' }, 'reasoning_effort'],
    [{ reasoning_effort: 3 }, 'reasoning_effort'],
    [{ google: { thinking_config: 'on' } }, 'google.thinking_config'],
    [{ google: { thinking_config: { thinking_budget: 1.5 } } }, 'google.thinking_config.thinking_budget'],
    [{ google: { thinking_config: { include_thoughts: 'true' } } }, 'google.thinking_config.include_thoughts'],
  ])('%j → 400 at %s', (body, param) => {
    expect(paramAt(() => generationConfig(body, FLASH))).toEqual([400, param]);
  });
});

describe('tools', () => {
  it('no tools, or an empty list → none', () => {
    expect(tools({})).toBeUndefined();
    expect(tools({ tools: [] })).toBeUndefined();
  });

  it('function tools → one Tool holding every declaration, schemas cleaned, strict dropped', () => {
    expect(tools({
      tools: [
        { type: 'function', function: { name: 'get_time', description: 'Now.' } },
        {
          type: 'function',
          function: {
            name: 'ns.search-v2:run',
            strict: true,
            parameters: { type: 'object', properties: { q: { type: 'string', const: 'x' } }, additionalProperties: false, $schema: 'x' },
          },
        },
        { type: 'function', function: { name: '_private', parameters: { type: 'object', properties: {} } } },
      ],
    })).toStrictEqual([{
      functionDeclarations: [
        { name: 'get_time', description: 'Now.' },
        { name: 'ns.search-v2:run', parametersJsonSchema: { type: 'object', properties: { q: { type: 'string', enum: ['x'] } } } },
        { name: '_private', parametersJsonSchema: { type: 'object', properties: {} } },
      ],
    }]);
  });

  it('legacy functions are declared like tools', () => {
    expect(tools({ functions: [{ name: 'f', description: 'd', parameters: { type: 'object' } }] }))
      .toStrictEqual([{ functionDeclarations: [{ name: 'f', description: 'd', parametersJsonSchema: { type: 'object' } }] }]);
  });

  it('a 128-character name is accepted', () => {
    expect(tools({ tools: [{ type: 'function', function: { name: 'a'.repeat(128) } }] })?.[0]?.functionDeclarations?.[0]?.name).toHaveLength(128);
  });

  it.each([
    [{ tools: [{ type: 'custom', custom: { name: 'c' } }] }, 'tools[0]'],
    [{ tools: [{ type: 'function' }] }, 'tools[0]'],
    [{ tools: ['f'] }, 'tools[0]'],
    [{ tools: { type: 'function' } }, 'tools'],
    [{ tools: [{ type: 'function', function: { name: 'ok' } }, { type: 'function', function: { name: '' } }] }, 'tools[1].function.name'],
    [{ tools: [{ type: 'function', function: { name: 'a/b' } }] }, 'tools[0].function.name'],
    [{ tools: [{ type: 'function', function: { name: 'a', parameters: 'x' } }] }, 'tools[0].function.parameters'],
    [{ functions: [{ name: 'has space' }] }, 'functions[0].function.name'],
  ])('%j → 400 at %s', (body, param) => {
    expect(paramAt(() => tools(body))).toEqual([400, param]);
  });
});

describe('toolConfig', () => {
  const DECLARED = [{ functionDeclarations: ['get_weather', 'a', 'b', 'f'].map((name) => ({ name })) }];

  it.each([
    ['none', 'NONE'],
    ['auto', 'AUTO'],
    ['required', 'ANY'],
  ] as const)('tool_choice %s → mode %s', (choice, mode) => {
    expect(toolConfig({ tool_choice: choice }, DECLARED)).toStrictEqual({ functionCallingConfig: { mode } });
  });

  it('no tool_choice → none', () => {
    expect(toolConfig({}, DECLARED)).toBeUndefined();
    expect(toolConfig({ tool_choice: null }, DECLARED)).toBeUndefined();
  });

  it('one named function → ANY restricted to it', () => {
    expect(toolConfig({ tool_choice: { type: 'function', function: { name: 'get_weather' } } }, DECLARED))
      .toStrictEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
  });

  it('allowed_tools required → ANY over the listed functions; auto → AUTO', () => {
    const allowed = (mode: string): unknown => toolConfig({
      tool_choice: {
        type: 'allowed_tools',
        allowed_tools: { mode, tools: [{ type: 'function', function: { name: 'a' } }, { type: 'function', function: { name: 'b' } }] },
      },
    }, DECLARED);
    expect(allowed('required')).toStrictEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['a', 'b'] } });
    expect(allowed('auto')).toStrictEqual({ functionCallingConfig: { mode: 'AUTO' } });
  });

  it('legacy function_call: none, auto, or {name}', () => {
    expect(toolConfig({ function_call: 'none' }, DECLARED)).toStrictEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(toolConfig({ function_call: 'auto' }, DECLARED)).toStrictEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(toolConfig({ function_call: { name: 'f' } }, DECLARED)).toStrictEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
  });

  it('tool_choice wins over the legacy function_call', () => {
    expect(toolConfig({ tool_choice: 'none', function_call: { name: 'f' } }, DECLARED)).toStrictEqual({ functionCallingConfig: { mode: 'NONE' } });
  });

  it.each([
    [{ tool_choice: 'any' }, 'tool_choice'],
    [{ tool_choice: 1 }, 'tool_choice'],
    [{ tool_choice: { type: 'function' } }, 'tool_choice'],
    [{ tool_choice: { type: 'function', function: { name: 5 } } }, 'tool_choice.function.name'],
    [{ tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function' }] } } }, 'tool_choice.allowed_tools.tools[0]'],
    [{ function_call: 'sometimes' }, 'function_call'],
  ])('%j → 400 at %s', (body, param) => {
    expect(paramAt(() => toolConfig(body, DECLARED))).toEqual([400, param]);
  });
});

describe('review fixes', () => {
  it('tool_choice without tools means nothing; naming an undeclared function is a 400', () => {
    expect(toolConfig({ tool_choice: 'required' }, undefined)).toBeUndefined();
    expect(proxyErrorOf(() => toolConfig({ tool_choice: { type: 'function', function: { name: 'x' } } }, [{ functionDeclarations: [{ name: 'y' }] }])).param)
      .toBe('tool_choice');
  });

  it('extra_body.google sent literally, and thinking_level, are read', () => {
    expect(generationConfig({ extra_body: { google: { thinking_config: { thinking_level: 'low', include_thoughts: true } } } }, 'gemini-3-pro').thinkingConfig)
      .toEqual({ thinkingLevel: 'LOW', includeThoughts: true });
  });

  it('an empty stop string and a seed beyond int32 are 400s', () => {
    expect(proxyErrorOf(() => generationConfig({ stop: '' }, 'm')).param).toBe('stop');
    expect(proxyErrorOf(() => generationConfig({ seed: 2 ** 40 }, 'm')).param).toBe('seed');
  });

  it('legacy functions are used when tools is empty or null, and errors name functions[i]', () => {
    expect(tools({ tools: [], functions: [{ name: 'f' }] })).toEqual([{ functionDeclarations: [{ name: 'f' }] }]);
    expect(proxyErrorOf(() => tools({ tools: null, functions: [{ name: 'a b' }] })).param).toBe('functions[0].function.name');
  });

  it('reasoning_effort none on 2.5 Pro asks for its smallest budget, not 0', () => {
    expect(generationConfig({ reasoning_effort: 'none' }, 'gemini-2.5-pro').thinkingConfig).toEqual({ thinkingBudget: 128 });
    expect(generationConfig({ reasoning_effort: 'none' }, 'gemini-2.5-flash').thinkingConfig).toEqual({ thinkingBudget: 0 });
  });
});

/** OpenAI Responses request → Gemini request, end to end (wire-formats-2 §2.2–2.4, §2.8). */

import { describe, expect, it } from 'vitest';
import { IGNORED_FIELDS, translateResponsesRequest } from '../../src/protocols/openai/responses/request.js';
import { namespacedName } from '../../src/protocols/openai/responses/tools.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { dataUrl, PNG } from '../fixtures/openai-requests/media.js';
import { SIGNATURE } from '../fixtures/openai/context.js';
import { BAD_REQUEST_CASES } from '../fixtures/responses/bad-requests.js';
import {
  CODEX_ADDITIONAL_TOOLS_REQUEST, CODEX_FUNCTIONS, CODEX_GPT55_REQUEST, CODEX_REQUEST, CODEX_SOL_NAMES, CODEX_TOOLS,
} from '../fixtures/responses/codex.js';
import { CUSTOM_REQUEST_CASES } from '../fixtures/responses/custom-requests.js';
import { APPLY_PATCH_GRAMMAR, customDeclaration, EXEC_TOOL } from '../fixtures/responses/custom-tools.js';
import { REQUEST_CASES, request, resolve, SKIP, user, WEATHER } from '../fixtures/responses/requests.js';

const ALL_CASES = [...REQUEST_CASES, ...CUSTOM_REQUEST_CASES];

describe('translateResponsesRequest: golden fixtures', () => {
  it.each(ALL_CASES.map((c) => [c.name, c] as const))('%s', (_name, { responses, gemini }) => {
    expect(translateResponsesRequest(responses, resolve, {}).body).toStrictEqual(gemini);
  });

  it('the fixtures have distinct names', () => {
    expect(new Set(ALL_CASES.map((c) => c.name)).size).toBe(ALL_CASES.length);
  });
});

describe('translateResponsesRequest: malformed requests are 400s naming the field', () => {
  it.each(BAD_REQUEST_CASES.map((c) => [c.name, c] as const))('%s', (_name, { responses, param, message }) => {
    const error = proxyErrorOf(() => translateResponsesRequest(responses, resolve, {}));
    expect({ status: error.status, code: error.code, param: error.param }).toEqual({ status: 400, code: 'GP_BAD_REQUEST', param });
    expect(error.message).toContain(message);
  });

  it('the cases have distinct names', () => {
    expect(new Set(BAD_REQUEST_CASES.map((c) => c.name)).size).toBe(BAD_REQUEST_CASES.length);
  });
});

describe('translateResponsesRequest: what the route reads besides the body', () => {
  it('defaults: not streamed, no reasoning, no links, no tools, the echo of an empty request', () => {
    const { body: _body, ...rest } = translateResponsesRequest(request({}), resolve, {});
    expect(rest).toStrictEqual({
      model: 'gemini-2.5-flash', requestedModel: 'gemini-2.5-flash', stream: false, includeReasoning: false, imageLinks: [], toolNames: new Map(),
      echo: {
        instructions: null, max_output_tokens: null, metadata: {}, parallel_tool_calls: true, reasoning: null,
        temperature: null, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: null,
      },
    });
  });

  it('the echo repeats what the client sent', () => {
    const body = request({
      instructions: 'Be brief.', max_output_tokens: 9, metadata: { k: 'v' }, parallel_tool_calls: false, reasoning: { effort: 'low' },
      temperature: 0.5, text: { verbosity: 'low' }, tool_choice: 'required', tools: [WEATHER], top_p: 0.5, stream: true,
    });
    const translated = translateResponsesRequest(body, resolve, {});
    expect(translated.stream).toBe(true);
    expect(translated.echo).toStrictEqual({
      instructions: 'Be brief.', max_output_tokens: 9, metadata: { k: 'v' }, parallel_tool_calls: false, reasoning: { effort: 'low' },
      temperature: 0.5, text: { verbosity: 'low' }, tool_choice: 'required', tools: [WEATHER], top_p: 0.5,
    });
  });

  it('image links are collected for the route to fetch when fetching is on', () => {
    const url = 'https://example.com/cat.png';
    const translated = translateResponsesRequest(request({ input: [user([{ type: 'input_image', image_url: url }])] }), resolve, { fetchImageUrls: true });
    expect(translated.imageLinks).toStrictEqual([{ part: { inlineData: { mimeType: '', data: '' } }, url, param: 'input[0].content[0].image_url' }]);
    // The part in the body is the one the route fills.
    expect(translated.body.contents[0]?.parts?.[0]).toBe(translated.imageLinks[0]?.part);
  });

  it('toolNames maps every flat name back to what the client declared, custom tools marked', () => {
    const body = request({
      tools: [WEATHER, EXEC_TOOL, { type: 'namespace', name: 'crm', tools: [{ type: 'function', name: 'lookup' }, { type: 'custom', name: 'note' }] }],
    });
    expect(translateResponsesRequest(body, resolve, {}).toolNames).toStrictEqual(new Map([
      ['get_weather', { name: 'get_weather' }],
      ['exec', { name: 'exec', custom: true }],
      ['crm__lookup', { namespace: 'crm', name: 'lookup' }],
      ['crm__note', { namespace: 'crm', name: 'note', custom: true }],
    ]));
  });

  it('IGNORED_FIELDS lists what Codex sends on every request', () => {
    for (const field of ['include', 'prompt_cache_key', 'parallel_tool_calls', 'text.verbosity', 'client_metadata']) {
      expect(IGNORED_FIELDS).toContain(field);
    }
  });
});

describe('namespacedName: Codex\'s flattening rule', () => {
  it.each([
    ['multi_agent_v1', 'spawn_agent', 'multi_agent_v1__spawn_agent'],
    ['mcp__calendar__', '__create_event', 'mcp__calendar__create_event'],
    ['crm_', '_lookup', 'crm__lookup'],
  ])('%s + %s → %s', (namespace, name, flat) => {
    expect(namespacedName(namespace, name)).toBe(flat);
  });

  it('is linear on long runs of underscores', () => {
    expect(namespacedName(`${'_'.repeat(100_000)}x${'_'.repeat(100_000)}`, 'f')).toBe(`${'_'.repeat(100_000)}x__f`);
  });
});

describe('translateResponsesRequest: requests shaped like Codex\'s', () => {
  const translated = translateResponsesRequest(CODEX_REQUEST, resolve, {});
  const names = (tools = translated.body.tools): string[] => (tools?.[0]?.functionDeclarations ?? []).map((fn) => fn.name);
  const flatNamespace = ['spawn_agent', 'send_input', 'resume_agent', 'wait', 'close_agent'].map((name) => `multi_agent_v1__${name}`);

  it('the fallback run: streamed, thought summaries shown, every function declared, web_search left out', () => {
    expect({ model: translated.model, stream: translated.stream, includeReasoning: translated.includeReasoning }).toStrictEqual({
      model: 'gemini-2.5-flash', stream: true, includeReasoning: true,
    });
    expect(names()).toEqual([...CODEX_FUNCTIONS.map((tool) => tool['name']), ...flatNamespace]);
    expect(translated.body.tools).toHaveLength(1);
    expect(translated.body.toolConfig).toStrictEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(translated.body.generationConfig).toStrictEqual({ thinkingConfig: { includeThoughts: true } });
    expect(JSON.stringify(translated.body.tools)).not.toContain('additionalProperties');
    expect(translated.echo.tools).toBe(CODEX_TOOLS);
  });

  it('developer messages make the system instruction; the tool turn round-trips', () => {
    expect(translated.body.systemInstruction).toStrictEqual({ parts: [{ text: 'You are Codex, a coding agent.' }, { text: '<skills>none</skills>' }] });
    expect(translated.body.contents).toStrictEqual([
      { role: 'user', parts: [{ text: '<environment_context><cwd>/work</cwd></environment_context>' }, { text: 'list the files' }] },
      { role: 'model', parts: [{ functionCall: { name: 'shell', args: { command: ['ls'] } }, thoughtSignature: SIGNATURE }] },
      { role: 'user', parts: [{ functionResponse: { name: 'shell', response: { output: 'a.txt\nb.txt' } } }] },
      { role: 'model', parts: [{ functionCall: { name: 'multi_agent_v1__spawn_agent', args: { message: 'check b.txt' } }, thoughtSignature: SKIP }] },
      { role: 'user', parts: [{ functionResponse: { name: 'multi_agent_v1__spawn_agent', response: { id: 'agent-1' } } }] },
    ]);
  });

  it('the gpt-5.5-style run: custom apply_patch declared with its grammar, tool_search and web_search dropped; an effort', () => {
    const gpt55 = translateResponsesRequest(CODEX_GPT55_REQUEST, resolve, {});
    expect(names(gpt55.body.tools)).toEqual([...names(), 'apply_patch']);
    expect(gpt55.body.tools?.[0]?.functionDeclarations?.at(-1)).toStrictEqual(
      customDeclaration('apply_patch', { description: 'Edit files with a patch.', grammar: ['lark', APPLY_PATCH_GRAMMAR] }),
    );
    expect(gpt55.toolNames.get('apply_patch')).toStrictEqual({ name: 'apply_patch', custom: true });
    expect(gpt55.body.generationConfig).toStrictEqual({ thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } });
  });

  it('the gpt-6.2-sol run: tools from the additional_tools item, custom exec declared, reasoning.context ignored', () => {
    const sol = translateResponsesRequest(CODEX_ADDITIONAL_TOOLS_REQUEST, resolve, {});
    expect({ model: sol.model, requestedModel: sol.requestedModel }).toStrictEqual({ model: 'gemini-2.5-flash', requestedModel: 'gpt-6.2-sol' });
    expect(names(sol.body.tools)).toEqual(CODEX_SOL_NAMES);
    expect(sol.body.tools?.[0]?.functionDeclarations?.[0]).toStrictEqual(customDeclaration('exec', { description: EXEC_TOOL.description }));
    expect(sol.toolNames.get('exec')).toStrictEqual({ name: 'exec', custom: true });
    expect(sol.body.contents).toStrictEqual(translated.body.contents);
    expect(sol.body.generationConfig).toStrictEqual({ thinkingConfig: { thinkingBudget: 1024 } });
    expect(sol.echo.tools).toEqual([]);
  });

  it('a user image in a Codex-style turn', () => {
    const body = { ...CODEX_REQUEST, input: [user([{ type: 'input_text', text: 'see' }, { type: 'input_image', image_url: dataUrl('image/png', PNG) }])] };
    expect(translateResponsesRequest(body, resolve, {}).body.contents).toStrictEqual([
      { role: 'user', parts: [{ text: 'see' }, { inlineData: { mimeType: 'image/png', data: PNG } }] },
    ]);
  });
});

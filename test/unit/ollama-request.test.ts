/** Ollama `/api/chat` and `/api/generate` → Gemini requests (wire-formats §3.2, §3.3, §4.3; wire-formats-2 §6.4). */

import { describe, expect, it } from 'vitest';
import type { Content } from '../../src/protocols/gemini/types.js';
import { IGNORED_OPTIONS } from '../../src/protocols/ollama/options.js';
import { isUnload, translateOllamaChat, translateOllamaGenerate } from '../../src/protocols/ollama/request.js';
import type { CallKey, SignatureLookup } from '../../src/protocols/ollama/types.js';
import { SKIP_SIGNATURE } from '../../src/protocols/shared/signature.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { NOT_AN_IMAGE, PNG } from '../fixtures/openai-requests/media.js';
import { SIGNATURE, SIGNATURE_IN_ID } from '../fixtures/openai/context.js';
import { growth, measureWork } from '../support/work-meter.js';

const MODEL = 'gemini-2.5-flash';
const HI = { role: 'user', content: 'Hi' };

function chat(fields: Record<string, unknown>): Record<string, unknown> {
  return { model: MODEL, messages: [HI], ...fields };
}

/** The Gemini body of a chat with these messages. */
function contentsOf(messages: unknown[]): unknown {
  return translateOllamaChat({ model: MODEL, messages }, resolve).body?.contents;
}

function call(name: string, args: unknown = {}, id?: string): Record<string, unknown> {
  return { ...(id !== undefined && { id }), function: { name, arguments: args } };
}

describe('translateOllamaChat: the request', () => {
  it('a plain chat: streams by default, the model as named is kept', () => {
    expect(translateOllamaChat({ model: `${MODEL}:latest`, messages: [HI] }, resolve)).toStrictEqual({
      kind: 'chat',
      model: MODEL,
      requestedModel: `${MODEL}:latest`,
      stream: true,
      includeThinking: false,
      body: { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] },
    });
  });

  it.each([[false, false], [true, true], [null, true], [undefined, true]])('stream %s → %s', (stream, expected) => {
    expect(translateOllamaChat(chat({ stream }), resolve).stream).toBe(expected);
  });

  it('an alias resolves, whole or without its tag', () => {
    expect(translateOllamaChat(chat({ model: 'gpt-4o-mini:latest' }), resolve).model).toBe(MODEL);
    expect(translateOllamaChat(chat({ model: 'models/gemini-2.5-pro:8b' }), resolve).model).toBe('gemini-2.5-pro');
  });

  it.each([
    ['absent', undefined, undefined, 'load'],
    ['empty', [], undefined, 'load'],
    ['empty, keep_alive 0', [], 0, 'unload'],
    ['empty, keep_alive "0"', [], '0', 'unload'],
    ['empty, keep_alive "0s"', [], '0s', 'unload'],
    ['empty, keep_alive "5m"', [], '5m', 'load'],
    ['empty, keep_alive -1', [], -1, 'load'],
  ])('messages %s → no body, done_reason %s', (_name, messages, keepAlive, reason) => {
    const request = translateOllamaChat({ model: MODEL, messages, keep_alive: keepAlive }, resolve);
    expect([request.body, request.doneReason]).toEqual([undefined, reason]);
  });

  it('a request with a body has no doneReason, whatever keep_alive says', () => {
    expect(translateOllamaChat(chat({ keep_alive: 0 }), resolve)).not.toHaveProperty('doneReason');
  });

  it.each([[0, true], ['0', true], ['0s', true], ['0m', true], [' 0 ', true], [300, false], ['5m', false], ['-1', false], [null, false]])(
    'isUnload(%j) → %s', (value, expected) => expect(isUnload(value)).toBe(expected),
  );

  it('tools → one Gemini tool with every declaration, schemas cleaned', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather.', parameters: { type: 'object', additionalProperties: false, properties: { city: { type: 'string' } } } } }];
    expect(translateOllamaChat(chat({ tools }), resolve).body?.tools).toStrictEqual([{
      functionDeclarations: [{ name: 'get_weather', description: 'Weather.', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
    }]);
  });
});

describe('translateOllamaChat: messages', () => {
  it('system messages → systemInstruction; roles are case-insensitive; adjacent turns merged', () => {
    const body = translateOllamaChat(chat({
      messages: [{ role: 'System', content: 'Be brief.' }, HI, { role: 'USER', content: 'There?' }, { role: 'assistant', content: 'Yes.' }, { role: 'system', content: '' }],
    }), resolve).body;
    expect(body).toStrictEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hi' }, { text: 'There?' }] }, { role: 'model', parts: [{ text: 'Yes.' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
    });
  });

  it('images on a user message come before its text; content missing or null is empty', () => {
    expect(contentsOf([{ role: 'user', content: 'What is it?', images: [PNG] }, { role: 'user', content: null, images: [`data:image/png;base64,${PNG}`] }]))
      .toStrictEqual([{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG } }, { text: 'What is it?' }, { inlineData: { mimeType: 'image/png', data: PNG } }] }]);
  });

  it('assistant thinking is not sent back; empty assistant messages add nothing', () => {
    expect(contentsOf([HI, { role: 'assistant', content: 'Hello.', thinking: 'They greet me.' }, { role: 'assistant' }]))
      .toStrictEqual([{ role: 'user', parts: [{ text: 'Hi' }] }, { role: 'model', parts: [{ text: 'Hello.' }] }]);
  });

  it('tool calls → functionCall parts; the signature comes from the id, else the stand-in; arguments as object or JSON string', () => {
    const contents = contentsOf([HI, {
      role: 'assistant', content: '',
      tool_calls: [call('a', { x: 1 }, `call_t1.ts.${SIGNATURE_IN_ID}`), { function: { index: 1, name: 'b', arguments: '{"y":2}' } }, call('c', undefined, 'call_plain')],
    }]) as { parts: unknown[] }[];
    expect(contents[1]).toStrictEqual({
      role: 'model',
      parts: [
        { functionCall: { name: 'a', args: { x: 1 } }, thoughtSignature: SIGNATURE },
        { functionCall: { name: 'b', args: { y: 2 } }, thoughtSignature: SKIP_SIGNATURE },
        { functionCall: { name: 'c', args: {} }, thoughtSignature: SKIP_SIGNATURE },
      ],
    });
  });

  describe('tool results: which function each answers', () => {
    const assistant = { role: 'assistant', content: '', tool_calls: [call('a', {}, 'id_a'), call('b', {}, 'id_b'), call('a', {}, 'id_a2')] };
    const names = (results: Record<string, unknown>[]): unknown =>
      (contentsOf([HI, assistant, ...results]) as { parts: { functionResponse: { name: string } }[] }[])[2]?.parts.map((part) => part.functionResponse.name);

    it.each([
      ['in order, with neither tool_name nor id', [{}, {}, {}], ['a', 'b', 'a']],
      ['by tool_name, then the next unanswered in order', [{ tool_name: 'b' }, {}, {}], ['b', 'a', 'a']],
      ['by tool_call_id, in any order', [{ tool_call_id: 'id_a2' }, { tool_call_id: 'id_b' }, {}], ['a', 'b', 'a']],
      ['an unknown id falls back to the next unanswered call', [{ tool_call_id: 'nope' }, {}], ['a', 'b']],
      ['tool_name wins over the id', [{ tool_name: 'z', tool_call_id: 'id_b' }, {}], ['z', 'a']],
    ])('%s', (_name, results, expected) => {
      expect(names(results.map((fields) => ({ role: 'tool', content: 'ok', ...fields })))).toEqual(expected);
    });

    it('an id from an older assistant message names its function; the latest message\'s calls stay in order', () => {
      const contents = contentsOf([
        HI, { role: 'assistant', tool_calls: [call('old', {}, 'id_old')] }, { role: 'tool', content: '1' },
        { role: 'user', content: 'More.' }, { role: 'assistant', tool_calls: [call('new')] },
        { role: 'tool', content: '2', tool_call_id: 'id_old' }, { role: 'tool', content: '3' },
      ]) as { parts: { functionResponse?: { name: string } }[] }[];
      expect(contents[4]?.parts.map((part) => part.functionResponse?.name)).toEqual(['old', 'new']);
    });

    it('results are objects: JSON objects as they are, anything else as {output}', () => {
      const contents = contentsOf([HI, assistant, { role: 'tool', content: '{"t":21}' }, { role: 'tool', content: 'sunny' }, { role: 'tool' }]) as { parts: unknown[] }[];
      expect(contents[2]).toStrictEqual({
        role: 'user',
        parts: [
          { functionResponse: { name: 'a', response: { t: 21 } } },
          { functionResponse: { name: 'b', response: { output: 'sunny' } } },
          { functionResponse: { name: 'a', response: { output: '' } } },
        ],
      });
    });

    it('a result with no call left to answer and no tool_name is a 400', () => {
      const error = proxyErrorOf(() => contentsOf([HI, assistant, {}, {}, {}, {}].map((m) => (m === HI || m === assistant ? m : { role: 'tool', content: 'x' }))));
      expect([error.code, error.param]).toEqual(['GP_BAD_REQUEST', 'messages[5].tool_name']);
    });
  });

  it('is linear in the number of messages and tool results', () => {
    const body = (n: number): Record<string, unknown> => ({
      model: MODEL,
      messages: [HI, { role: 'assistant', tool_calls: Array.from({ length: n }, (_v, i) => call(`f${i % 7}`, {}, `id${i}`)) },
        ...Array.from({ length: n }, (_v, i) => ({ role: 'tool', content: 'ok', ...(i % 3 === 0 ? { tool_name: `f${i % 7}` } : i % 3 === 1 ? { tool_call_id: `id${n - i}` } : {}) })),
        ...Array.from({ length: n }, () => ({ role: 'user', content: 'word' }))],
    });
    expect(growth((n) => {
      const request = body(n);
      return measureWork(() => translateOllamaChat(request, resolve));
    }, 400)).toBeLessThan(10);
  });
});

describe('translateOllamaChat: signatures the server remembers, for calls without one in their id', () => {
  const QUESTION = { role: 'user', content: 'Weather in Paris?' };
  const QUESTION_CONTENTS: Content[] = [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }];
  /** The call as ollama-python sends it back: no id. */
  const WEATHER = call('get_weather', { city: 'Paris' });
  const REMEMBERED: CallKey = { model: MODEL, contentsBefore: QUESTION_CONTENTS, name: 'get_weather', args: { city: 'Paris' } };

  /** A fake memo holding `kept` by the key as JSON; it records a copy of every key it is asked for. */
  function memo(kept: readonly [CallKey, string][] = [[REMEMBERED, SIGNATURE]]): { signatureFor: SignatureLookup; asked: CallKey[] } {
    const signatures = new Map(kept.map(([key, signature]) => [JSON.stringify(key), signature]));
    const asked: CallKey[] = [];
    const signatureFor: SignatureLookup = (key) => {
      asked.push(structuredClone(key));
      return signatures.get(JSON.stringify(key));
    };
    return { signatureFor, asked };
  }

  function signaturesOf(messages: unknown[], signatureFor: SignatureLookup): unknown[] {
    const contents = translateOllamaChat({ model: MODEL, messages }, resolve, signatureFor).body?.contents ?? [];
    return contents.flatMap((content) => content.parts ?? []).filter((part) => part.functionCall).map((part) => part.thoughtSignature);
  }

  it('a call without an id gets the remembered signature; the key is the model, the contents before its message, the call', () => {
    const { signatureFor, asked } = memo();
    expect(signaturesOf([QUESTION, { role: 'assistant', content: '', tool_calls: [WEATHER] }, { role: 'tool', content: '20' }], signatureFor)).toEqual([SIGNATURE]);
    expect(asked).toStrictEqual([REMEMBERED]);
  });

  it('a signature in the id wins, and the memo is not asked', () => {
    const { signatureFor, asked } = memo([[REMEMBERED, 'another']]);
    const withId = call('get_weather', { city: 'Paris' }, `call_t1.ts.${SIGNATURE_IN_ID}`);
    expect(signaturesOf([QUESTION, { role: 'assistant', tool_calls: [withId] }], signatureFor)).toEqual([SIGNATURE]);
    expect(asked).toEqual([]);
  });

  it('an id without a signature asks the memo too', () => {
    const plain = call('get_weather', { city: 'Paris' }, 'call_plain');
    expect(signaturesOf([QUESTION, { role: 'assistant', tool_calls: [plain] }], memo().signatureFor)).toEqual([SIGNATURE]);
  });

  it.each([
    ['nothing remembered', WEATHER, []],
    ['another function', call('get_time', { city: 'Paris' }), undefined],
    ['other arguments', call('get_weather', { city: 'Lyon' }), undefined],
  ])('a call the memo does not know (%s) gets the stand-in', (_name, unknown, kept?: [CallKey, string][]) => {
    expect(signaturesOf([QUESTION, { role: 'assistant', tool_calls: [unknown] }], memo(kept).signatureFor)).toEqual([SKIP_SIGNATURE]);
  });

  it.each([
    ['another question', [{ role: 'user', content: 'Weather in Paris, please?' }]],
    ['more before the question', [{ role: 'user', content: 'Hello.' }, { role: 'assistant', content: 'Hi!' }, QUESTION]],
    ['no question at all', []],
  ])('the same call after another conversation (%s) gets the stand-in', (_name, before) => {
    expect(signaturesOf([...before, { role: 'assistant', tool_calls: [WEATHER] }], memo().signatureFor)).toEqual([SKIP_SIGNATURE]);
  });

  it('the calls of one message share its prefix; a later message\'s prefix holds the signatures restored before it', () => {
    const { signatureFor, asked } = memo();
    const time = call('get_time', { city: 'Paris' });
    signaturesOf([
      QUESTION, { role: 'assistant', content: 'Looking.', tool_calls: [WEATHER, time] }, { role: 'tool', content: '20' }, { role: 'tool', content: '9:00' },
      { role: 'assistant', tool_calls: [call('get_news')] },
    ], signatureFor);
    expect(asked.map((key) => [key.name, key.contentsBefore])).toStrictEqual([
      ['get_weather', QUESTION_CONTENTS],
      ['get_time', QUESTION_CONTENTS],
      ['get_news', [
        ...QUESTION_CONTENTS,
        { role: 'model', parts: [
          { text: 'Looking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE },
          { functionCall: { name: 'get_time', args: { city: 'Paris' } }, thoughtSignature: SKIP_SIGNATURE },
        ] },
        { role: 'user', parts: [
          { functionResponse: { name: 'get_weather', response: { output: 20 } } },
          { functionResponse: { name: 'get_time', response: { output: '9:00' } } },
        ] },
      ]],
    ]);
  });
});

describe('translateOllamaGenerate', () => {
  it('prompt, system and images → one user turn and a system instruction; stream false', () => {
    expect(translateOllamaGenerate({ model: MODEL, prompt: 'Describe.', system: 'Be brief.', images: [PNG], stream: false, raw: true, template: '{{ .Prompt }}', context: [1, 2] }, resolve)).toStrictEqual({
      kind: 'generate',
      model: MODEL,
      requestedModel: MODEL,
      stream: false,
      includeThinking: false,
      body: {
        contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG } }, { text: 'Describe.' }] }],
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
      },
    });
  });

  it.each([
    [{}, 'load'],
    [{ prompt: '', system: 'x' }, 'load'],
    [{ keep_alive: 0 }, 'unload'],
    [{ prompt: '', images: [], keep_alive: '0s' }, 'unload'],
  ])('nothing to generate (%j) → %s', (fields, reason) => {
    const request = translateOllamaGenerate({ model: MODEL, ...fields }, resolve);
    expect([request.kind, request.body, request.doneReason]).toEqual(['generate', undefined, reason]);
  });

  it('an image alone is something to generate from; an empty suffix is fine; tools are not read', () => {
    const request = translateOllamaGenerate({ model: MODEL, images: [PNG], suffix: '', tools: 'ignored' }, resolve);
    expect(request.body?.contents).toStrictEqual([{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG } }] }]);
  });
});

describe('options, format and think', () => {
  it('the sampling options → generationConfig; num_predict ≤ 0 is no limit', () => {
    const options = { temperature: 0.2, top_p: 0.9, top_k: 40, num_predict: 128, stop: ['\n\n', 'END'], seed: 42, presence_penalty: 0.5, frequency_penalty: -0.5 };
    expect(translateOllamaChat(chat({ options }), resolve).body?.generationConfig).toStrictEqual({
      temperature: 0.2, topP: 0.9, topK: 40, maxOutputTokens: 128, stopSequences: ['\n\n', 'END'], seed: 42, presencePenalty: 0.5, frequencyPenalty: -0.5,
    });
    for (const num_predict of [0, -1, -2]) expect(translateOllamaChat(chat({ options: { num_predict } }), resolve).body).not.toHaveProperty('generationConfig');
  });

  it('a stop string is one sequence; every ignored option is accepted, and so are unknown ones', () => {
    const ignored = Object.fromEntries(IGNORED_OPTIONS.map((name) => [name, 1]));
    expect(translateOllamaGenerate({ model: MODEL, prompt: 'x', options: { ...ignored, stop: 'END', brand_new: true } }, resolve).body?.generationConfig)
      .toStrictEqual({ stopSequences: ['END'] });
    expect(IGNORED_OPTIONS).toEqual(expect.arrayContaining(['num_ctx', 'num_gpu', 'mirostat', 'repeat_penalty', 'min_p']));
  });

  it.each([
    ['"json"', 'json', { responseMimeType: 'application/json' }],
    ['a schema (cleaned)', { type: 'object', $schema: 'x', properties: { a: { const: 1 } } }, { responseMimeType: 'application/json', responseJsonSchema: { type: 'object', properties: { a: { enum: [1] } } } }],
    ['""', '', undefined],
    ['null', null, undefined],
  ])('format %s', (_name, format, config) => {
    expect(translateOllamaChat(chat({ format }), resolve).body?.generationConfig).toStrictEqual(config);
  });

  it.each([
    [true, MODEL, { includeThoughts: true }, true],
    [false, MODEL, { thinkingBudget: 0 }, false],
    [false, 'gemini-2.5-pro', { thinkingBudget: 128 }, false],
    [false, 'gemini-3-pro-preview', { thinkingLevel: 'LOW' }, false],
    [false, 'gemini-3-flash-preview', { thinkingLevel: 'MINIMAL' }, false],
    ['low', MODEL, { thinkingBudget: 1024, includeThoughts: true }, true],
    ['medium', MODEL, { thinkingBudget: 8192, includeThoughts: true }, true],
    ['high', 'gemini-3-pro-preview', { thinkingLevel: 'HIGH', includeThoughts: true }, true],
    ['max', MODEL, { thinkingBudget: 24576, includeThoughts: true }, true],
  ])('think %j on %s → %j', (think, model, thinkingConfig, includeThinking) => {
    const request = translateOllamaChat(chat({ think, model }), resolve);
    expect([request.body?.generationConfig?.thinkingConfig, request.includeThinking]).toEqual([thinkingConfig, includeThinking]);
  });

  it('think applies to generate too', () => {
    expect(translateOllamaGenerate({ model: MODEL, prompt: 'x', think: 'low' }, resolve).includeThinking).toBe(true);
  });
});

describe('malformed requests are 400s naming the field', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['no model', { model: undefined }, 'model', 'model is required'],
    ['a bad model', { model: 'a b' }, 'model', 'Gemini model id'],
    ['messages not a list', { messages: 'hi' }, 'messages', 'must be an array'],
    ['a message not an object', { messages: ['hi'] }, 'messages[0]', 'must be an object'],
    ['an unknown role', { messages: [{ role: 'developer', content: 'x' }] }, 'messages[0].role', 'system, user, assistant or tool'],
    ['no role', { messages: [{ content: 'x' }] }, 'messages[0].role', 'system, user, assistant or tool'],
    ['content not a string', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, 'messages[0].content', 'must be a string'],
    ['only system messages', { messages: [{ role: 'system', content: 'x' }] }, 'messages', 'at least one user'],
    ['only empty messages', { messages: [{ role: 'user', content: '' }] }, 'messages', 'at least one user'],
    ['images not a list', { messages: [{ role: 'user', content: 'x', images: PNG }] }, 'messages[0].images', 'must be an array'],
    ['an image that is not one', { messages: [{ role: 'user', content: 'x', images: [PNG, NOT_AN_IMAGE] }] }, 'messages[0].images[1]', 'does not hold an image'],
    ['an image that is not base64', { messages: [{ role: 'user', content: 'x', images: ['***'] }] }, 'messages[0].images[0]', 'not valid base64'],
    ['an image not a string', { messages: [{ role: 'user', content: 'x', images: [1] }] }, 'messages[0].images[0]', 'base64 string'],
    ['an image on an assistant message that is not one', { messages: [HI, { role: 'assistant', content: 'x', images: [NOT_AN_IMAGE] }] }, 'messages[1].images[0]', 'does not hold an image'],
    ['images on a system message', { messages: [{ role: 'system', content: 'x', images: [PNG] }, HI] }, 'messages[0].images', 'only user and assistant messages'],
    ['tool_calls not a list', { messages: [HI, { role: 'assistant', tool_calls: {} }] }, 'messages[1].tool_calls', 'must be an array'],
    ['a tool call without function', { messages: [HI, { role: 'assistant', tool_calls: [{ name: 'f' }] }] }, 'messages[1].tool_calls[0]', 'must be {function'],
    ['a tool call without a name', { messages: [HI, { role: 'assistant', tool_calls: [call('')] }] }, 'messages[1].tool_calls[0].function.name', 'is required'],
    ['arguments a number', { messages: [HI, { role: 'assistant', tool_calls: [call('f', 5)] }] }, 'messages[1].tool_calls[0].function.arguments', 'must be an object'],
    ['arguments bad JSON', { messages: [HI, { role: 'assistant', tool_calls: [call('f', '{')] }] }, 'messages[1].tool_calls[0].function.arguments', 'not valid JSON'],
    ['a tool call id not a string', { messages: [HI, { role: 'assistant', tool_calls: [call('f', {}, 5 as unknown as string)] }] }, 'messages[1].tool_calls[0].id', 'must be a string'],
    ['a tool result with no call to answer', { messages: [HI, { role: 'tool', content: 'x' }] }, 'messages[1].tool_name', 'tool_name is required'],
    ['tool_name not a string', { messages: [HI, { role: 'tool', content: 'x', tool_name: 3 }] }, 'messages[1].tool_name', 'must be a string'],
    ['stream not a boolean', { stream: 'yes' }, 'stream', 'true or false'],
    ['options not an object', { options: [1] }, 'options', 'must be an object'],
    ['temperature over 2', { options: { temperature: 2.5 } }, 'options.temperature', 'from 0 to 2'],
    ['top_p over 1', { options: { top_p: 1.5 } }, 'options.top_p', 'from 0 to 1'],
    ['top_k 0', { options: { top_k: 0 } }, 'options.top_k', 'at least 1'],
    ['num_predict fractional', { options: { num_predict: 1.5 } }, 'options.num_predict', 'an integer'],
    ['stop with an empty string', { options: { stop: ['a', ''] } }, 'options.stop', 'non-empty'],
    ['seed over int32', { options: { seed: 2 ** 31 } }, 'options.seed', 'an integer'],
    ['presence_penalty out of range', { options: { presence_penalty: 3 } }, 'options.presence_penalty', 'from -2 to 2'],
    ['frequency_penalty not a number', { options: { frequency_penalty: '1' } }, 'options.frequency_penalty', 'a number'],
    ['format "yaml"', { format: 'yaml' }, 'format', '"json" or a JSON schema'],
    ['format a list', { format: [] }, 'format', '"json" or a JSON schema'],
    ['think "extreme"', { think: 'extreme' }, 'think', 'think must be true, false, "low", "medium", "high" or "max"'],
    ['think 1', { think: 1 }, 'think', 'think must be true'],
    ['keep_alive an object', { keep_alive: {} }, 'keep_alive', 'number of seconds'],
    ['tools not a list', { tools: {} }, 'tools', 'must be an array'],
    ['a tool without a name', { tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name', 'must start with a letter'],
  ];

  it.each(cases)('chat: %s', (_name, fields, param, message) => {
    const error = proxyErrorOf(() => translateOllamaChat(chat(fields), resolve));
    expect([error.status, error.code, error.param]).toEqual([400, 'GP_BAD_REQUEST', param]);
    expect(error.message).toContain(message);
  });

  it.each([
    ['a suffix', { suffix: 'end' }, 'suffix', 'fill-in-the-middle'],
    ['prompt not a string', { prompt: 5 }, 'prompt', 'must be a string'],
    ['system not a string', { system: {} }, 'system', 'must be a string'],
    ['an image that is not one', { images: [NOT_AN_IMAGE] }, 'images[0]', 'does not hold an image'],
    ['options out of range', { options: { top_k: -1 } }, 'options.top_k', 'at least 1'],
    ['think "none"', { think: 'none' }, 'think', 'think must be'],
  ])('generate: %s', (_name, fields, param, message) => {
    const error = proxyErrorOf(() => translateOllamaGenerate({ model: MODEL, prompt: 'x', ...fields }, resolve));
    expect([error.status, error.code, error.param]).toEqual([400, 'GP_BAD_REQUEST', param]);
    expect(error.message).toContain(message);
  });

  it('a load request is checked too', () => {
    expect(proxyErrorOf(() => translateOllamaChat({ model: MODEL, messages: [], options: { temperature: 9 } }, resolve)).param).toBe('options.temperature');
  });
});

/** OpenAI messages → Gemini contents and systemInstruction (wire-formats §2.3, §4.3). */

import { describe, expect, it } from 'vitest';
import { translateMessages } from '../../src/protocols/openai/messages.js';
import { encodeToolCallId, signatureFromToolCallId, SKIP_SIGNATURE } from '../../src/protocols/shared/signature.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { SIGNATURE, SIGNATURE_IN_ID } from '../fixtures/openai/context.js';

interface Call {
  id?: string;
  type: 'function';
  function: { name: string; arguments: unknown };
  extra_content?: unknown;
}

function call(id: string | undefined, name: string, args: unknown = '{}'): Call {
  return { ...(id !== undefined && { id }), type: 'function', function: { name, arguments: args } };
}

const ASK = { role: 'user', content: 'Go.' };

/** The parts of the model turn that the given tool calls become. */
function modelParts(calls: readonly Call[]): unknown {
  return translateMessages([ASK, { role: 'assistant', content: null, tool_calls: calls }]).contents[1]?.parts;
}

/** The functionResponse the given tool result content becomes (one call named `f`). */
function resultOf(content: unknown): unknown {
  const { contents } = translateMessages([ASK, { role: 'assistant', tool_calls: [call('call_1', 'f')] }, { role: 'tool', tool_call_id: 'call_1', content }]);
  return contents[2]?.parts?.[0]?.functionResponse;
}

describe('system and developer messages', () => {
  it('go to systemInstruction in order, wherever they stand, and out of contents', () => {
    const result = translateMessages([
      { role: 'developer', content: 'one' },
      ASK,
      { role: 'system', content: [{ type: 'text', text: 'tw' }, { type: 'text', text: 'o' }] },
      { role: 'assistant', content: 'ok' },
      { role: 'developer', content: 'three' },
    ]);
    expect(result).toStrictEqual({
      contents: [{ role: 'user', parts: [{ text: 'Go.' }] }, { role: 'model', parts: [{ text: 'ok' }] }],
      systemInstruction: { parts: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] },
    });
  });

  it('an empty system message adds nothing; no systemInstruction without one', () => {
    expect(translateMessages([{ role: 'system', content: '' }, ASK])).toStrictEqual({ contents: [{ role: 'user', parts: [{ text: 'Go.' }] }] });
  });

  it('a system message with an image part is a 400 naming the part', () => {
    const error = proxyErrorOf(() => translateMessages([{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'x' } }] }, ASK]));
    expect([error.status, error.param]).toEqual([400, 'messages[0].content[0].type']);
  });

  it('a system message without content is a 400', () => {
    expect(proxyErrorOf(() => translateMessages([{ role: 'system' }, ASK])).param).toBe('messages[0].content');
  });
});

describe('user and assistant messages', () => {
  it('user text as a string and as parts; empty text parts dropped', () => {
    expect(translateMessages([{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: '' }, { type: 'text', text: 'b' }] }]).contents)
      .toStrictEqual([{ role: 'user', parts: [{ text: 'a' }, { text: 'b' }] }]);
  });

  it('assistant text parts and a refusal are joined into one text part', () => {
    const { contents } = translateMessages([ASK, { role: 'assistant', content: [{ type: 'text', text: 'I ' }, { type: 'refusal', refusal: 'cannot.' }] }]);
    expect(contents[1]).toStrictEqual({ role: 'model', parts: [{ text: 'I cannot.' }] });
  });

  it('an assistant message with empty content and no calls adds no turn', () => {
    expect(translateMessages([ASK, { role: 'assistant', content: '' }, { role: 'user', content: 'Again.' }]).contents)
      .toStrictEqual([{ role: 'user', parts: [{ text: 'Go.' }, { text: 'Again.' }] }]);
  });

  it('a conversation that starts with the assistant keeps that order', () => {
    expect(translateMessages([{ role: 'assistant', content: 'Hello!' }, ASK]).contents.map((c) => c.role)).toEqual(['model', 'user']);
  });
});

describe('assistant tool calls', () => {
  it('text first, then one functionCall part per call, arguments parsed', () => {
    const { contents } = translateMessages([ASK, {
      role: 'assistant', content: 'Checking.', tool_calls: [call('call_1', 'a', '{"x":1,"y":[true,null]}'), call('call_2', 'b', '{}')],
    }]);
    expect(contents[1]).toStrictEqual({
      role: 'model',
      parts: [
        { text: 'Checking.' },
        { functionCall: { name: 'a', args: { x: 1, y: [true, null] } }, thoughtSignature: SKIP_SIGNATURE },
        { functionCall: { name: 'b', args: {} }, thoughtSignature: SKIP_SIGNATURE },
      ],
    });
  });

  it('the skip signature is the value Google documents', () => {
    expect(SKIP_SIGNATURE).toBe('skip_thought_signature_validator');
  });

  it('takes the thought signature out of an id made by encodeToolCallId', () => {
    const id = encodeToolCallId('abc', SIGNATURE);
    expect(id).toBe(`call_abc.ts.${SIGNATURE_IN_ID}`);
    expect(modelParts([call(id, 'f')])).toStrictEqual([{ functionCall: { name: 'f', args: {} }, thoughtSignature: SIGNATURE }]);
  });

  it('takes extra_content.google.thought_signature, before the id', () => {
    const withBoth = { ...call(encodeToolCallId('abc', 'aWQtc2ln'), 'f'), extra_content: { google: { thought_signature: 'ZXh0cmE=' } } };
    expect(modelParts([withBoth])).toStrictEqual([{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'ZXh0cmE=' }]);
  });

  it('a plain id, no id, or an extra_content without google: the skip signature', () => {
    const parts = modelParts([call('call_plain', 'a'), call(undefined, 'b'), { ...call('call_x', 'c'), extra_content: { openai: {} } }]);
    expect(parts).toStrictEqual(['a', 'b', 'c'].map((name) => ({ functionCall: { name, args: {} }, thoughtSignature: SKIP_SIGNATURE })));
  });

  it('arguments already an object, empty, or null are taken as they are', () => {
    const parts = modelParts([call('c1', 'a', { k: 'v' }), call('c2', 'b', ''), call('c3', 'c', null)]);
    expect(parts).toStrictEqual([
      { functionCall: { name: 'a', args: { k: 'v' } }, thoughtSignature: SKIP_SIGNATURE },
      { functionCall: { name: 'b', args: {} }, thoughtSignature: SKIP_SIGNATURE },
      { functionCall: { name: 'c', args: {} }, thoughtSignature: SKIP_SIGNATURE },
    ]);
  });

  it.each([
    ['{not json', 'messages[1].tool_calls[1].function.arguments'],
    ['"a string"', 'messages[1].tool_calls[1].function.arguments'],
    [42, 'messages[1].tool_calls[1].function.arguments'],
  ])('arguments %j are a 400 naming %s', (args, param) => {
    const error = proxyErrorOf(() => modelParts([call('c1', 'ok'), call('c2', 'bad', args)]));
    expect([error.status, error.code, error.param]).toEqual([400, 'GP_BAD_REQUEST', param]);
  });

  it('a tool call that is not a function call is a 400', () => {
    expect(proxyErrorOf(() => translateMessages([ASK, { role: 'assistant', tool_calls: ['f'] }])).param).toBe('messages[1].tool_calls[0]');
  });
});

describe('tool results', () => {
  it('JSON object content is kept as the response', () => {
    expect(resultOf('{"temp":18,"unit":"C"}')).toStrictEqual({ name: 'f', response: { temp: 18, unit: 'C' } });
  });

  it.each([
    ['plain text', 'It is sunny.', { output: 'It is sunny.' }],
    ['a JSON array', '[1,{"a":2}]', { output: [1, { a: 2 }] }],
    ['a JSON number', '42', { output: 42 }],
    ['an empty string', '', { output: '' }],
    ['text parts, joined', [{ type: 'text', text: '{"ok":' }, { type: 'text', text: 'true}' }], { ok: true }],
    ['text parts of plain text', [{ type: 'text', text: 'line 1\n' }, { type: 'text', text: 'line 2' }], { output: 'line 1\nline 2' }],
  ])('%s', (_name, content, response) => {
    expect(resultOf(content)).toStrictEqual({ name: 'f', response });
  });

  it('each result is resolved to its function by the id of the earlier call', () => {
    const { contents } = translateMessages([
      ASK,
      { role: 'assistant', tool_calls: [call('call_w', 'weather'), call('call_t', 'time')] },
      { role: 'tool', tool_call_id: 'call_t', content: '"noon"' },
      { role: 'tool', tool_call_id: 'call_w', content: 'rain' },
    ]);
    expect(contents).toHaveLength(3);
    expect(contents[2]).toStrictEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'time', response: { output: 'noon' } } },
        { functionResponse: { name: 'weather', response: { output: 'rain' } } },
      ],
    });
  });

  it('results of two turns stay in two user turns', () => {
    const { contents } = translateMessages([
      ASK,
      { role: 'assistant', tool_calls: [call('c1', 'a')] },
      { role: 'tool', tool_call_id: 'c1', content: '1' },
      { role: 'assistant', tool_calls: [call('c2', 'b')] },
      { role: 'tool', tool_call_id: 'c2', content: '2' },
    ]);
    expect(contents.map((c) => [c.role, c.parts?.length])).toEqual([['user', 1], ['model', 1], ['user', 1], ['model', 1], ['user', 1]]);
    expect(contents[4]?.parts?.[0]).toStrictEqual({ functionResponse: { name: 'b', response: { output: 2 } } });
  });

  it('an unmatched id falls back to a name the client sent', () => {
    const { contents } = translateMessages([ASK, { role: 'tool', tool_call_id: 'call_lost', name: 'lookup', content: 'x' }]);
    expect(contents[0]?.parts?.[1]).toStrictEqual({ functionResponse: { name: 'lookup', response: { output: 'x' } } });
  });

  it('a result matching no earlier call, with no name, is a 400', () => {
    const error = proxyErrorOf(() => translateMessages([ASK, { role: 'tool', tool_call_id: 'call_1', content: 'x' }]));
    expect([error.status, error.param]).toEqual([400, 'messages[1].tool_call_id']);
  });

  it('a call made after the result does not match it', () => {
    const error = proxyErrorOf(() => translateMessages([ASK, { role: 'tool', tool_call_id: 'c1', content: 'x' }, { role: 'assistant', tool_calls: [call('c1', 'f')] }]));
    expect(error.param).toBe('messages[1].tool_call_id');
  });

  it('legacy role function takes its name', () => {
    const { contents } = translateMessages([ASK, { role: 'assistant', function_call: { name: 'sum', arguments: '{"a":1}' } }, { role: 'function', name: 'sum', content: '3' }]);
    expect(contents.slice(1)).toStrictEqual([
      { role: 'model', parts: [{ functionCall: { name: 'sum', args: { a: 1 } }, thoughtSignature: SKIP_SIGNATURE }] },
      { role: 'user', parts: [{ functionResponse: { name: 'sum', response: { output: 3 } } }] },
    ]);
  });

  it('a tool result with an image part is a 400 naming the part', () => {
    const error = proxyErrorOf(() => resultOf([{ type: 'image_url', image_url: { url: 'x' } }]));
    expect(error.param).toBe('messages[2].content[0].type');
  });
});

describe('malformed message lists', () => {
  it.each([
    ['undefined', undefined, 'messages'],
    ['empty', [], 'messages'],
    ['only system', [{ role: 'system', content: 'x' }], 'messages'],
    ['unknown role', [ASK, { role: 'bot', content: 'x' }], 'messages[1].role'],
    ['missing role', [{ content: 'x' }], 'messages[0].role'],
    ['null message', [ASK, null], 'messages[1]'],
    ['user content a number', [{ role: 'user', content: 5 }], 'messages[0].content'],
  ])('%s → 400 at %s', (_name, messages, param) => {
    const error = proxyErrorOf(() => translateMessages(messages));
    expect([error.status, error.code, error.param]).toEqual([400, 'GP_BAD_REQUEST', param]);
  });
});

describe('tool-call ids carrying a signature', () => {
  it.each([
    ['standard base64 with + / and padding', SIGNATURE],
    ['no padding', 'AAAA'],
    ['one padding char', 'AAA='],
    ['long', Buffer.from(Array.from({ length: 300 }, (_v, i) => i % 256)).toString('base64')],
  ])('round trip: %s', (_name, signature) => {
    const id = encodeToolCallId('tok', signature);
    expect(id).toMatch(/^call_tok\.ts\.[A-Za-z0-9_-]+$/);
    expect(signatureFromToolCallId(id)).toBe(signature);
  });

  it('without a signature the id is call_<token> and carries none', () => {
    expect(encodeToolCallId('tok', undefined)).toBe('call_tok');
    expect(signatureFromToolCallId('call_tok')).toBeUndefined();
  });

  it.each(['call_a.ts.', 'call_a.ts.!!', 'x.ts.a b', 'call_a.ts.ab=c'])('%s carries no signature (not written by the proxy)', (id) => {
    expect(signatureFromToolCallId(id)).toBeUndefined();
  });
});

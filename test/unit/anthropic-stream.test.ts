/**
 * Gemini stream chunks → Anthropic SSE (wire-formats-2 §1.5): exact event text, and every
 * sequence checked against the rules `@anthropic-ai/sdk`'s MessageStream enforces.
 */

import { describe, expect, it } from 'vitest';
import { toAnthropicMessage } from '../../src/protocols/anthropic/response.js';
import { AnthropicStream } from '../../src/protocols/anthropic/stream.js';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import { MESSAGE, messageContext, THINKING_TOOL_ANSWER, THINKING_TOOL_CHUNKS, THOUGHT_SIGNATURE } from '../fixtures/anthropic/gemini-answers.js';
import { SIGNATURE_IN_ID } from '../fixtures/openai/context.js';
import { ALL_STREAMS, TEXT_STREAM, TOOL_CALLS_STREAM, TRUNCATED_STREAM } from '../fixtures/openai/gemini-streams.js';

const SHOWN = { requestedModel: MESSAGE.requestedModel, includeThinking: true };
const HIDDEN = { requestedModel: MESSAGE.requestedModel, includeThinking: false };

function frame(type: string, data: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function usage(input: number, output: number, cached = 0): object {
  return { input_tokens: input, output_tokens: output, cache_read_input_tokens: cached, cache_creation_input_tokens: 0 };
}

function messageStart(input: number, cached = 0): string {
  return frame('message_start', {
    message: { id: 'msg_test', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: usage(input, 0, cached) },
  });
}

const delta = (index: number, value: object): string => frame('content_block_delta', { index, delta: value });
const start = (index: number, block: object): string => frame('content_block_start', { index, content_block: block });
const stop = (index: number): string => frame('content_block_stop', { index });
const end = (reason: string, used: object): string =>
  frame('message_delta', { delta: { stop_reason: reason, stop_sequence: null }, usage: used }) + frame('message_stop', {});

/** Runs the chunks through a stream; ends it as the relay does (finish, or fail when truncated). */
function run(chunks: readonly GenerateContentResponse[], request = SHOWN): { text: string; truncated: boolean } {
  const stream = new AnthropicStream(request, messageContext());
  let text = '';
  for (const chunk of chunks) text += stream.push(chunk);
  const { truncated } = stream;
  text += truncated ? stream.fail({ message: 'the upstream stream ended before the answer was complete', code: 'stream_truncated', status: 502 }) : stream.finish();
  return { text, truncated };
}

type Block = { type: string; text?: string; thinking?: string; signature?: string; input?: unknown; json?: string };

/**
 * What MessageStream checks, as an accumulator: every frame's event name is its data's type;
 * one message_start first; blocks opened at index = content length, deltas and stops only on the
 * open block, of its type; message_delta with usage.output_tokens; message_stop last.
 */
function accumulate(sse: string): { content: Block[]; stop_reason: unknown; usage: Record<string, unknown> } {
  expect(sse.endsWith('\n\n')).toBe(true);
  let message: { content: Block[]; stop_reason: unknown; usage: Record<string, unknown> } | undefined;
  let open: Block | undefined;
  let stopped = false;
  for (const raw of sse.slice(0, -2).split('\n\n')) {
    const [eventLine, dataLine, ...rest] = raw.split('\n');
    expect(rest).toEqual([]);
    const type = /^event: (\w+)$/.exec(eventLine ?? '')?.[1];
    const data = JSON.parse((dataLine ?? '').replace(/^data: /, '')) as Record<string, unknown> & { index?: number; delta?: Record<string, unknown> };
    expect(data['type']).toBe(type);
    expect(stopped).toBe(false);
    if (type === 'ping') continue;
    if (type === 'error') throw new Error(`error event: ${dataLine}`);
    if (type === 'message_start') {
      expect(message).toBeUndefined();
      message = structuredClone(data['message']) as typeof message;
      continue;
    }
    if (message === undefined) throw new Error(`${type} before message_start`);
    if (type === 'content_block_start') {
      expect([open, data.index]).toEqual([undefined, message.content.length]);
      open = structuredClone(data['content_block']) as Block;
      message.content.push(open);
    } else if (type === 'content_block_delta') {
      expect(data.index).toBe(message.content.length - 1);
      applyDelta(open, data.delta ?? {});
    } else if (type === 'content_block_stop') {
      expect(data.index).toBe(message.content.length - 1);
      if (open?.type === 'tool_use') open.input = JSON.parse(open.json ?? '{}');
      delete open?.json;
      open = undefined;
    } else if (type === 'message_delta') {
      expect(typeof (data['usage'] as Record<string, unknown>)['output_tokens']).toBe('number');
      message.stop_reason = (data.delta ?? {})['stop_reason'];
      message.usage = data['usage'] as Record<string, unknown>;
    } else {
      expect(type).toBe('message_stop');
      expect(open).toBeUndefined();
      stopped = true;
    }
  }
  expect(stopped).toBe(true);
  if (message === undefined) throw new Error('no message');
  return message;
}

function applyDelta(block: Block | undefined, change: Record<string, unknown>): void {
  const kinds: Record<string, string> = { text_delta: 'text', thinking_delta: 'thinking', signature_delta: 'thinking', input_json_delta: 'tool_use' };
  expect(block?.type).toBe(kinds[String(change['type'])]);
  if (block === undefined) return;
  if (change['type'] === 'text_delta') block.text += String(change['text']);
  if (change['type'] === 'thinking_delta') block.thinking += String(change['thinking']);
  if (change['type'] === 'signature_delta') block.signature = String(change['signature']);
  if (change['type'] === 'input_json_delta') block.json = (block.json ?? '') + String(change['partial_json']);
}

describe('AnthropicStream: golden sequences', () => {
  it('text: one block across chunks', () => {
    expect(run(TEXT_STREAM.events)).toStrictEqual({
      truncated: false,
      text: messageStart(7) + start(0, { type: 'text', text: '' }) +
        delta(0, { type: 'text_delta', text: 'Hé' }) + delta(0, { type: 'text_delta', text: 'llo, wörld — 世界 ' }) + delta(0, { type: 'text_delta', text: '🌍.' }) +
        stop(0) + end('end_turn', usage(7, 5)),
    });
  });

  it('thoughts (signature arriving alone), text, then calls whole; chunks after the finish add only usage', () => {
    expect(run(THINKING_TOOL_CHUNKS).text).toBe(
      messageStart(120) +
      start(0, { type: 'thinking', thinking: '', signature: '' }) +
      delta(0, { type: 'thinking_delta', thinking: 'Plan: ' }) + delta(0, { type: 'thinking_delta', thinking: 'read the file.' }) +
      delta(0, { type: 'signature_delta', signature: THOUGHT_SIGNATURE }) + stop(0) +
      start(1, { type: 'text', text: '' }) + delta(1, { type: 'text_delta', text: 'Reading ' }) + delta(1, { type: 'text_delta', text: 'it.' }) + stop(1) +
      start(2, { type: 'tool_use', id: `toolu_tok1.ts.${SIGNATURE_IN_ID}`, name: 'Read', input: {} }) +
      delta(2, { type: 'input_json_delta', partial_json: '{"file_path":"/tmp/a"}' }) + stop(2) +
      start(3, { type: 'tool_use', id: 'toolu_tok2', name: 'Glob', input: {} }) + delta(3, { type: 'input_json_delta', partial_json: '{}' }) + stop(3) +
      end('tool_use', usage(20, 49, 100)),
    );
  });

  it('thoughts are skipped when not asked for; indexes stay contiguous', () => {
    const { content } = accumulate(run(THINKING_TOOL_CHUNKS, HIDDEN).text);
    expect(content.map((block) => block.type)).toEqual(['text', 'tool_use', 'tool_use']);
  });

  it('a stream without a finish reason is truncated and ends with an error event', () => {
    const { text, truncated } = run(TRUNCATED_STREAM.events);
    expect(truncated).toBe(true);
    expect(text.endsWith(frame('error', { error: { type: 'api_error', message: 'the upstream stream ended before the answer was complete' } }))).toBe(true);
  });
});

describe('AnthropicStream: what the SDK accepts', () => {
  const complete = Object.entries(ALL_STREAMS).filter(([name]) => name !== 'truncated');

  it.each(complete)('%s: a valid sequence', (_name, stream) => {
    expect(() => accumulate(run(stream.events).text)).not.toThrow();
  });

  it('the accumulated stream equals the non-streamed message', () => {
    const streamed = accumulate(run(THINKING_TOOL_CHUNKS.slice(0, 4)).text);
    const whole = toAnthropicMessage(THINKING_TOOL_ANSWER, SHOWN, messageContext());
    expect(streamed.content).toStrictEqual(whole.content);
    expect(streamed.stop_reason).toBe(whole.stop_reason);
  });

  it.each([
    ['safety', 'refusal'], ['blocked', 'refusal'], ['maxTokens', 'max_tokens'], ['toolCalls', 'tool_use'], ['twoCandidates', 'end_turn'],
  ] as const)('%s → stop_reason %s', (name, reason) => {
    expect(accumulate(run(ALL_STREAMS[name].events).text).stop_reason).toBe(reason);
  });

  it('parallel calls become one tool_use block each, the first signed', () => {
    const { content } = accumulate(run(TOOL_CALLS_STREAM.events).text);
    expect(content).toStrictEqual([
      { type: 'tool_use', id: `toolu_tok1.ts.${SIGNATURE_IN_ID}`, name: 'get_weather', input: { city: 'Tokyo' } },
      { type: 'tool_use', id: 'toolu_tok2', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'toolu_tok3', name: 'get_time', input: {} },
    ]);
  });

  it('pings may come first and between frames', () => {
    const stream = new AnthropicStream(SHOWN, messageContext());
    const text = stream.keepAlive() + stream.push(TEXT_STREAM.events[0] ?? {}) + stream.keepAlive() +
      TEXT_STREAM.events.slice(1).map((chunk) => stream.push(chunk)).join('') + stream.finish();
    expect(accumulate(text).content).toStrictEqual([{ type: 'text', text: 'Héllo, wörld — 世界 🌍.' }]);
  });
});

describe('AnthropicStream: frames of its own', () => {
  const stream = new AnthropicStream(SHOWN, messageContext());

  it('keepAlive is a ping with both lines; the content type is SSE', () => {
    expect(stream.keepAlive()).toBe('event: ping\ndata: {"type":"ping"}\n\n');
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
  });

  it.each([
    [502, 'upstream_error', 'api_error'],
    [503, 'UNAVAILABLE', 'overloaded_error'],
    [429, 'RESOURCE_EXHAUSTED', 'rate_limit_error'],
    [500, 'INTERNAL', 'api_error'],
    [400, 'INVALID_ARGUMENT', 'invalid_request_error'],
    [504, 'DEADLINE_EXCEEDED', 'timeout_error'],
  ])('fail %d %s → an error event of type %s', (status, code, type) => {
    expect(stream.fail({ message: 'it broke', code, status })).toBe(`event: error\ndata: {"type":"error","error":{"type":"${type}","message":"it broke"}}\n\n`);
  });

  it('truncated until a finish reason; a push of nothing usable still opens the message once', () => {
    const fresh = new AnthropicStream(SHOWN, messageContext());
    expect(fresh.truncated).toBe(true);
    expect(fresh.push(null as never)).toBe('');
    expect(fresh.push({ usageMetadata: { promptTokenCount: 3 } })).toBe(messageStart(3));
    expect(fresh.push({ candidates: [{ content: { parts: [{ text: 5 } as never] } }] })).toBe('');
    expect(fresh.truncated).toBe(true);
    expect(fresh.push({ candidates: [{ finishReason: 'STOP' }] })).toBe('');
    expect(fresh.truncated).toBe(false);
    expect(fresh.finish()).toBe(end('end_turn', usage(3, 0)));
  });
});

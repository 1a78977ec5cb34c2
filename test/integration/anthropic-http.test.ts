/**
 * The Anthropic Messages API on the wire: the exact SSE frames (`event:` and `data:` lines), a
 * request shaped like Claude Code's, and canary keys that never reach an answer or a log line.
 */

import { describe, expect, it } from 'vitest';
import { frames, streamed } from '../fixtures/anthropic/sse.js';
import { fail } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { canary, expectKeysOnlyInHeader, expectUnseen } from '../support/canary.js';
import { withProxy } from '../support/harness.js';
import { rawRequest, type RawResponse } from '../support/http.js';

const TOKEN = 'anthropic-http-token';
const HEADERS = { 'content-type': 'application/json', 'x-api-key': TOKEN, 'anthropic-version': '2023-06-01' };

function post(base: string, path: string, body: unknown, headers: Record<string, string> = HEADERS): Promise<RawResponse> {
  return rawRequest(base, { method: 'POST', path, headers, body: JSON.stringify(body) });
}

describe('the Anthropic API on the wire', () => {
  const h = withProxy({ keys: ['pool-a'], settings: { proxyKeys: [TOKEN] } });

  it('a stream: the exact event order, every frame with its event line', async () => {
    const response = await post(h.proxy.url, '/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const list = frames(response.body);
    expect(list.map((frame) => frame.event)).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(list[0]?.data['message']).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null });
    expect(list.slice(1, 6).map((frame) => frame.data)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' from' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' fake Gemini: hi' } },
      { type: 'content_block_stop', index: 0 },
    ]);
    expect(list[6]?.data).toEqual({
      type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 4, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
    expect(list[7]?.data).toEqual({ type: 'message_stop' });
  });

  it('a request shaped like Claude Code\'s is answered with the SSE sequence', async () => {
    h.upstream.next(streamed([[{ text: 'Planning.', thought: true, thoughtSignature: 'c2lnbg==' }], [{ text: 'Done.' }]]));
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false, required: ['command'],
      properties: {
        command: { type: 'string', description: 'The command' },
        timeout: { type: 'number', exclusiveMinimum: 0 },
        mode: { const: 'run' },
        url: { type: 'string', format: 'uri', pattern: '^https://' },
        env: { type: 'object', propertyNames: { pattern: '^[A-Z_]+$' }, additionalProperties: { type: 'string' } },
        cwd: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
    };
    const response = await post(h.proxy.url, '/v1/messages?beta=true', {
      model: 'claude-opus-4-8', max_tokens: 128000, stream: true,
      system: [
        { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Work in /repo.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'List files.', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Sure.' }] },
        { role: 'system', content: 'The user changed directory.' },
        { role: 'user', content: 'Go on.' },
      ],
      thinking: { type: 'adaptive' }, output_config: { effort: 'high' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      metadata: { user_id: 'user_abc_account_def_session_ghi' },
      tools: [{ name: 'Bash', description: 'Run a command', input_schema: schema }],
    }, { ...HEADERS, 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27' });
    expect(response.status).toBe(200);
    expect(frames(response.body).map(({ data }) => data)).toEqual([
      expect.objectContaining({ type: 'message_start' }),
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Planning.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'c2lnbg==' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Done.' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 20, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } },
      { type: 'message_stop' },
    ]);
    const upstream = h.upstream.requests[0];
    expect(upstream?.pathname).toBe('/v1beta/models/gemini-2.5-pro:streamGenerateContent');
    expect(upstream?.query.get('alt')).toBe('sse');
    expect(h.upstream.sentJson()).toEqual({
      systemInstruction: { parts: [{ text: 'You are Claude Code.' }, { text: 'Work in /repo.' }, { text: 'The user changed directory.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'List files.' }] },
        { role: 'model', parts: [{ text: 'Sure.' }] },
        { role: 'user', parts: [{ text: 'Go on.' }] },
      ],
      tools: [{
        functionDeclarations: [{
          name: 'Bash', description: 'Run a command',
          parametersJsonSchema: {
            type: 'object', required: ['command'],
            properties: {
              command: { type: 'string', description: 'The command' },
              timeout: { type: 'number', exclusiveMinimum: 0 },
              mode: { enum: ['run'] },
              url: { type: 'string', format: 'uri', pattern: '^https://' },
              env: { type: 'object' },
              cwd: { anyOf: [{ type: 'string' }, { type: 'null' }] },
            },
          },
        }],
      }],
      generationConfig: { maxOutputTokens: 65536, thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } },
    });
  });

  it('a bad body is a 400 in Anthropic\'s envelope, before any upstream request', async () => {
    const response = await post(h.proxy.url, '/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'robot', content: 'x' }] });
    expect(response.status).toBe(400);
    const body = JSON.parse(response.body) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(body.error.message).toContain('messages[0].role');
    expect(h.upstream.requests).toHaveLength(0);
  });
});

describe('canary keys stay secret on the Anthropic routes', () => {
  const KEYS = [canary(), canary(), canary()];
  const SECRET = canary();
  const h = withProxy({ keys: KEYS, settings: { proxyKeys: [SECRET] } });
  const echo = (name: 'apiKeyInvalid' | 'suspended'): Behaviour => (request, res) => fail(name, request.key ?? '')(request, res);

  it('no key or token in any answer, header or log line; keys only in x-goog-api-key upstream', async () => {
    const auth = { ...HEADERS, 'x-api-key': SECRET };
    const message = { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    const responses: RawResponse[] = [];
    const send = async (body: unknown = message, headers: Record<string, string> = auth, path = '/v1/messages'): Promise<void> => {
      for (const record of h.proxy.daemon.rotator.keys) {
        h.proxy.daemon.rotator.enable(record, 'test');
        record.cooling.clear();
      }
      responses.push(await post(h.proxy.url, path, body, headers));
    };
    await send();
    await send({ ...message, stream: true });
    await send(message, auth, '/v1/messages/count_tokens');
    responses.push(await rawRequest(h.proxy.url, { path: '/v1/models', headers: auth }));
    h.upstream.next(echo('apiKeyInvalid'));
    await send();
    h.upstream.next(echo('suspended'));
    await send({ ...message, stream: true });
    h.upstream.next(echo('apiKeyInvalid'), echo('apiKeyInvalid'), echo('apiKeyInvalid'));
    await send();
    h.upstream.next((request, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message: `Bad request for key ${request.key}` } }));
    });
    await send();
    expect(responses.at(-1)?.body).toContain('[redacted]');
    h.upstream.next(fail('quotaPerMinute'), fail('quotaPerMinute'), fail('quotaPerMinute'));
    await send();
    await send(message, { ...auth, 'x-api-key': `${SECRET}x` });
    await send({ ...message, messages: [] });
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200, 503, 400, 429, 401, 400]);

    expectUnseen([...KEYS, SECRET], responses, h.proxy.logs);
    expectKeysOnlyInHeader(h.upstream.requests, KEYS, [...KEYS, SECRET]);
  });
});

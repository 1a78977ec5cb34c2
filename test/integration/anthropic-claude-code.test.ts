/**
 * Claude Code's requests replayed over raw HTTP as it sends them (shared/reference/coding-agents.md):
 * `POST /v1/messages?beta=true` with its headers (`accept: application/json` even for streams),
 * the fixture's body (billing header, cache_control, mid-conversation system messages, 24 tools,
 * adaptive thinking, context_management, metadata), streamed and as its non-streamed retry, a
 * tool_use → tool_result round trip, and the `HEAD /` it sends first.
 */

import { describe, expect, it } from 'vitest';
import { CLAUDE_CODE_REQUEST, CLAUDE_CODE_TOOLS } from '../fixtures/anthropic/claude-code.js';
import { frames, streamed, type Frame } from '../fixtures/anthropic/sse.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { withProxy } from '../support/harness.js';
import { rawRequest, type RawResponse } from '../support/http.js';

const TOKEN = 'claude-code-token';
const PATH = '/v1/messages?beta=true';
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json',
  'anthropic-version': '2023-06-01',
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,effort-2025-11-24',
  'x-api-key': TOKEN,
  'user-agent': 'claude-cli/2.1.197 (external, sdk-cli)',
  'x-app': 'cli',
  'x-claude-code-session-id': 'session-1',
};
/** Standard base64 with `+`, `/` and padding, as Gemini's signatures are. */
const SIGNATURE = Buffer.from([0xfb, 0xef, 0xff, 1, 2, 3, 4]).toString('base64');
const SYSTEM_TEXTS = [
  'x-anthropic-billing-header: cc_version=2.1.197.123; cc_entrypoint=sdk-cli;',
  'You are Claude Code, an interactive CLI tool.',
  'Long instructions about tools and style.',
  'Mid-conversation system text.',
  'Blocks of system text.',
];
/** What only Anthropic reads, which must not reach Gemini. */
const ANTHROPIC_ONLY = ['cache_control', 'metadata', 'user_id', 'context_management', 'output_config', 'defer_loading', '$schema', 'propertyNames', 'ephemeral'];

function post(base: string, body: Record<string, unknown>): Promise<RawResponse> {
  return rawRequest(base, { method: 'POST', path: PATH, headers: HEADERS, body: JSON.stringify(body) });
}

function json(body: unknown): Behaviour {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

const THOUGHT = { text: 'Planning.', thought: true, thoughtSignature: 'dGhvdWdodA==' };

describe('Claude Code\'s requests, replayed', () => {
  const h = withProxy({ keys: ['pool-a'], settings: { proxyKeys: [TOKEN] } });

  /** The Gemini body of upstream request `index`, checked free of Anthropic-only fields. */
  function sentBody(index: number): Record<string, unknown> {
    const request = h.upstream.requests[index];
    for (const word of ANTHROPIC_ONLY) expect(request?.body).not.toContain(word);
    expect(Object.keys(request?.headers ?? {}).filter((name) => /^(anthropic|x-api-key|x-app|x-claude)/.test(name))).toEqual([]);
    return h.upstream.sentJson(index);
  }

  it('streamed: the Gemini body built field by field, the SSE events each with its event line', async () => {
    h.upstream.next(streamed([[THOUGHT], [{ text: 'Here ' }], [{ text: 'they are.' }]]));
    const response = await post(h.proxy.url, CLAUDE_CODE_REQUEST);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(h.upstream.requests[0]?.url).toBe('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
    const body = sentBody(0);
    expect(Object.keys(body).sort()).toEqual(['contents', 'generationConfig', 'systemInstruction', 'tools']);
    expect(body['systemInstruction']).toEqual({ parts: SYSTEM_TEXTS.map((text) => ({ text })) });
    expect(body['generationConfig']).toEqual({ maxOutputTokens: 65536, thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } });
    const [tool, ...others] = body['tools'] as { functionDeclarations: Record<string, unknown>[] }[];
    expect(others).toEqual([]);
    expect(tool?.functionDeclarations.map((fn) => fn['name'])).toEqual(CLAUDE_CODE_TOOLS.map((item) => item['name']));
    for (const fn of tool?.functionDeclarations ?? []) {
      expect(Object.keys(fn).sort()).toEqual(['description', 'name', 'parametersJsonSchema']);
    }
    expect(frames(response.body).map(({ data }) => data)).toEqual([
      { type: 'message_start', message: expect.objectContaining({ model: 'claude-opus-4-8', content: [], stop_reason: null }) },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Planning.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'dGhvdWdodA==' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Here ' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'they are.' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: expect.objectContaining({ input_tokens: 20, output_tokens: 10 }) },
      { type: 'message_stop' },
    ]);
  });

  it('not streamed (Claude Code\'s retry): one JSON message from generateContent, the same body', async () => {
    h.upstream.next(json({
      candidates: [{ content: { role: 'model', parts: [THOUGHT, { text: 'Here they are.' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 6, cachedContentTokenCount: 8 },
    }));
    const { stream: _stream, ...retry } = CLAUDE_CODE_REQUEST;
    const response = await post(h.proxy.url, retry);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual({
      id: expect.stringMatching(/^msg_/), type: 'message', role: 'assistant', model: 'claude-opus-4-8',
      content: [{ type: 'thinking', thinking: 'Planning.', signature: 'dGhvdWdodA==' }, { type: 'text', text: 'Here they are.' }],
      stop_reason: 'end_turn', stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 6, cache_read_input_tokens: 8, cache_creation_input_tokens: 0 },
    });
    expect(h.upstream.requests[0]?.url).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
    expect(sentBody(0)['systemInstruction']).toEqual({ parts: SYSTEM_TEXTS.map((text) => ({ text })) });
  });

  it('a tool_use → tool_result round trip carries the call\'s thought signature back to Gemini', async () => {
    const call = { functionCall: { name: 'Read', args: { file_path: '/repo/a.txt' } }, thoughtSignature: SIGNATURE };
    // The fake upstream knows no gemini-2.5-pro: each answer is scripted.
    h.upstream.next(streamed([[THOUGHT], [call]]), streamed([[{ text: 'It says hello.' }]]));
    const first = frames((await post(h.proxy.url, CLAUDE_CODE_REQUEST)).body);
    const toolUse = blockOf(first, 'tool_use');
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'Read', input: {} });
    expect(first.find((frame) => frame.event === 'message_delta')?.data['delta']).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
    const input = first.find(({ data }) => isDelta(data, 'input_json_delta'))?.data['delta'] as { partial_json: string };
    expect(JSON.parse(input.partial_json)).toEqual({ file_path: '/repo/a.txt' });

    // Claude Code sends the turn back as it got it, thinking included, cache_control on the last block.
    const history = CLAUDE_CODE_REQUEST['messages'] as unknown[];
    const next = {
      ...CLAUDE_CODE_REQUEST,
      messages: [
        ...history,
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Planning.', signature: 'dGhvdWdodA==' }, { ...toolUse, input: { file_path: '/repo/a.txt' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse['id'], content: 'hello', cache_control: { type: 'ephemeral' } }] },
      ],
    };
    const second = frames((await post(h.proxy.url, next)).body);
    expect(second.filter(({ data }) => isDelta(data, 'text_delta')).map(({ data }) => data['delta'])).toEqual([{ type: 'text_delta', text: 'It says hello.' }]);
    const contents = sentBody(1)['contents'] as unknown[];
    expect(contents.slice(-2)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'Read', args: { file_path: '/repo/a.txt' } }, thoughtSignature: SIGNATURE }] },
      { role: 'user', parts: [{ functionResponse: { name: 'Read', response: { output: 'hello' } } }] },
    ]);
  });

  it('HEAD / without a proxy key is answered, with all protocols served or Anthropic\'s alone, and no key is used', async () => {
    const head = (): Promise<RawResponse> => rawRequest(h.proxy.url, { method: 'HEAD', path: '/', headers: { 'user-agent': HEADERS['user-agent'] } });
    const statuses = [(await head()).status];
    await h.restart({ settings: { proxyKeys: [TOKEN], protocols: ['anthropic'] } });
    statuses.push((await head()).status);
    for (const status of statuses) {
      expect(status).toBeGreaterThanOrEqual(200);
      expect(status).toBeLessThan(500);
    }
    expect(h.upstream.requests).toHaveLength(0);
    const status = await h.proxy.status({ authorization: `Bearer ${TOKEN}` });
    expect(status.keys.map((key) => key.attempts)).toEqual([0]);
  });
});

function isDelta(data: Record<string, unknown>, type: string): boolean {
  const delta = data['delta'];
  return data['type'] === 'content_block_delta' && typeof delta === 'object' && delta !== null && (delta as { type?: unknown }).type === type;
}

/** The content block a `content_block_start` of `type` opened. */
function blockOf(list: readonly Frame[], type: string): Record<string, unknown> {
  const block = list.map(({ data }) => data['content_block']).find((item) => (item as { type?: unknown } | undefined)?.type === type);
  if (block === undefined) throw new Error(`no ${type} block`);
  return block as Record<string, unknown>;
}

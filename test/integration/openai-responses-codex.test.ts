/**
 * Requests shaped like Codex CLI's (test/fixtures/responses/codex.ts) replayed through the proxy
 * over raw HTTP, streamed and not: the Gemini body the upstream got, and an answer holding what
 * Codex reads (shared/reference/wire-formats-2.md §2.8): an `output_item.done` for every output
 * item, `response.completed` last with the response id and usage. Then the default model's
 * custom `exec` round trip: the call answered as `custom_tool_call`, replayed with its output.
 */

import { describe, expect, it } from 'vitest';
import type { GenerateContentRequest } from '../../src/protocols/gemini/types.js';
import { SIGNATURE, SIGNATURE_IN_ID } from '../fixtures/openai/context.js';
import {
  CODEX_ADDITIONAL_TOOLS_REQUEST, CODEX_FUNCTIONS, CODEX_GPT55_REQUEST, CODEX_REQUEST, CODEX_SOL_NAMES,
  EXEC_CALL_ANSWER, EXEC_CALL_CHUNKS, EXEC_INPUT, execFollowUp,
} from '../fixtures/responses/codex.js';
import { checkStream, type StreamEvent } from '../fixtures/responses/stream-check.js';
import { jsonAnswer, streamAnswer } from '../fixtures/responses/upstream.js';
import { withProxy } from '../support/harness.js';
import { rawRequest, type RawResponse } from '../support/http.js';

/** The headers Codex sends (coding-agents.md), its token as a Bearer. */
const CODEX_HEADERS = {
  'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer codex-token',
  originator: 'codex_exec', 'user-agent': 'codex_exec/0.171.0', 'session-id': 'session-1', 'x-codex-window-id': 'w1',
};

const h = withProxy({ keys: ['pool-a'], aliases: { 'gpt-6.2-sol': 'gemini-2.5-flash' } });

function send(body: Record<string, unknown>): Promise<RawResponse> {
  return rawRequest(h.proxy.url, { method: 'POST', path: '/v1/responses', headers: CODEX_HEADERS, body: JSON.stringify(body) });
}

function sent(index = 0): GenerateContentRequest {
  return h.upstream.sentJson(index) as unknown as GenerateContentRequest;
}

function declaredNames(body: GenerateContentRequest): string[] {
  expect(body.tools).toHaveLength(1);
  return (body.tools?.[0]?.functionDeclarations ?? []).map((fn) => fn.name);
}

type Item = Record<string, unknown> & { id: string; type: string };

/**
 * What Codex needs of a stream: it passes every rule the SDK enforces, every added item is
 * done (Codex builds its history from `done` items alone), and `response.completed` comes last
 * with the id and usage holding input, output and total tokens. Returns the done items.
 */
function codexReads(response: RawResponse): { done: Item[]; completed: StreamEvent } {
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
  const { events } = checkStream(response.body);
  const added = events.filter((event) => event.type === 'response.output_item.added');
  const done = events.filter((event) => event.type === 'response.output_item.done').map((event) => event['item'] as Item);
  expect(done.map((item) => item.id)).toEqual(added.map((event) => (event['item'] as Item).id));
  const completed = events.at(-1);
  if (completed?.type !== 'response.completed') throw new Error(`last event ${completed?.type}`);
  const final = completed['response'] as { id: string; output: unknown[]; usage: Record<string, unknown> };
  expect(final.id).toMatch(/^resp_/);
  expect(final.output).toStrictEqual(done);
  expect(final.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) });
  return { done, completed };
}

const FALLBACK_NAMES = [
  ...CODEX_FUNCTIONS.map((tool) => tool['name']),
  ...['spawn_agent', 'send_input', 'resume_agent', 'wait', 'close_agent'].map((name) => `multi_agent_v1__${name}`),
];

describe('Codex\'s fallback run (codex exec -m gemini-2.5-flash)', () => {
  it('streamed: namespaced flat names, web_search dropped, developer messages as the system instruction', async () => {
    const { done, completed } = codexReads(await send(CODEX_REQUEST));
    const body = sent();
    expect(h.upstream.requests[0]?.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(declaredNames(body)).toEqual(FALLBACK_NAMES);
    expect(JSON.stringify(body.tools)).not.toContain('googleSearch');
    expect(body.systemInstruction).toStrictEqual({ parts: [{ text: 'You are Codex, a coding agent.' }, { text: '<skills>none</skills>' }] });
    expect(body.contents.map((content) => content.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(body.contents[1]?.parts?.[0]).toMatchObject({ functionCall: { name: 'shell' }, thoughtSignature: SIGNATURE });
    expect(done).toMatchObject([{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: expect.stringContaining('Hello') }] }]);
    expect(completed['response']).toMatchObject({ status: 'completed', model: 'gemini-2.5-flash', usage: { input_tokens: 4, output_tokens: 3, total_tokens: 7 } });
  });

  it('stream: false: one response object with the same output shape', async () => {
    const response = await send({ ...CODEX_REQUEST, stream: false });
    expect(response.status).toBe(200);
    expect(h.upstream.requests[0]?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(declaredNames(sent())).toEqual(FALLBACK_NAMES);
    expect(JSON.parse(response.body)).toMatchObject({
      id: expect.stringMatching(/^resp_/), object: 'response', status: 'completed',
      output: [{ type: 'message', content: [{ type: 'output_text' }] }], usage: { input_tokens: 4, output_tokens: 3, total_tokens: 7 },
    });
  });

  it('the gpt-5.5-style run: custom apply_patch now declared; tool_search and live web_search dropped', async () => {
    codexReads(await send(CODEX_GPT55_REQUEST));
    const body = sent();
    expect(declaredNames(body)).toEqual([...FALLBACK_NAMES, 'apply_patch']);
    expect(body.tools?.[0]?.functionDeclarations?.at(-1)).toMatchObject({
      description: 'Edit files with a patch.',
      parametersJsonSchema: { required: ['input'], properties: { input: { description: expect.stringContaining('start: begin_patch hunk+ end_patch') } } },
    });
    expect(body.generationConfig).toStrictEqual({ thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } });
  });
});

describe('Codex\'s default model (gpt-6.2-sol): the custom exec tool round trip', () => {
  const signedId = expect.stringMatching(new RegExp(`^call_[^.]+\\.ts\\.${SIGNATURE_IN_ID}$`)) as unknown;

  it('streamed: exec declared from additional_tools, the call done as custom_tool_call, the replay signed', async () => {
    h.upstream.next(streamAnswer(EXEC_CALL_CHUNKS));
    const { done, completed } = codexReads(await send(CODEX_ADDITIONAL_TOOLS_REQUEST));
    expect(declaredNames(sent())).toEqual(CODEX_SOL_NAMES);
    expect(sent().generationConfig).toStrictEqual({ thinkingConfig: { thinkingBudget: 1024 } });
    expect(done.map((item) => item.type)).toEqual(['message', 'custom_tool_call']);
    const call = done[1];
    expect(call).toStrictEqual({
      id: expect.stringMatching(/^ctc_/), type: 'custom_tool_call', status: 'completed', call_id: signedId, name: 'exec', input: EXEC_INPUT,
    });
    expect(completed['response']).toMatchObject({ model: 'gpt-6.2-sol', usage: { input_tokens: 300, output_tokens: 20, total_tokens: 320 } });

    h.upstream.next(streamAnswer([{ candidates: [{ content: { role: 'model', parts: [{ text: 'src holds 5 files.' }] }, finishReason: 'STOP' }] }]));
    const next = codexReads(await send(execFollowUp(call ?? { id: '' }, 'total 5\nmain.ts')));
    expect(next.done).toMatchObject([{ type: 'message', content: [{ text: 'src holds 5 files.' }] }]);
    const replay = sent(1).contents.slice(-2);
    expect(replay).toStrictEqual([
      { role: 'model', parts: [{ functionCall: { name: 'exec', args: { input: EXEC_INPUT } }, thoughtSignature: SIGNATURE }] },
      { role: 'user', parts: [{ functionResponse: { name: 'exec', response: { output: 'total 5\nmain.ts' } } }] },
    ]);
  });

  it('stream: false: the same call in the response object, and the same replay', async () => {
    h.upstream.next(jsonAnswer(EXEC_CALL_ANSWER));
    const response = await send({ ...CODEX_ADDITIONAL_TOOLS_REQUEST, stream: false });
    expect(response.status).toBe(200);
    const { output, usage } = JSON.parse(response.body) as { output: Item[]; usage: unknown };
    expect(output.map((item) => item.type)).toEqual(['message', 'custom_tool_call']);
    expect(output[1]).toMatchObject({ type: 'custom_tool_call', call_id: signedId, name: 'exec', input: EXEC_INPUT });
    expect(output[1]?.id).toMatch(/^ctc_/);
    expect(usage).toMatchObject({ input_tokens: 300, output_tokens: 20, total_tokens: 320 });
    await send({ ...execFollowUp(output[1] ?? { id: '' }, 'total 5'), stream: false });
    expect(sent(1).contents.at(-2)?.parts).toStrictEqual([{ functionCall: { name: 'exec', args: { input: EXEC_INPUT } }, thoughtSignature: SIGNATURE }]);
  });
});

/**
 * The chat-session scenario both shared-state links must pass: a chat started through one daemon
 * goes on through the other, in order, and the user's message rate (2 a second in the caller's
 * set-up) holds across both.
 */

import { expect } from 'vitest';
import type { FakeGemini } from './fake-gemini.js';
import { rawRequest } from './http.js';
import type { TestProxy } from './proxy.js';

export async function postJson(proxy: TestProxy, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await rawRequest(proxy.url, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: JSON.parse(response.body) as Record<string, unknown> };
}

export async function expectChatAcross(one: TestProxy, two: TestProxy, upstream: FakeGemini): Promise<void> {
  const chatId = (await postJson(one, '/start_chat', { user_id: 'alice' })).json['chat_id'];
  expect((await postJson(two, '/send_message', { chat_id: chatId, message: 'first' })).status).toBe(200);
  expect((await postJson(one, '/send_message', { chat_id: chatId, message: 'second' })).status).toBe(200);
  expect((await postJson(two, '/send_message', { chat_id: chatId, message: 'third' })).status).toBe(429);
  const contents = upstream.sentJson(1)['contents'] as { parts: { text: string }[] }[];
  expect(contents.map((turn) => turn.parts[0]?.text)).toEqual(['first', expect.any(String), 'second']);
}

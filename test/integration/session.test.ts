/**
 * The chat-session API through raw HTTP, following the original document's workflow: start a
 * chat, send two messages (the second carries the first exchange upstream), end it; then every
 * error, the per-user rate, the bounds and the interaction log lines.
 */

import { describe, expect, it } from 'vitest';
import { fail } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { withProxy } from '../support/harness.js';
import { rawRequest, type RawResponse } from '../support/http.js';
import { listsOf } from '../support/proxy.js';

const USERS = ['alice', 'bob'];
let clock = 1_000_000;
const h = withProxy({ keys: ['pool-a', 'pool-b'], users: USERS, now: () => clock });

async function post(path: string, body: unknown, base = h.proxy.url): Promise<RawResponse & { json: Record<string, unknown> }> {
  const response = await rawRequest(base, {
    method: 'POST', path, headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
}

async function start(body: Record<string, unknown> = { user_id: 'alice' }, base?: string): Promise<string> {
  const response = await post('/start_chat', body, base);
  expect(response.status).toBe(200);
  expect(typeof response.json['chat_id']).toBe('string');
  return response.json['chat_id'] as string;
}

/** Holds the upstream's answer until `release` is called. */
function held(): { behaviour: Behaviour; release: () => void; arrived: Promise<void> } {
  let release: () => void = () => undefined;
  let arrived: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  return {
    behaviour: async (request, res) => {
      arrived();
      await gate;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: `answer to ${request.body.length}` }] }, finishReason: 'STOP', index: 0 }] }));
    },
    release: () => release(),
    arrived: reached,
  };
}

describe('chat sessions: the document workflow', () => {
  it('start, two messages (the second carries the first exchange), end', async () => {
    const chatId = await start({ user_id: 'alice' });
    const first = await post('/send_message', { chat_id: chatId, message: 'What is the capital of New York?' });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ response: 'Hello from fake Gemini: What is the capital of New York?' });
    const second = await post('/send_message', { chat_id: chatId, message: 'What about New Jersey?' });
    expect(second.json['response']).toBe('Hello from fake Gemini: What about New Jersey?');
    expect(h.upstream.requests[1]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(h.upstream.sentJson(1)['contents']).toEqual([
      { role: 'user', parts: [{ text: 'What is the capital of New York?' }] },
      { role: 'model', parts: [{ text: 'Hello from fake Gemini: What is the capital of New York?' }] },
      { role: 'user', parts: [{ text: 'What about New Jersey?' }] },
    ]);
    const ended = await post('/end_chat', { chat_id: chatId });
    expect(ended.status).toBe(200);
    expect(typeof ended.json['message']).toBe('string');
    const after = await post('/send_message', { chat_id: chatId, message: 'still there?' });
    expect(after.status).toBe(404);
    expect(typeof after.json['error']).toBe('string');
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('generation_config in snake_case or camelCase applies to every message', async () => {
    const snake = await start({ user_id: 'alice', generation_config: { max_output_tokens: 50, temperature: 0.3, top_p: 0.9, stop_sequences: ['END'] } });
    const camel = await start({ user_id: 'bob', generation_config: { maxOutputTokens: 60, topK: 5 } });
    await post('/send_message', { chat_id: snake, message: 'a' });
    await post('/send_message', { chat_id: snake, message: 'b' });
    await post('/send_message', { chat_id: camel, message: 'c' });
    const expected = { maxOutputTokens: 50, temperature: 0.3, topP: 0.9, stopSequences: ['END'] };
    expect(h.upstream.sentJson(0)['generationConfig']).toEqual(expected);
    expect(h.upstream.sentJson(1)['generationConfig']).toEqual(expected);
    expect(h.upstream.sentJson(2)['generationConfig']).toEqual({ maxOutputTokens: 60, topK: 5 });
  });

  it('a chat started with a retired model name calls a current model; the log line shows both', async () => {
    const chatId = await start({ user_id: 'alice', model_name: 'gemini-pro' });
    expect((await post('/send_message', { chat_id: chatId, message: 'hi' })).status).toBe(200);
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    const line = await h.proxy.logs.waitFor((entry) => entry.msg === 'request' && entry['path'] === '/send_message');
    expect(line).toMatchObject({ model: 'gemini-2.5-flash', requestedModel: 'gemini-pro', protocol: 'session' });
  });
});

describe('chat sessions: errors', () => {
  it.each([
    ['an unknown user', { user_id: 'mallory' }, 403],
    ['no user', {}, 403],
    ['a user id that is not a string', { user_id: 7 }, 403],
    ['a malformed generation_config', { user_id: 'alice', generation_config: { temperature: 'hot' } }, 400],
    ['an unknown generation setting', { user_id: 'alice', generation_config: { warmth: 1 } }, 400],
    ['generation_config not an object', { user_id: 'alice', generation_config: [1] }, 400],
    ['one setting in both spellings', { user_id: 'alice', generation_config: { top_p: 0.5, topP: 7 } }, 400],
    ['a model name that is not one', { user_id: 'alice', model_name: '../files' }, 400],
  ])('start_chat with %s: %i', async (_name, body, status) => {
    const response = await post('/start_chat', body);
    expect(response.status).toBe(status);
    expect(typeof response.json['error']).toBe('string');
  });

  it.each([
    ['/send_message', { message: 'hi' }, 400],
    ['/send_message', { chat_id: 'x' }, 400],
    ['/send_message', { chat_id: 'no-such-chat', message: 'hi' }, 404],
    ['/end_chat', {}, 400],
    ['/end_chat', { chat_id: 'no-such-chat' }, 404],
    ['/send_message', 'not json', 400],
  ])('%s %j: %i, nothing sent upstream, no key blamed', async (path, body, status) => {
    const response = await post(path, body);
    expect(response.status).toBe(status);
    expect(typeof response.json['error']).toBe('string');
    expect(h.upstream.requests).toHaveLength(0);
    const keys = (await h.proxy.status()).keys;
    expect(keys.every((key) => key.state === 'active' && key.coolingUntil === undefined)).toBe(true);
  });

  it('a user taken off the users file cannot send to a chat already open (403), nor start one', async () => {
    const chatId = await start({ user_id: 'bob' });
    h.proxy.daemon.reload(listsOf(['pool-a', 'pool-b'], [h.upstream.url], ['alice']));
    const response = await post('/send_message', { chat_id: chatId, message: 'still me' });
    expect(response.status).toBe(403);
    expect((await post('/start_chat', { user_id: 'bob' })).status).toBe(403);
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('GET on a session route is a 405', async () => {
    const response = await rawRequest(h.proxy.url, { path: '/start_chat' });
    expect(response.status).toBe(405);
    expect(JSON.parse(response.body)).toHaveProperty('error');
  });

  it("Google's refusal comes back with its status and no key blamed; the interaction is logged with it", async () => {
    const chatId = await start();
    h.upstream.next(fail('invalidArgument'));
    const response = await post('/send_message', { chat_id: chatId, message: 'bad' });
    expect(response.status).toBe(400);
    expect(typeof response.json['error']).toBe('string');
    const keys = (await h.proxy.status()).keys;
    expect(keys.every((key) => key.state === 'active')).toBe(true);
    const line = await h.proxy.logs.waitFor((entry) => entry['event'] === 'interaction');
    expect(line).toMatchObject({ user_id: 'alice', message: 'bad', output_length: 0, status: 400 });
  });

  it('every key cooling: 429 with Retry-After', async () => {
    const chatId = await start();
    h.upstream.next(fail('quotaPerMinute'), fail('quotaPerMinute'));
    const response = await post('/send_message', { chat_id: chatId, message: 'hi' });
    expect(response.status).toBe(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('chat sessions: rate, order, bounds, logs', () => {
  it('over 2 messages a second per user (across chats): 429 with Retry-After, and not sent upstream', async () => {
    const chats = [await start(), await start()];
    // The clock stands still: the bucket holds two messages and never refills.
    const responses = await Promise.all([0, 1, 2, 3, 4].map((n) => post('/send_message', { chat_id: chats[n % 2], message: `m${n}` })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    for (const response of responses.filter((item) => item.status === 429)) {
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(h.upstream.requests).toHaveLength(2);
    // Another user has a bucket of their own.
    const bobs = await start({ user_id: 'bob' });
    expect((await post('/send_message', { chat_id: bobs, message: 'hi' })).status).toBe(200);
  });

  it('two messages sent at once to one chat are answered one after the other', async () => {
    const chatId = await start();
    const gate = held();
    h.upstream.next(gate.behaviour);
    const first = post('/send_message', { chat_id: chatId, message: 'first' });
    await gate.arrived;
    const second = post('/send_message', { chat_id: chatId, message: 'second' });
    await h.proxy.logs.waitFor((line) => line.msg === 'message waits for the answer to an earlier one of its chat');
    gate.release();
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // The second went up only after the first was answered: it carries that exchange.
    const contents = h.upstream.sentJson(1)['contents'] as { role: string; parts: { text: string }[] }[];
    expect(contents.map((turn) => `${turn.role}:${turn.parts[0]?.text.slice(0, 9)}`)).toEqual(['user:first', 'model:answer to', 'user:second']);
  });

  it('bounds: chats per user (429), chats in all (503), idle timeout (404), history size (oldest exchanges dropped)', async () => {
    const proxy = await h.restart({ settings: { maxChatsPerUser: 2, maxChats: 3, sessionIdleTimeoutMs: 60_000, maxHistoryBytes: 400 } });
    const alices = [await start({ user_id: 'alice' }, proxy.url), await start({ user_id: 'alice' }, proxy.url)];
    expect((await post('/start_chat', { user_id: 'alice' }, proxy.url)).status).toBe(429);
    await start({ user_id: 'bob' }, proxy.url);
    expect((await post('/start_chat', { user_id: 'bob' }, proxy.url)).status).toBe(503);
    for (const n of [1, 2, 3, 4, 5]) {
      expect((await post('/send_message', { chat_id: alices[0], message: `question number ${n}` }, proxy.url)).status).toBe(200);
      clock += 1_000;
    }
    const contents = h.upstream.sentJson(4)['contents'] as { role: string }[];
    expect(contents.length).toBeLessThan(9);
    expect(contents[0]?.role).toBe('user');
    expect(JSON.stringify(contents.slice(0, -1)).length).toBeLessThanOrEqual(400);
    clock += 60_000;
    expect((await post('/send_message', { chat_id: alices[0], message: 'hello again' }, proxy.url)).status).toBe(404);
    // The idle chats no longer count: alice may start again.
    await start({ user_id: 'alice' }, proxy.url);
  });

  it('every interaction is one JSON line with timestamp, user_id, message and output_length', async () => {
    const chatId = await start({ user_id: 'bob' });
    await post('/send_message', { chat_id: chatId, message: 'count me' });
    const line = await h.proxy.logs.waitFor((entry) => entry['event'] === 'interaction');
    expect(line).toMatchObject({ user_id: 'bob', message: 'count me', output_length: 'Hello from fake Gemini: count me'.length });
    expect(new Date(String(line['timestamp'])).toISOString()).toBe(line['timestamp']);
    expect(line).not.toHaveProperty('status');
  });
});

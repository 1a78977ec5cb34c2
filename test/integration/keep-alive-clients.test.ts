/**
 * Keep-alives while Gemini thinks (issue 12 §4): each client SDK's parser accepts the frame its
 * protocol gets. The Gemini pass-through sends SSE comments only with --gemini-keep-alive (the
 * legacy @google/generative-ai SDK stalls on them); @google/genai skips them. (The openai SDK's
 * case is in ollama-http.test.ts, "the openai SDK parses a stream holding keep-alive comments".)
 */

import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { controlledStream } from '../support/behaviours.js';
import { withProxy, type Harness } from '../support/harness.js';
import { GENERATE_BODY, STREAM_PATH } from '../support/http.js';

const MODEL = 'gemini-2.5-flash';
const realFetch = globalThis.fetch;

/** A fetch that passes every body through unchanged, resolving `seen` once `sign` shows in it. */
function tappedFetch(sign: RegExp): { fetch: typeof fetch; seen: Promise<void> } {
  let resolve: () => void = () => undefined;
  const seen = new Promise<void>((done) => {
    resolve = done;
  });
  const tapped: typeof fetch = async (input, init) => {
    const response = await realFetch(input, init);
    if (response.body === null) return response;
    const decoder = new TextDecoder();
    let text = '';
    // Read ahead of the SDK (which reads only when asked): the tap must see a keep-alive that
    // arrives while the SDK waits for the rest of the answer.
    const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        text += decoder.decode(piece, { stream: true });
        if (sign.test(text)) resolve();
        controller.enqueue(piece);
      },
    }, undefined, { highWaterMark: 1024 }));
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: tapped, seen };
}

/**
 * Drives one stream: the first words reach the client, the proxy sends a keep-alive during the
 * silence that follows, then the rest of the answer comes. Returns what the SDK made of it all.
 */
async function silenceBetween<T>(h: Harness, seen: Promise<void>, open: () => Promise<AsyncIterable<T>>, text: (item: T) => string): Promise<string> {
  const upstream = controlledStream();
  h.upstream.next(upstream.behaviour);
  const opening = open();
  await upstream.started;
  upstream.send('Hello');
  const iterator = (await opening)[Symbol.asyncIterator]();
  let answer = '';
  while (!answer.includes('Hello')) {
    const next = await iterator.next();
    if (next.done === true) throw new Error('the stream ended early');
    answer += text(next.value);
  }
  await seen;
  upstream.send(' world', 'STOP');
  upstream.end();
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) answer += text(next.value);
  return answer;
}

describe('keep-alives on the Gemini pass-through', () => {
  const h = withProxy({ keys: ['key-a'], settings: { keepaliveIntervalMs: 20, geminiKeepAlive: true } });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('with --gemini-keep-alive, @google/genai reads a stream holding SSE comments', async () => {
    const { fetch, seen } = tappedFetch(/\r\n\r\n: keep-alive\r\n\r\n/);
    vi.stubGlobal('fetch', fetch);
    const ai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: h.proxy.url } });
    const answer = await silenceBetween(h, seen, () => ai.models.generateContentStream({ model: MODEL, contents: 'x' }), (item) => item.text ?? '');
    expect(answer).toBe('Hello world');
  });

  it('without it, a silent pass-through stream gets no comment, while a translated one does', async () => {
    await h.restart({ settings: { keepaliveIntervalMs: 20, geminiKeepAlive: false } });
    const gemini = controlledStream();
    h.upstream.next(gemini.behaviour);
    const passThrough = realFetch(`${h.proxy.url}${STREAM_PATH}`, { method: 'POST', body: GENERATE_BODY });
    await gemini.started;
    gemini.send('Hello');
    const response = await passThrough;
    // A translated stream opened later, silent as long: its keep-alives are the clock.
    const openai = controlledStream();
    h.upstream.next(openai.behaviour);
    const { fetch, seen } = tappedFetch(/(: keep-alive\n\n[^]*){2}/);
    const translated = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    const reading = translated.text();
    await seen;
    gemini.send(' world', 'STOP');
    gemini.end();
    const text = await response.text();
    expect(text).toContain('"text":" world"');
    expect(text).not.toMatch(/^:/m);
    openai.end();
    await reading;
  });
});

describe('keep-alives on the translated streams, through each client SDK', () => {
  const h = withProxy({ keys: ['key-a'], settings: { keepaliveIntervalMs: 20 } });

  it('ollama: the empty partial line is read as nothing', async () => {
    const { fetch, seen } = tappedFetch(/"content":"Hello"[^]*\n.*"content":""\},"done":false/);
    const client = new Ollama({ host: h.proxy.url, fetch });
    const answer = await silenceBetween(h, seen, () => client.chat({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true }), (part) => part.message.content);
    expect(answer).toBe('Hello world');
  });

  it('@anthropic-ai/sdk: the ping event is skipped', async () => {
    const { fetch, seen } = tappedFetch(/"text":"Hello"[^]*event: ping\n/);
    const client = new Anthropic({ apiKey: 'x', baseURL: h.proxy.url, maxRetries: 0, fetch });
    const answer = await silenceBetween(
      h, seen,
      () => client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'x' }], stream: true }),
      (event) => (event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : ''),
    );
    expect(answer).toBe('Hello world');
  });
});

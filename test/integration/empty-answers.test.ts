/**
 * A 200 that holds nothing is the attempt's failure (issue 12 §4, the policy's `empty-answer`
 * row): the next key answers, bounded by --max-attempts, and no key or relay is blamed. A finish
 * reason such as SAFETY is a real answer and is passed on. Streams hold their headers until the
 * first content, so an empty start still goes to another key.
 */

import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { EMPTY_ANSWERS, SAFETY_ANSWER, answerWith, controlledStream, sseStream } from '../support/behaviours.js';
import { withProxy, type Harness } from '../support/harness.js';
import { GENERATE_PATH, STREAM_PATH, GENERATE_BODY, generate, rawRequest } from '../support/http.js';

const KEYS = ['key-a', 'key-b', 'key-c'];
const MODEL = 'gemini-2.5-flash';
const EMPTY = Object.entries(EMPTY_ANSWERS);
const USAGE_ONLY = EMPTY_ANSWERS['no candidates'];

const openai = (h: Harness) => new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
const genai = (h: Harness) => new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: h.proxy.url } });
const ask = (h: Harness) => openai(h).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'ping' }] });

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.unreachable('the request succeeded'), (caught: unknown) => caught);
}

/** Every key still active and every relay healthy: nothing was blamed. */
async function nothingBlamed(h: Harness): Promise<void> {
  const status = await h.proxy.status();
  expect(status.keys.map((key) => [key.state, key.failures])).toEqual(KEYS.map(() => ['active', 0]));
  expect(status.relays.map((relay) => relay.state)).toEqual(['healthy']);
}

async function verdicts(h: Harness): Promise<unknown[]> {
  const line = await h.proxy.logs.waitFor((entry) => entry.msg === 'request' && entry['path'] !== '/status');
  return (line['attempts'] as { verdict: string }[]).map((attempt) => attempt.verdict);
}

describe('an empty answer goes to the next key, and nobody is blamed', () => {
  const h = withProxy({ keys: KEYS });

  it.each(EMPTY)('OpenAI chat, %s', async (_label, empty) => {
    h.upstream.next(answerWith(empty));
    const completion = await ask(h);
    expect(completion.choices[0]?.message.content).toBe('Hello from fake Gemini: ping');
    expect(h.upstream.requests.map((request) => request.key)).toEqual(['key-a', 'key-b']);
    expect(await verdicts(h)).toEqual(['empty-answer', 'ok']);
    await nothingBlamed(h);
  });

  it.each(EMPTY)('Gemini pass-through with @google/genai, %s', async (_label, empty) => {
    h.upstream.next(answerWith(empty));
    const response = await genai(h).models.generateContent({ model: MODEL, contents: 'ping' });
    expect(response.text).toBe('Hello from fake Gemini: ping');
    expect(h.upstream.requests.map((request) => request.key)).toEqual(['key-a', 'key-b']);
    await nothingBlamed(h);
  });

  it('a pass-through stream whose start holds nothing goes to the next key (@google/genai)', async () => {
    h.upstream.next(sseStream([USAGE_ONLY, USAGE_ONLY]));
    const stream = await genai(h).models.generateContentStream({ model: MODEL, contents: 'tell me' });
    const texts: string[] = [];
    for await (const item of stream) texts.push(item.text ?? '');
    expect(texts).toEqual(['Hello', ' from', ' fake Gemini: tell me']);
    expect(h.upstream.requests.map((request) => request.key)).toEqual(['key-a', 'key-b']);
    expect(await verdicts(h)).toEqual(['empty-answer', 'ok']);
    await nothingBlamed(h);
  });

  it('a pass-through stream that ends on an error frame before any content goes to the next key', async () => {
    h.upstream.next(sseStream([{ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }]));
    const response = await rawRequest(h.proxy.url, { method: 'POST', path: STREAM_PATH, body: GENERATE_BODY });
    expect(response.status).toBe(200);
    expect(response.body).not.toContain('overloaded');
    expect(response.body).toContain('fake Gemini: hi');
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('a translated stream whose start holds nothing goes to the next key (openai)', async () => {
    h.upstream.next(sseStream([USAGE_ONLY]));
    const stream = await openai(h).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from fake Gemini: x');
    expect(h.upstream.requests.map((request) => request.key)).toEqual(['key-a', 'key-b']);
    await nothingBlamed(h);
  });

  it('a field-masked pass-through answer is not judged: the mask may have removed what says something', async () => {
    h.upstream.next(answerWith(USAGE_ONLY));
    const response = await generate(h.proxy.url, {}, `${GENERATE_PATH}?$fields=usageMetadata`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual(USAGE_ONLY);
    expect(h.upstream.requests).toHaveLength(1);
  });
});

describe('when every attempt is empty', () => {
  const h = withProxy({ keys: KEYS, settings: { maxAttempts: 2 } });

  const allEmpty = (): void => void h.upstream.setDefault(answerWith(EMPTY_ANSWERS['an empty candidates list']));

  it('OpenAI: 502 GP_UPSTREAM_EMPTY_ANSWER after --max-attempts attempts, keys untouched', async () => {
    allEmpty();
    const error = await rejection(ask(h));
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 502, code: 'GP_UPSTREAM_EMPTY_ANSWER', type: 'server_error' });
    expect(h.upstream.requests.map((request) => request.key)).toEqual(['key-a', 'key-b']);
    await nothingBlamed(h);
  });

  it('Anthropic: 502 api_error', async () => {
    allEmpty();
    const client = new Anthropic({ apiKey: 'x', baseURL: h.proxy.url, maxRetries: 0 });
    const error = await rejection(client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ status: 502, error: { type: 'error', error: { type: 'api_error' } } });
  });

  it('Gemini pass-through: 502 in Google\'s shape with the stable code; a stream too', async () => {
    allEmpty();
    const answer = await generate(h.proxy.url);
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 502, details: [{ reason: 'GP_UPSTREAM_EMPTY_ANSWER' }] } });
    h.upstream.setDefault(sseStream([USAGE_ONLY]));
    const stream = await rawRequest(h.proxy.url, { method: 'POST', path: STREAM_PATH, body: GENERATE_BODY });
    expect(stream.status).toBe(502);
    expect(JSON.parse(stream.body)).toMatchObject({ error: { details: [{ reason: 'GP_UPSTREAM_EMPTY_ANSWER' }] } });
    expect(h.upstream.requests).toHaveLength(4);
    await nothingBlamed(h);
  });

  it('Ollama: 502 {"error"}', async () => {
    allEmpty();
    const response = await rawRequest(h.proxy.url, {
      method: 'POST', path: '/api/chat', body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: false }),
    });
    expect(response.status).toBe(502);
    expect(Object.keys(JSON.parse(response.body) as object)).toEqual(['error']);
  });
});

describe('a finish reason is a real answer, passed on at once', () => {
  const h = withProxy({ keys: KEYS });

  it('SAFETY without text: OpenAI gets content_filter from the one attempt', async () => {
    h.upstream.next(answerWith(SAFETY_ANSWER));
    const completion = await ask(h);
    expect(completion.choices[0]?.finish_reason).toBe('content_filter');
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('SAFETY without text: the Gemini pass-through returns Google\'s answer as it came', async () => {
    h.upstream.next(answerWith(SAFETY_ANSWER));
    const response = await generate(h.proxy.url);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual(SAFETY_ANSWER);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('a SAFETY stream without text passes through to @google/genai', async () => {
    h.upstream.next(sseStream([SAFETY_ANSWER]));
    const stream = await genai(h).models.generateContentStream({ model: MODEL, contents: 'x' });
    const reasons: unknown[] = [];
    for await (const item of stream) reasons.push(item.candidates?.[0]?.finishReason);
    expect(reasons).toEqual(['SAFETY']);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('a blocked prompt (no candidates, a block reason) is passed on', async () => {
    h.upstream.next(answerWith({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }));
    const response = await generate(h.proxy.url);
    expect(JSON.parse(response.body)).toEqual({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } });
    expect(h.upstream.requests).toHaveLength(1);
  });
});

describe('the held headers of a stream', () => {
  const h = withProxy({ keys: KEYS, settings: { keepaliveIntervalMs: 20 } });

  it('go out at the keep-alive interval at the latest, while the model is still silent', async () => {
    const stream = controlledStream();
    h.upstream.next(stream.behaviour);
    const response = await fetch(`${h.proxy.url}${STREAM_PATH}`, { method: 'POST', body: GENERATE_BODY });
    // Nothing was sent upstream of the headers yet: they were released by the hold's bound.
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    stream.send('late', 'STOP');
    stream.end();
    expect(await response.text()).toContain('"text":"late"');
  });
});

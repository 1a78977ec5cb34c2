/**
 * A stream that ends without a finishReason, or is cut mid-way, is a failure on every surface
 * (issue 12 §4): the Gemini pass-through cuts the connection so @google/genai sees an error; the
 * translated APIs end with their protocol's error, never a made-up stop. Each is logged and
 * counted in /metrics as truncated.
 */

import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { controlledStream, sseStream, chunk } from '../support/behaviours.js';
import { withProxy, type Harness } from '../support/harness.js';
import { rawRequest } from '../support/http.js';

const MODEL = 'gemini-2.5-flash';
const PARTIAL = sseStream([chunk('partial')]);

/** Every item `items` yields until it fails; the failure (the test fails if there is none). */
async function drain<T>(items: AsyncIterable<T>): Promise<{ seen: T[]; error: unknown }> {
  const seen: T[] = [];
  try {
    for await (const item of items) seen.push(item);
  } catch (error) {
    return { seen, error };
  }
  return expect.unreachable('the stream ended as if complete');
}

/** The truncated-streams counter for `protocol`, once the request's own line was logged. */
async function truncatedCount(h: Harness, protocol: string): Promise<number | undefined> {
  await h.proxy.logs.waitFor((line) => line.msg === 'request' && line['truncated'] === true && line['protocol'] === protocol);
  const text = (await rawRequest(h.proxy.url, { path: '/metrics' })).body;
  const series = `gemini_proxy_streams_truncated_total{protocol="${protocol}"} `;
  const line = text.split('\n').find((entry) => entry.startsWith(series));
  return line === undefined ? undefined : Number(line.slice(series.length));
}

async function warned(h: Harness, message: string): Promise<void> {
  expect((await h.proxy.logs.waitFor((line) => line.msg === message)).level).toBe('warn');
}

describe('the Gemini pass-through cuts a stream that did not finish', () => {
  const h = withProxy({ keys: ['key-a', 'key-b'] });
  const genai = () => new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: h.proxy.url } });

  /** A stream through @google/genai whose first chunk ("partial") has reached the client. */
  async function opened() {
    const upstream = controlledStream();
    h.upstream.next(upstream.behaviour);
    const opening = genai().models.generateContentStream({ model: MODEL, contents: 'x' });
    await upstream.started;
    upstream.send('partial');
    const iterator = (await opening)[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.text).toBe('partial');
    return { upstream, rest: { [Symbol.asyncIterator]: () => iterator } };
  }

  it('a clean end without a finishReason: @google/genai sees an error, not a short answer', async () => {
    const { upstream, rest } = await opened();
    upstream.end();
    const { seen, error } = await drain(rest);
    expect(seen).toEqual([]);
    expect(error).toBeInstanceOf(Error);
    await warned(h, 'upstream stream ended without a finish reason');
    expect(await truncatedCount(h, 'gemini')).toBe(1);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('a cut mid-way: @google/genai sees an error', async () => {
    const { upstream, rest } = await opened();
    upstream.cut();
    expect((await drain(rest)).error).toBeInstanceOf(Error);
    await warned(h, 'upstream stream failed after the response started');
    expect(await truncatedCount(h, 'gemini')).toBe(1);
  });

  it('a stream whose last event holds the finishReason ends cleanly, and is not counted', async () => {
    const { upstream, rest } = await opened();
    upstream.send(' and the rest', 'STOP');
    upstream.end();
    const texts: unknown[] = [];
    for await (const item of rest) texts.push(item.text);
    expect(texts).toEqual([' and the rest']);
    const line = await h.proxy.logs.waitFor((entry) => entry.msg === 'request');
    expect(line['truncated']).toBeUndefined();
    const metrics = (await rawRequest(h.proxy.url, { path: '/metrics' })).body;
    expect(metrics).not.toContain('gemini_proxy_streams_truncated_total{');
  });
});

describe('translated streams end a truncated answer with their protocol\'s error', () => {
  const h = withProxy({ keys: ['key-a', 'key-b'] });

  it('OpenAI: the SDK throws the error event; no chunk claims a finish', async () => {
    h.upstream.next(PARTIAL);
    const client = new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const { seen, error } = await drain(stream);
    expect(seen.map((part) => part.choices[0]?.delta.content).join('')).toBe('partial');
    expect(seen.every((part) => part.choices[0]?.finish_reason === null)).toBe(true);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ code: 'stream_truncated' });
    await warned(h, 'upstream stream ended without a finish reason');
    expect(await truncatedCount(h, 'openai')).toBe(1);
  });

  it('OpenAI: a cut mid-way ends with the error event too', async () => {
    const upstream = controlledStream();
    h.upstream.next(upstream.behaviour);
    const client = new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
    const opening = client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    await upstream.started;
    upstream.send('partial');
    const iterator = (await opening)[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.choices[0]?.delta).toMatchObject({ role: 'assistant' });
    expect((await iterator.next()).value?.choices[0]?.delta.content).toBe('partial');
    upstream.cut();
    await expect(iterator.next()).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(await truncatedCount(h, 'openai')).toBe(1);
  });

  it('Anthropic: the SDK throws the error event; no message_delta claims a stop', async () => {
    h.upstream.next(PARTIAL);
    const client = new Anthropic({ apiKey: 'x', baseURL: h.proxy.url, maxRetries: 0 });
    const stream = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'x' }], stream: true });
    const { seen, error } = await drain(stream);
    expect(seen.some((event) => event.type === 'message_delta' || event.type === 'message_stop')).toBe(false);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(await truncatedCount(h, 'anthropic')).toBe(1);
  });

  it('Ollama: the client throws the error line; no line says done', async () => {
    h.upstream.next(PARTIAL);
    const client = new Ollama({ host: h.proxy.url });
    const stream = await client.chat({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const { seen, error } = await drain(stream);
    expect(seen.map((part) => part.message.content).join('')).toBe('partial');
    expect(seen.some((part) => part.done)).toBe(false);
    expect(error).toBeInstanceOf(Error);
    expect(await truncatedCount(h, 'ollama')).toBe(1);
  });
});

describe('the Gemini pass-through judges a JSON-array stream (no alt=sse) by its end', () => {
  const h = withProxy({ keys: ['key-a'] });
  /** Google's JSON-array layout: elements pretty-printed, `,` between them, `]` at the end. */
  const jsonArray = (elements: readonly unknown[], close = true) => (_request: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(`[${elements.map((element) => JSON.stringify(element, null, 2)).join('\r\n,\r\n')}${close ? '\r\n]' : ''}`);
  };
  const read = () => fetch(`${h.proxy.url}/v1beta/models/${MODEL}:streamGenerateContent`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
  }).then((response) => response.text());

  it('closed, with the finishReason in its last element: passed on whole, not counted', async () => {
    h.upstream.next(jsonArray([chunk('a'), chunk('b', 'STOP')]));
    const items = JSON.parse(await read()) as unknown[];
    expect(items).toHaveLength(2);
    await h.proxy.logs.waitFor((line) => line.msg === 'request');
    expect(h.proxy.logs.requests()[0]?.['truncated']).toBeUndefined();
  });

  it.each([
    ['closed without a finishReason', jsonArray([chunk('a'), chunk('b')])],
    ['never closed', jsonArray([chunk('a'), chunk('b', 'STOP')], false)],
  ])('%s: the connection is cut, so the client sees an error; counted as truncated', async (_label, behaviour) => {
    h.upstream.next(behaviour);
    await expect(read()).rejects.toThrow();
    await warned(h, 'upstream stream ended without a finish reason');
    expect(await truncatedCount(h, 'gemini')).toBe(1);
  });
});

/**
 * Retired model names on every surface: the Gemini pass-through (calls and `GET models/{model}`),
 * OpenAI and Ollama reach Google under the current model; an alias beats the table; with
 * `legacyModels: false` the name goes upstream as sent; the request log line names both.
 */

import { beforeEach, describe, expect, it } from 'vitest';
import { chunk, gemini } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { GENERATE_BODY, rawRequest, type RawResponse } from '../support/http.js';
import { withProxy } from '../support/harness.js';
import type { LogLine } from '../support/log-sink.js';

/** Current models the fake's model list leaves out. */
const ALSO_SERVED = new Set(['gemini-2.5-pro', 'gemini-2.5-flash-lite']);

/** The fake Gemini, also serving gemini-2.5-pro and gemini-2.5-flash-lite; still 404 for retired names. */
const servesCurrentModels: Behaviour = (request, res) => {
  const id = /\/models\/([^:/]+)/.exec(request.pathname)?.[1] ?? '';
  if (!ALSO_SERVED.has(id)) return gemini()(request, res);
  const body = request.method === 'GET' ? { name: `models/${id}`, displayName: id } : chunk(`Hello from ${id}`, 'STOP');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

function post(base: string, path: string, body: unknown): Promise<RawResponse> {
  return rawRequest(base, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function json(response: RawResponse): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

describe('retired model names', () => {
  const h = withProxy({ keys: ['pool-a'] });
  const upstreamPaths = (): string[] => h.upstream.requests.map((request) => request.pathname);
  const requestLine = (path: string): Promise<LogLine> => h.proxy.logs.waitFor((line) => line.msg === 'request' && line['path'] === path);

  beforeEach(() => {
    h.upstream.setDefault(servesCurrentModels);
  });

  describe('Gemini pass-through', () => {
    it('sends gemini-pro:generateContent upstream as gemini-2.5-flash, cooling that model on a 429', async () => {
      const response = await rawRequest(h.proxy.url, {
        method: 'POST', path: '/v1beta/models/gemini-pro:generateContent?key=client', headers: { 'content-type': 'application/json' }, body: GENERATE_BODY,
      });
      expect(response.status).toBe(200);
      expect(h.upstream.requests.map((request) => request.url)).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent']);
      expect(h.upstream.sentJson()).toEqual(JSON.parse(GENERATE_BODY));
    });

    it('streams under the current model, keeping alt=sse', async () => {
      const response = await rawRequest(h.proxy.url, {
        method: 'POST', path: '/gemini/v1beta/models/gemini-1.5-flash-002:streamGenerateContent?alt=sse', headers: { 'content-type': 'application/json' }, body: GENERATE_BODY,
      });
      expect(response.status).toBe(200);
      expect(response.body).toContain('fake Gemini');
      expect(h.upstream.requests.map((request) => request.url)).toEqual(['/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse']);
    });

    it('answers GET models/gemini-1.5-pro with gemini-2.5-pro', async () => {
      const response = await rawRequest(h.proxy.url, { path: '/v1beta/models/gemini-1.5-pro' });
      expect(response.status).toBe(200);
      expect(json(response)).toMatchObject({ name: 'models/gemini-2.5-pro' });
      expect(upstreamPaths()).toEqual(['/v1beta/models/gemini-2.5-pro']);
    });

    it('embeds text-embedding-004 with gemini-embedding-001', async () => {
      const body = { requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }] };
      const response = await post(h.proxy.url, '/v1beta/models/text-embedding-004:batchEmbedContents', body);
      expect(response.status).toBe(200);
      expect(upstreamPaths()).toEqual(['/v1beta/models/gemini-embedding-001:batchEmbedContents']);
    });

    it('leaves a current model alone, and logs no requestedModel for it', async () => {
      const response = await post(h.proxy.url, '/v1beta/models/gemini-2.5-flash:generateContent', JSON.parse(GENERATE_BODY));
      expect(response.status).toBe(200);
      expect(upstreamPaths()).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent']);
      const line = await requestLine('/v1beta/models/gemini-2.5-flash:generateContent');
      expect(line['model']).toBe('gemini-2.5-flash');
      expect(line).not.toHaveProperty('requestedModel');
    });
  });

  it('OpenAI chat: gemini-1.5-flash-002 is called as gemini-2.5-flash and answered under the name asked for', async () => {
    const response = await post(h.proxy.url, '/v1/chat/completions', { model: 'gemini-1.5-flash-002', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(json(response)['model']).toBe('gemini-1.5-flash-002');
    expect(upstreamPaths()).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent']);
  });

  it('OpenAI embeddings: text-embedding-004 is called as gemini-embedding-001', async () => {
    const response = await post(h.proxy.url, '/v1/embeddings', { model: 'text-embedding-004', input: 'a' });
    expect(response.status).toBe(200);
    expect(upstreamPaths()).toEqual(['/v1beta/models/gemini-embedding-001:batchEmbedContents']);
  });

  it('Ollama chat: gemini-pro:latest is called as gemini-2.5-flash and answered under the name asked for', async () => {
    const response = await post(h.proxy.url, '/api/chat', { model: 'gemini-pro:latest', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(response.status).toBe(200);
    expect(json(response)['model']).toBe('gemini-pro:latest');
    expect(upstreamPaths()).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent']);
  });

  it('Ollama chat, streamed: gemini-1.5-flash-latest is called as gemini-2.5-flash', async () => {
    const response = await post(h.proxy.url, '/api/chat', { model: 'gemini-1.5-flash-latest', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(response.body).toContain('"done":true');
    expect(upstreamPaths()).toEqual(['/v1beta/models/gemini-2.5-flash:streamGenerateContent']);
  });

  it('the request log line carries the model called and the model asked for, on each surface', async () => {
    await post(h.proxy.url, '/v1beta/models/gemini-pro:generateContent', JSON.parse(GENERATE_BODY));
    await post(h.proxy.url, '/v1/chat/completions', { model: 'gemini-1.5-flash-8b', messages: [{ role: 'user', content: 'hi' }] });
    await post(h.proxy.url, '/api/chat', { model: 'gemini-pro:latest', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(await requestLine('/v1beta/models/gemini-pro:generateContent')).toMatchObject({ model: 'gemini-2.5-flash', requestedModel: 'gemini-pro' });
    expect(await requestLine('/v1/chat/completions')).toMatchObject({ model: 'gemini-2.5-flash-lite', requestedModel: 'gemini-1.5-flash-8b' });
    expect(await requestLine('/api/chat')).toMatchObject({ model: 'gemini-2.5-flash', requestedModel: 'gemini-pro:latest' });
  });

  it('an operator alias beats the table, on the pass-through and the translated routes', async () => {
    await h.restart({ aliases: { 'gemini-pro': 'gemini-2.5-pro' } });
    expect((await post(h.proxy.url, '/v1beta/models/gemini-pro:generateContent', JSON.parse(GENERATE_BODY))).status).toBe(200);
    expect((await post(h.proxy.url, '/v1/chat/completions', { model: 'gemini-pro', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    expect(upstreamPaths()).toEqual(['/v1beta/models/gemini-2.5-pro:generateContent', '/v1beta/models/gemini-2.5-pro:generateContent']);
    expect(await requestLine('/v1beta/models/gemini-pro:generateContent')).toMatchObject({ model: 'gemini-2.5-pro', requestedModel: 'gemini-pro' });
  });

  it('with legacyModels off, a retired name goes upstream as sent (and Google answers 404)', async () => {
    await h.restart({ settings: { legacyModels: false }, aliases: { fast: 'gemini-2.5-flash' } });
    const retired = await post(h.proxy.url, '/v1beta/models/gemini-pro:generateContent', JSON.parse(GENERATE_BODY));
    expect(retired.status).toBe(404);
    const chat = await post(h.proxy.url, '/v1/chat/completions', { model: 'gemini-1.5-flash-002', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.status).toBe(404);
    const aliased = await post(h.proxy.url, '/v1/chat/completions', { model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(aliased.status).toBe(200);
    expect(upstreamPaths()).toEqual([
      '/v1beta/models/gemini-pro:generateContent',
      '/v1beta/models/gemini-1.5-flash-002:generateContent',
      '/v1beta/models/gemini-2.5-flash:generateContent',
    ]);
    expect(await requestLine('/v1beta/models/gemini-pro:generateContent')).toMatchObject({ model: 'gemini-pro' });
    expect(await requestLine('/v1beta/models/gemini-pro:generateContent')).not.toHaveProperty('requestedModel');
  });
});

/** The official @google/genai SDK, pointed at the proxy, with the fake Gemini behind it. */

import { GoogleGenAI } from '@google/genai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGemini } from '../support/fake-gemini.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const POOL_KEY = 'pool-key-one';
const CLIENT_TOKEN = 'client-token-xyz';

describe('@google/genai through the proxy', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy;
  let ai: GoogleGenAI;

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    proxy = await startProxy({ keys: [POOL_KEY], relays: [upstream.url], settings: { proxyKeys: [CLIENT_TOKEN] } });
    ai = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: proxy.url } });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('generates content with a pool key in the header, never the client token', async () => {
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'ping' });
    expect(response.text).toBe('Hello from fake Gemini: ping');
    const [request] = upstream.requests;
    expect(request?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(request?.key).toBe(POOL_KEY);
    expect(request?.query.has('key')).toBe(false);
    expect(JSON.stringify(request?.headers)).not.toContain(CLIENT_TOKEN);
  });

  it('streams content over SSE, keeping alt=sse', async () => {
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'tell me' });
    const texts: string[] = [];
    for await (const item of stream) texts.push(item.text ?? '');
    expect(texts).toEqual(['Hello', ' from', ' fake Gemini: tell me']);
    expect(upstream.requests[0]?.query.get('alt')).toBe('sse');
  });

  it('counts tokens', async () => {
    const response = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'count me' });
    expect(response.totalTokens).toBe(11);
    expect(upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
  });

  it('embeds content (batchEmbedContents)', async () => {
    const response = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] });
    expect(response.embeddings?.map((embedding) => embedding.values)).toEqual([[0, 0.5, 0.25], [1, 0.5, 0.25]]);
    expect(upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
  });

  it('lists and gets models', async () => {
    const pager = await ai.models.list();
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? '');
    expect(names).toEqual(['models/gemini-2.5-flash', 'models/gemini-embedding-001']);
    const model = await ai.models.get({ model: 'gemini-2.5-flash' });
    expect(model.displayName).toBe('Gemini 2.5 Flash');
  });

  it('passes an unknown-model 404 through as Google sent it', async () => {
    const error = await ai.models.generateContent({ model: 'nope', contents: 'x' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404 });
    expect(String((error as Error).message)).toContain('models/nope is not found');
  });

  it('refuses a wrong client token with 401 in Gemini\'s error shape', async () => {
    const stranger = new GoogleGenAI({ apiKey: 'wrong-token', httpOptions: { baseUrl: proxy.url } });
    const error = await stranger.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401 });
    expect(upstream.requests).toHaveLength(0);
  });

  it('serves the same API under the /gemini prefix', async () => {
    const prefixed = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: `${proxy.url}/gemini` } });
    const response = await prefixed.models.generateContent({ model: 'gemini-2.5-flash', contents: 'via prefix' });
    expect(response.text).toBe('Hello from fake Gemini: via prefix');
    expect(upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });
});

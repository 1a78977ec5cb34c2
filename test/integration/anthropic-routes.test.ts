/**
 * Which paths are the Anthropic API's, and the answers outside `/v1/messages`: unknown paths and
 * wrong methods in Anthropic's envelope, and `GET /v1/models/{id}` in Anthropic's shape only when
 * the request carries `anthropic-version` (or comes under `/anthropic`).
 */

import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { withProxy } from '../support/harness.js';
import { rawRequest, type RawResponse } from '../support/http.js';

const TOKEN = 'anthropic-routes-token';
const VERSION = { 'anthropic-version': '2023-06-01' };
const AUTH = { 'x-api-key': TOKEN };

/** Anthropic's error envelope with exactly its fields; returns the message. */
function anthropicError(response: RawResponse, status: number, type: string): string {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as { type: string; error: { type: string; message: string } };
  expect(Object.keys(body)).toEqual(['type', 'error']);
  expect(body.type).toBe('error');
  expect(Object.keys(body.error)).toEqual(['type', 'message']);
  expect(body.error.type).toBe(type);
  return body.error.message;
}

function send(base: string, method: string, path: string, headers: Record<string, string>): Promise<RawResponse> {
  // Node's client sends a body without a length only on methods it chunks by default.
  const body = method === 'POST' || method === 'PUT' ? '{}' : undefined;
  return rawRequest(base, { method, path, headers: { ...headers, ...(body && { 'content-type': 'application/json' }) }, ...(body && { body }) });
}

describe('Anthropic paths no route serves', () => {
  const h = withProxy({ keys: ['pool-a'], settings: { proxyKeys: [TOKEN] } });

  it.each([
    ['GET', '/anthropic/v1/files', {}],
    ['POST', '/anthropic/v1/messages/batches', {}],
    ['GET', '/anthropic/v1/models/claude-opus-4-8:generateContent', {}],
    ['GET', '/anthropic/anything', {}],
    ['GET', '/anthropic', {}],
    ['POST', '/v1/messages/batches', VERSION],
    ['GET', '/v1/messages/batches/msgbatch_01/results', VERSION],
    ['POST', '/v1/messages/count_tokens/extra', VERSION],
  ] as const)('%s %s is a 404 not_found_error, no key used', async (method, path, headers) => {
    const message = anthropicError(await send(h.proxy.url, method, path, { ...AUTH, ...headers }), 404, 'not_found_error');
    expect(message).toBe(`no route for ${method} ${path}`);
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('the SDK\'s batches call gets a NotFoundError it can read', async () => {
    const client = new Anthropic({ apiKey: TOKEN, baseURL: h.proxy.url, maxRetries: 0 });
    const error: unknown = await client.messages.batches.list().then(() => expect.unreachable('listed'), (caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error).toMatchObject({ status: 404, type: 'not_found_error' });
  });

  it('without anthropic-version, /v1/messages/batches stays an OpenAI client\'s 404', async () => {
    const response = await send(h.proxy.url, 'POST', '/v1/messages/batches', AUTH);
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'GP_NOT_FOUND' } });
  });

  it('without a proxy key an unknown Anthropic path is a 401 authentication_error first', async () => {
    anthropicError(await send(h.proxy.url, 'GET', '/anthropic/v1/files', {}), 401, 'authentication_error');
    anthropicError(await send(h.proxy.url, 'POST', '/v1/messages/batches', VERSION), 401, 'authentication_error');
  });

  it.each([
    ['GET', '/v1/messages', {}],
    ['PUT', '/anthropic/v1/messages', {}],
    ['GET', '/v1/messages/count_tokens', {}],
    ['HEAD', '/anthropic/v1/messages', {}],
    ['POST', '/v1/models', VERSION],
    ['POST', '/anthropic/v1/models', {}],
    ['DELETE', '/anthropic/v1/models/claude-opus-4-8', {}],
  ] as const)('%s %s, a method the path does not serve, is a 405 invalid_request_error', async (method, path, headers) => {
    const response = await send(h.proxy.url, method, path, { ...AUTH, ...headers });
    // A HEAD answer has no body: its status is the whole answer.
    if (method === 'HEAD') expect(response.status).toBe(405);
    else expect(anthropicError(response, 405, 'invalid_request_error')).toMatch(/method/i);
    expect(h.upstream.requests).toHaveLength(0);
  });
});

describe('GET /v1/models/{id}', () => {
  const h = withProxy({ keys: ['pool-a'], settings: { proxyKeys: [TOKEN] }, aliases: { mine: 'gemini-2.5-flash' } });
  const client = (path = ''): Anthropic => new Anthropic({ apiKey: TOKEN, baseURL: `${h.proxy.url}${path}`, maxRetries: 0 });

  async function listed(path = ''): Promise<Anthropic.ModelInfo[]> {
    const all: Anthropic.ModelInfo[] = [];
    for await (const model of client(path).models.list()) all.push(model);
    return all;
  }

  it.each(['', '/anthropic'])('with the SDK (base URL "%s"): each listed model is retrieved as listed', async (path) => {
    const all = await listed(path);
    expect(all.map((model) => model.id)).toEqual(expect.arrayContaining(['claude-opus-4-8', 'claude-haiku-4-5', 'mine', 'gemini-2.5-flash']));
    for (const id of ['claude-opus-4-8', 'claude-haiku-4-5', 'mine', 'gemini-2.5-flash']) {
      expect(await client(path).models.retrieve(id)).toEqual(all.find((model) => model.id === id));
    }
    expect(await client(path).models.retrieve('claude-opus-4-8')).toMatchObject({
      type: 'model', id: 'claude-opus-4-8', display_name: 'Claude Opus 4.8 (gemini-2.5-pro)', created_at: '1970-01-01T00:00:00Z',
    });
  });

  it.each(['claude-opus-9-9', 'gpt-5', 'models%2Fgemini-2.5-flash', '%E0%A4%A'])('%s, which the list does not hold, is a 404 not_found_error', async (id) => {
    for (const path of [`/v1/models/${id}`, `/anthropic/v1/models/${id}`]) {
      anthropicError(await send(h.proxy.url, 'GET', path, { ...AUTH, ...VERSION }), 404, 'not_found_error');
    }
  });

  it('the SDK reads an unlisted id\'s 404 as a NotFoundError', async () => {
    const error: unknown = await client().models.retrieve('claude-opus-9-9').then(() => expect.unreachable('found'), (caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error).toMatchObject({ status: 404, type: 'not_found_error' });
  });

  it('without anthropic-version it stays OpenAI\'s: its model object, its 404', async () => {
    const found = await send(h.proxy.url, 'GET', '/v1/models/gemini-2.5-flash', AUTH);
    expect(found.status).toBe(200);
    expect(JSON.parse(found.body)).toMatchObject({ id: 'gemini-2.5-flash', object: 'model' });
    const missing = await send(h.proxy.url, 'GET', '/v1/models/claude-opus-9-9', AUTH);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'model_not_found' } });
  });

  it('a Gemini call under /v1/models carrying anthropic-version still reaches Gemini', async () => {
    const response = await rawRequest(h.proxy.url, {
      method: 'POST', path: '/v1/models/gemini-2.5-flash:generateContent',
      headers: { ...AUTH, ...VERSION, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(h.upstream.requests.map((request) => request.pathname)).toEqual(['/v1/models/gemini-2.5-flash:generateContent']);
  });
});

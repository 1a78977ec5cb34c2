/**
 * A relay (or Google) that echoes the key back: in a response header of a success or an error,
 * or in the error frame that ends a started stream, split across chunks or not. Every byte that
 * leaves the proxy from outside a 2xx body is scrubbed.
 */

import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { chunk, fail } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';
import { STREAM_PATH, generate, rawRequest, type RawResponse } from '../support/http.js';
import { withProxy } from '../support/harness.js';

const KEY = `CANARY-${randomBytes(12).toString('hex')}`;

function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), secret.slice(7)];
}

function expectClean(text: string): void {
  for (const form of forms(KEY)) expect(text).not.toContain(form);
}

/** A header naming the key, on whatever the upstream answers. */
const echoHeader = (status: number): Behaviour => (request, res) => {
  const body = status === 200 ? chunk('ok', 'STOP') : { error: { code: status, message: 'nope', status: 'INVALID_ARGUMENT' } };
  res.writeHead(status, {
    'content-type': 'application/json', 'x-relay-debug': `served with key=${request.key ?? ''}`, 'x-relay-key': request.key ?? '',
    [`x-key-${request.key ?? ''}`]: 'in the name',
  });
  res.end(JSON.stringify(body));
};

/** A stream that starts, then ends in Google's error frame naming the key, cut into pieces. */
const echoErrorFrame = (pieces: number): Behaviour => (request, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`data: ${JSON.stringify(chunk('partial'))}\r\n\r\n`);
  const error = { code: 500, status: `INTERNAL_${request.key ?? ''}`, message: `Internal error for key ${request.key ?? ''}` };
  const frame = `data: ${JSON.stringify({ error })}\r\n\r\n`;
  const size = Math.ceil(frame.length / pieces);
  for (let at = 0; at < frame.length; at += size) res.write(frame.slice(at, at + size));
  res.end();
};

describe('keys echoed by the upstream never reach the client', () => {
  const h = withProxy({ keys: [KEY] });

  it.each([200, 400])('in a response header of a %i', async (status) => {
    h.upstream.next(echoHeader(status));
    const response = await generate(h.proxy.url);
    expect(response.status).toBe(status);
    expect(response.headers['x-relay-debug']).toBe('served with key=[redacted]');
    expectClean(JSON.stringify(response));
  });

  it.each([1, 3, 17, 200])('in the error frame of a passed-through stream, in %i pieces', async (pieces) => {
    h.upstream.next(echoErrorFrame(pieces));
    const response = await fetch(`${h.proxy.url}${STREAM_PATH}`, { method: 'POST', body: '{}' });
    // A stream that ends on an error frame is cut, not ended (issue 12 §4): read up to the cut.
    let body = '';
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    await (async () => {
      for (let read = await reader.read(); read.done !== true; read = await reader.read()) body += decoder.decode(read.value, { stream: true });
    })().catch(() => undefined);
    expect(body).toContain('partial');
    expect(body).toContain('Internal error for key [redacted]');
    expectClean(JSON.stringify({ headers: [...response.headers], body }));
  });

  it('in the error frame of an OpenAI stream', async () => {
    h.upstream.next(echoErrorFrame(5));
    const client = new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }], stream: true });
    const error = await (async () => {
      for await (const _item of stream) { /* drain */ }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String((error as Error).message)).toContain('[redacted]');
    expectClean(String((error as Error).message));
  });

  it('in an OpenAI answer\'s headers and in Google\'s error answer', async () => {
    const response: RawResponse[] = [];
    for (const behaviour of [echoHeader(200), echoHeader(400), (request: Parameters<Behaviour>[0], res: Parameters<Behaviour>[1]) => fail('apiKeyInvalid', request.key ?? '')(request, res)]) {
      h.upstream.next(behaviour);
      response.push(await rawRequest(h.proxy.url, {
        method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }),
      }));
    }
    expect(response.map((item) => item.status)).toEqual([200, 400, 503]);
    expectClean(JSON.stringify(response));
    expectClean(h.proxy.logs.raw.join('\n'));
  });
});

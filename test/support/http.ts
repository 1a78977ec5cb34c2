/** Small HTTP helpers for tests: raw requests with exact paths, JSON posts, free ports. */

import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { expect } from 'vitest';
import { createServer } from 'node:net';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request whose path is sent exactly as given (fetch would normalise `..`); `agent` keeps its connection. */
export function rawRequest(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent },
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export const GENERATE_PATH = '/v1beta/models/gemini-2.5-flash:generateContent';
export const STREAM_PATH = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
export const GENERATE_BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });

/** POST a generateContent body to the proxy. */
export function generate(base: string, headers: Record<string, string> = {}, path = GENERATE_PATH): Promise<RawResponse> {
  return rawRequest(base, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: GENERATE_BODY,
  });
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * An error in the plain shape Ollama, the chat-session API and the simple endpoint share: the
 * status, and a JSON body `{"error": "<message>"}` with nothing else. Returns the message.
 */
export function expectErrorMessage(response: RawResponse, status: number): string {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body['error']).toBe('string');
  return body['error'] as string;
}

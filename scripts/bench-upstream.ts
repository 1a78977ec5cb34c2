/**
 * @module A minimal, fast Gemini-shaped upstream for `npm run bench` (the test suite's fake is
 * written for scripting, not speed). `node dist/bench-upstream.cjs [PORT]` listens on PORT (0 or
 * none: a free one) and prints its port on stdout.
 *
 * - Any path: a fixed small `generateContent` answer (~330 bytes), whatever the model.
 * - `…:streamGenerateContent`: SSE events, the first at once, then `n - 1` more `iv` ms apart
 *   (query `n` and `iv`; defaults 16 and 0, so translated APIs, which build the upstream path
 *   themselves, measure the proxy rather than this server's pauses).
 * - A key (`x-goog-api-key`) starting with `rl-` gets Google's per-minute 429 with a RetryInfo
 *   `retryDelay` (env `BENCH_RETRY_DELAY`, default `5s`): the 429 storm's rate-limited keys.
 * - `GET /__stats`: the calls answered so far, and how many were 429s.
 */

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIXTURES } from '../test/fixtures/gemini-errors.js';

const ANSWER = Buffer.from(JSON.stringify({
  candidates: [{ content: { role: 'model', parts: [{ text: 'Hello! How can I help you today?' }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 9, totalTokenCount: 17 },
  modelVersion: 'gemini-2.5-flash',
}));
const LIMITED = Buffer.from(JSON.stringify(FIXTURES.quotaPerMinute(process.env.BENCH_RETRY_DELAY ?? '5s').body));
const LIMITED_PREFIX = 'rl-';

const stats = { calls: 0, limited: 0 };

function event(index: number, last: boolean): string {
  const chunk = {
    candidates: [{ content: { role: 'model', parts: [{ text: `tok${index} ` }] }, index: 0, ...(last && { finishReason: 'STOP' }) }],
  };
  return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
}

function sendJson(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': body.length });
  res.end(body);
}

function stream(res: ServerResponse, query: URLSearchParams): void {
  const count = Math.max(1, Number(query.get('n') ?? 16));
  const interval = Number(query.get('iv') ?? 0);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    res.write(event(sent, sent === count - 1));
    if (++sent >= count) {
      res.end();
      return;
    }
    timer = setTimeout(tick, interval);
  };
  res.on('close', () => clearTimeout(timer));
  // The first event goes at once, so a proxy's added time to first byte is not hidden in `iv`.
  tick();
}

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const url = req.url ?? '/';
    if (url === '/__stats') {
      sendJson(res, 200, Buffer.from(JSON.stringify(stats)));
      return;
    }
    stats.calls++;
    const key = req.headers['x-goog-api-key'];
    if (typeof key === 'string' && key.startsWith(LIMITED_PREFIX)) {
      stats.limited++;
      sendJson(res, 429, LIMITED);
      return;
    }
    if (url.includes(':streamGenerateContent')) stream(res, new URLSearchParams(url.split('?')[1] ?? ''));
    else sendJson(res, 200, ANSWER);
  });
});
server.keepAliveTimeout = 30_000;
// Google does not drop connections at its accept queue: 1,000 streams opened at once must not
// overflow node's default backlog of 511, or every proxy measures SYN retries.
server.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});

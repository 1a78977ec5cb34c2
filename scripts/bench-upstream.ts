/**
 * A minimal, fast Gemini-shaped upstream for `npm run bench` (the test suite's fake is written
 * for scripting, not speed). `node dist/bench-upstream.cjs` prints its port on stdout.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const ANSWER = Buffer.from(JSON.stringify({
  candidates: [{ content: { role: 'model', parts: [{ text: 'Hello! How can I help you today?' }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 9, totalTokenCount: 17 },
  modelVersion: 'gemini-2.5-flash',
}));

function event(index: number, last: boolean): string {
  const chunk = {
    candidates: [{ content: { role: 'model', parts: [{ text: `tok${index} ` }] }, index: 0, ...(last && { finishReason: 'STOP' }) }],
  };
  return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
}

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const url = req.url ?? '/';
    if (!url.includes('streamGenerateContent')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length });
      res.end(ANSWER);
      return;
    }
    const query = new URLSearchParams(url.split('?')[1] ?? '');
    // Translated APIs build the upstream path themselves: without `n` and `iv` a stream is 16
    // events at once, so their throughput measures the proxy, not this server's pauses.
    const count = Number(query.get('n') ?? 16);
    const interval = Number(query.get('iv') ?? 0);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let sent = 0;
    const tick = (): void => {
      res.write(event(sent, sent === count - 1));
      if (++sent >= count) {
        res.end();
        return;
      }
      timer = setTimeout(tick, interval);
    };
    let timer = setTimeout(tick, 0);
    res.on('close', () => clearTimeout(timer));
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});

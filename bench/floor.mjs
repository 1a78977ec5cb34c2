/**
 * @module The floor for `npm run bench`: about the least a Node proxy can do on this machine
 * (shared/reference/performance.md, appendix). node:http in, one undici Pool out: read the
 * body, forward it with one key in `x-goog-api-key`, stream the answer back. gemini-proxy's
 * figures are read as ratios to this one's, measured in the same run.
 *
 *   node bench/floor.mjs PORT UPSTREAM_ORIGIN [KEY]    (PORT 0 picks a free one; prints the port)
 */

import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port = '0', upstream = 'http://127.0.0.1:9001', key = 'floor-key'] = process.argv.slice(2);
// No connection limit: an SSE stream holds its connection for its whole life, so a bounded pool
// would queue new streams behind old ones. No timeouts: the bench's streams pause on purpose.
const pool = new Pool(upstream, { connections: null, headersTimeout: 0, bodyTimeout: 0 });
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding'];

const server = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    // pool.stream writes the answer into `res` and waits for its 'drain': backpressure end to end.
    await pool.stream({
      path: req.url, method: req.method, body: Buffer.concat(chunks),
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
    }, ({ statusCode, headers }) => {
      for (const name of HOP_BY_HOP) delete headers[name];
      res.writeHead(statusCode, headers);
      return res;
    });
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
// The daemon's accept queue (src/server/daemon.ts): bursts of streams must not measure SYN retries.
server.listen({ port: Number(port), host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write(`${server.address().port}\n`));

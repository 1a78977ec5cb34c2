/**
 * One upstream exchange (src/upstream/exchange.ts) against a real server on loopback: the answer
 * settles at its headers, its body streams, and a reader that stops, a client that leaves or a
 * connection that breaks each end the upstream request the way a Readable body would.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange } from '../../src/upstream/exchange.js';
import { Pool } from '../../src/upstream/undici.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let pool: InstanceType<typeof Pool>;
let handler: Handler = (_req, res) => res.end();

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: null });
});

afterAll(async () => {
  await pool.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const GET = { path: '/', method: 'GET' as const };

/** Resolves when the server's side of the current response closes, and whether it had finished. */
function serverClose(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => res.on('close', () => resolve(res.writableFinished)));
}

describe('an upstream exchange', () => {
  it('settles at the headers and then streams the body as it comes', async () => {
    let finish = (): void => undefined;
    handler = (_req, res) => {
      res.writeHead(201, { 'x-answer': 'yes' });
      res.write('first ');
      finish = () => res.end('last');
    };
    const answer = await exchange(pool, GET, new AbortController().signal);
    expect(answer.status).toBe(201);
    expect(answer.headers['x-answer']).toBe('yes');
    const reader = answer.body[Symbol.asyncIterator]();
    expect((await reader.next()).value?.toString()).toBe('first ');
    finish();
    expect((await reader.next()).value?.toString()).toBe('last');
    expect((await reader.next()).done).toBe(true);
  });

  it('aborts the upstream request when its reader stops early, and the pool goes on', async () => {
    let closed: Promise<boolean> = Promise.resolve(true);
    handler = (_req, res) => {
      closed = serverClose(res);
      res.write('a chunk nobody reads to the end');
    };
    const answer = await exchange(pool, GET, new AbortController().signal);
    for await (const chunk of answer.body) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(await closed).toBe(false);
    handler = (_req, res) => res.end('next');
    expect(await (await exchange(pool, GET, new AbortController().signal)).body.text()).toBe('next');
  });

  it("aborts with the client's signal mid-body: the read fails with its reason", async () => {
    let closed: Promise<boolean> = Promise.resolve(true);
    handler = (_req, res) => {
      closed = serverClose(res);
      res.write('started');
    };
    const client = new AbortController();
    const answer = await exchange(pool, GET, client.signal);
    const reader = answer.body[Symbol.asyncIterator]();
    await reader.next();
    const reason = new Error('the client left');
    const pending = reader.next();
    client.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(await closed).toBe(false);
  });

  it('rejects when the connection breaks before the headers, and when the signal had already aborted', async () => {
    handler = (req) => req.socket.destroy();
    await expect(exchange(pool, GET, new AbortController().signal)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    const reason = new Error('gone before it began');
    await expect(exchange(pool, GET, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('drains a body it only dumps, and reads text whole', async () => {
    handler = (_req, res) => res.end('x'.repeat(100_000));
    await (await exchange(pool, GET, new AbortController().signal)).body.dump();
    handler = (_req, res) => res.end('héllo');
    expect(await (await exchange(pool, GET, new AbortController().signal)).body.text()).toBe('héllo');
  });
});

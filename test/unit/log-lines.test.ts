/**
 * The request's log line and the stdout writer (src/log/fixed-line.ts, src/log/line-writer.ts):
 * the line is what pino would have written, and the writer loses nothing, in order, on a real
 * file descriptor.
 */

import { execFileSync } from 'node:child_process';
import { closeSync, constants, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { infoLine } from '../../src/log/fixed-line.js';
import { LineWriter } from '../../src/log/line-writer.js';
import { createLogger } from '../../src/log/logger.js';
import { Secrets } from '../../src/log/secrets.js';
import { LogSink } from '../support/log-sink.js';

const FIELDS = {
  reqId: 'r-1',
  method: 'POST',
  path: '/v1beta/models/a "quoted" \\ model\u2028:generateContent',
  model: undefined,
  status: 200,
  aborted: true,
  attempts: [{ key: 'key_1', relay: 'r', egress: undefined, status: 200, verdict: 'ok', ms: 3 }],
  ms: 4.5,
  bytesOut: Number.NaN,
};

describe('infoLine', () => {
  it('writes the line pino writes for the same fields, time apart', () => {
    const sink = new LogSink();
    const log = createLogger({ level: 'info', destination: sink, secrets: new Secrets() });
    log.info(FIELDS, 'request');
    infoLine(log, 'request')(FIELDS);
    const [pinos, ours] = sink.raw.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(ours).toEqual({ ...pinos, time: ours?.['time'] });
    expect(Object.keys(ours ?? {})).toEqual(Object.keys(pinos ?? {}));
    expect(ours?.['time']).toBeTypeOf('number');
    expect(ours).not.toHaveProperty('model');
  });

  it('follows the logger level: nothing at warn', () => {
    const sink = new LogSink();
    const log = createLogger({ level: 'warn', destination: sink, secrets: new Secrets() });
    infoLine(log, 'request')(FIELDS);
    log.level = 'info';
    infoLine(log, 'request')({});
    expect(sink.raw).toHaveLength(1);
    expect(JSON.parse(sink.raw[0] ?? '')).toMatchObject({ level: 'info', msg: 'request' });
  });
});

describe('LineWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-line-writer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every line, in order, across batches, and end() waits for the last', async () => {
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    const writer = new LineWriter(fd);
    const lines = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"text":"${'é'.repeat(i % 50)}"}\n`);
    for (const line of lines.slice(0, 2500)) writer.write(line);
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is under way
    for (const line of lines.slice(2500)) writer.write(line);
    await Promise.all([writer.end(), writer.end()]);
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
  });

  it('a full non-blocking pipe: waits for room, goes on where a write stopped, loses nothing', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // Read and write on one descriptor: opening never waits for a reader, and a write into the
    // full pipe (64 KiB) fails with EAGAIN or writes part of the batch.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    // Filled before the writer starts, so its first write finds no room (EAGAIN).
    let prefill = '';
    for (let room = true; room; ) {
      try {
        const written = writeSync(fd, 'y'.repeat(4096));
        prefill += 'y'.repeat(written);
        room = written === 4096;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        room = false;
      }
    }
    const writer = new LineWriter(fd);
    const lines = Array.from({ length: 4000 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(60)}"}\n`);
    for (const line of lines) writer.write(line);
    const received = new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      createReadStream(fifo)
        .on('data', (chunk) => chunks.push(Buffer.from(chunk)))
        .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        .on('error', reject);
    });
    await writer.end();
    closeSync(fd); // the last writer gone: the reader sees the end
    expect(await received).toBe(prefill + lines.join(''));
  });

  it('a descriptor that fails (a full disk) drops the lines instead of throwing, and end() still resolves', async () => {
    const fd = openSync('/dev/full', 'w');
    const writer = new LineWriter(fd);
    writer.write('lost\n');
    await writer.end();
    writer.write('after\n');
    await writer.end();
    closeSync(fd);
  });
});

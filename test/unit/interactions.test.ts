/** The interaction log: its line on the logger and in a real file, appending, reopening, failing. */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InteractionLog } from '../../src/log/interactions.js';
import { createLogger } from '../../src/log/logger.js';
import { Secrets } from '../../src/log/secrets.js';
import { LogSink } from '../support/log-sink.js';

const NOW = Date.parse('2025-01-02T03:04:05.678Z');

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Resolves once the file's text passes `test`, looking again at every change in its folder. */
function waitForFile(file: string, test: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const check = (): void => {
      const text = readIfExists(file);
      if (text === undefined || !test(text)) return;
      watcher.close();
      resolve(text);
    };
    const watcher = watch(dirname(file), check);
    check();
  });
}

function linesOf(text: string | undefined): unknown[] {
  return (text ?? '').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
}

describe('InteractionLog', () => {
  let dir: string;
  let sink: LogSink;
  let logs: InteractionLog[];

  const open = (file: string): InteractionLog => {
    const log = createLogger({ level: 'info', destination: sink, secrets: new Secrets() });
    const interactions = new InteractionLog({ log, file, now: () => NOW, scrub: (text) => text.replaceAll('AIza-SECRET', '[redacted]') });
    logs.push(interactions);
    return interactions;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-interactions-'));
    sink = new LogSink();
    logs = [];
  });

  afterEach(async () => {
    await Promise.all(logs.map((interactions) => interactions.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one line to the logger and the file, with the status of a failed call only', async () => {
    const file = join(dir, 'interactions.jsonl');
    const interactions = open(file);
    interactions.record({ userId: 'alice', message: 'hi', outputLength: 42 });
    interactions.record({ userId: 'bob', message: 'again', outputLength: 0, status: 429 });
    await interactions.close();
    const expected = [
      { timestamp: '2025-01-02T03:04:05.678Z', user_id: 'alice', message: 'hi', output_length: 42 },
      { timestamp: '2025-01-02T03:04:05.678Z', user_id: 'bob', message: 'again', output_length: 0, status: 429 },
    ];
    expect(linesOf(readIfExists(file))).toEqual(expected);
    const logged = sink.events('interaction');
    expect(logged).toEqual(expected.map((line) => expect.objectContaining({ ...line, level: 'info', msg: 'interaction' }) as unknown));
    expect(logged[0]).not.toHaveProperty('status');
  });

  it('scrubs secrets from the message in both places', async () => {
    const file = join(dir, 'interactions.jsonl');
    const interactions = open(file);
    interactions.record({ userId: 'alice', message: 'my key is AIza-SECRET', outputLength: 1 });
    await interactions.close();
    expect(readIfExists(file)).not.toContain('AIza-SECRET');
    expect(linesOf(readIfExists(file))).toEqual([expect.objectContaining({ message: 'my key is [redacted]' })]);
    expect(sink.raw.join('\n')).not.toContain('AIza-SECRET');
  });

  it('a message over 8 KiB is logged cut, marked truncated, and scrubbed whole first', async () => {
    const file = join(dir, 'interactions.jsonl');
    const interactions = open(file);
    const message = `${'x'.repeat(8 * 1024 - 4)}AIza-SECRET${'y'.repeat(100)}`;
    interactions.record({ userId: 'alice', message, outputLength: 1 });
    await interactions.close();
    const [line] = linesOf(readIfExists(file)) as { message: string; truncated?: boolean }[];
    expect(line?.message).toHaveLength(8 * 1024);
    expect(line?.truncated).toBe(true);
    expect(line?.message.endsWith('xxxx[red')).toBe(true);
    expect(sink.events('interaction')[0]).toMatchObject({ truncated: true });
  });

  it('appends to an existing file and never truncates it', async () => {
    const file = join(dir, 'interactions.jsonl');
    writeFileSync(file, '{"earlier":1}\n');
    const first = open(file);
    first.record({ userId: 'alice', message: 'one', outputLength: 1 });
    await first.close();
    const second = open(file);
    second.record({ userId: 'alice', message: 'two', outputLength: 2 });
    await second.close();
    expect(linesOf(readIfExists(file))).toEqual([
      { earlier: 1 }, expect.objectContaining({ message: 'one' }), expect.objectContaining({ message: 'two' }),
    ]);
  });

  it('creates missing folders', async () => {
    const file = join(dir, 'logs', 'sessions', 'interactions.jsonl');
    const interactions = open(file);
    interactions.record({ userId: 'alice', message: 'hi', outputLength: 1 });
    await interactions.close();
    expect(linesOf(readIfExists(file))).toHaveLength(1);
  });

  it('after a rename (logrotate) and a reopen, writes to a new file at the same path', async () => {
    const file = join(dir, 'interactions.jsonl');
    const rotated = `${file}.1`;
    const interactions = open(file);
    interactions.record({ userId: 'alice', message: 'before', outputLength: 1 });
    await waitForFile(file, (text) => text.includes('before'));
    renameSync(file, rotated);
    interactions.reopen();
    interactions.record({ userId: 'alice', message: 'after', outputLength: 2 });
    await interactions.close();
    expect(linesOf(readIfExists(rotated))).toEqual([expect.objectContaining({ message: 'before' })]);
    expect(linesOf(readIfExists(file))).toEqual([expect.objectContaining({ message: 'after' })]);
  });

  it('a reopen without a rename keeps appending to the same file, in order; close waits for reopens', async () => {
    const file = join(dir, 'interactions.jsonl');
    const interactions = open(file);
    interactions.record({ userId: 'alice', message: 'one', outputLength: 1 });
    interactions.reopen();
    interactions.record({ userId: 'alice', message: 'two', outputLength: 2 });
    interactions.reopen();
    interactions.reopen();
    interactions.record({ userId: 'alice', message: 'three', outputLength: 3 });
    await interactions.close();
    expect(linesOf(readIfExists(file)).map((line) => (line as { message: string }).message)).toEqual(['one', 'two', 'three']);
  });

  it('a reopen that cannot open the file: one error line, and every interaction still logged', async () => {
    const folder = join(dir, 'logs');
    const file = join(folder, 'interactions.jsonl');
    mkdirSync(folder);
    const interactions = open(file);
    interactions.record({ userId: 'alice', message: 'one', outputLength: 1 });
    await waitForFile(file, (text) => text.includes('one'));
    renameSync(folder, `${folder}.old`);
    writeFileSync(folder, '');
    interactions.reopen();
    await sink.waitFor((line) => line['event'] === 'interaction-log-failed');
    interactions.record({ userId: 'alice', message: 'two', outputLength: 2 });
    await interactions.close();
    expect(linesOf(readIfExists(join(`${folder}.old`, 'interactions.jsonl')))).toEqual([expect.objectContaining({ message: 'one' })]);
    expect(sink.events('interaction')).toHaveLength(2);
    expect(sink.events('interaction-log-failed')).toHaveLength(1);
  });

  it('without a file, logs to the logger only; reopen and close do nothing', async () => {
    const interactions = open('');
    interactions.record({ userId: 'alice', message: 'hi', outputLength: 3 });
    interactions.reopen();
    await interactions.close();
    expect(sink.events('interaction')).toHaveLength(1);
  });

  it('a file that cannot be opened: one error line, every interaction still logged, retried on reopen', async () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const file = join(blocker, 'interactions.jsonl');
    const interactions = open(file);
    interactions.record({ userId: 'alice', message: 'one', outputLength: 1 });
    const failed = await sink.waitFor((line) => line['event'] === 'interaction-log-failed');
    expect(failed).toMatchObject({ level: 'error', file });
    interactions.record({ userId: 'alice', message: 'two', outputLength: 2 });
    interactions.record({ userId: 'alice', message: 'three', outputLength: 3 });
    expect(sink.events('interaction')).toHaveLength(3);
    expect(sink.events('interaction-log-failed')).toHaveLength(1);

    // The operator fixes the path and sends SIGHUP.
    rmSync(blocker);
    interactions.reopen();
    interactions.record({ userId: 'alice', message: 'four', outputLength: 4 });
    await interactions.close();
    expect(linesOf(readIfExists(file))).toEqual([expect.objectContaining({ message: 'four' })]);
    expect(sink.events('interaction-log-failed')).toHaveLength(1);
  });

  it('records nothing to the file after close', async () => {
    const file = join(dir, 'interactions.jsonl');
    const interactions = open(file);
    interactions.record({ userId: 'alice', message: 'one', outputLength: 1 });
    await interactions.close();
    interactions.record({ userId: 'alice', message: 'late', outputLength: 1 });
    interactions.reopen();
    expect(linesOf(readIfExists(file))).toEqual([expect.objectContaining({ message: 'one' })]);
    expect(sink.events('interaction')).toHaveLength(2);
  });
});

/** A pino destination that keeps every line, parsed, so tests assert on log objects. */

import { Writable } from 'node:stream';

export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

export class LogSink extends Writable {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  #waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const text of chunk.toString('utf8').split('\n')) {
      if (text.trim() === '') continue;
      this.raw.push(text);
      const line = JSON.parse(text) as LogLine;
      this.lines.push(line);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.predicate(line)) return true;
        waiter.resolve(line);
        return false;
      });
    }
    callback();
  }

  /** Resolves with the first line (already written or still to come) that matches. */
  waitFor(predicate: (line: LogLine) => boolean): Promise<LogLine> {
    const found = this.lines.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }

  /** Lines carrying an `event` field of this name. */
  events(name: string): LogLine[] {
    return this.lines.filter((line) => line['event'] === name);
  }

  /** The per-request lines. */
  requests(): LogLine[] {
    return this.lines.filter((line) => line.msg === 'request');
  }
}

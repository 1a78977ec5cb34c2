/** Canary secrets: a key may appear only in the upstream's `x-goog-api-key` header, nowhere else. */

import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Recorded } from './fake-gemini.js';
import type { LogSink } from './log-sink.js';

export const canary = (): string => `CANARY-${randomBytes(12).toString('hex')}`;

/** Every way a secret could be written down. */
export function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), secret.slice(7)];
}

/** No form of any secret in `seen` (answers, frames: anything the client got) or a log line. */
export function expectUnseen(secrets: readonly string[], seen: unknown, logs: LogSink): void {
  const answers = JSON.stringify(seen);
  const logged = logs.raw.join('\n');
  expect(logs.lines.length).toBeGreaterThan(10);
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      expect(answers).not.toContain(form);
      expect(logged).not.toContain(form);
    }
  }
}

/** Every upstream request carried one of `keys` in its header, and no secret anywhere else. */
export function expectKeysOnlyInHeader(requests: readonly Recorded[], keys: readonly string[], secrets: readonly string[]): void {
  for (const request of requests) {
    expect(keys).toContain(request.key);
    const { 'x-goog-api-key': _key, ...others } = request.headers;
    const elsewhere = JSON.stringify([request.url, others, request.body]);
    for (const secret of secrets) expect(elsewhere).not.toContain(secret);
  }
}

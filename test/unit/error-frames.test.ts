/** The stream error-frame guard: chunks pass at once until one holds an error frame, which is scrubbed whole. */

import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../src/log/scrub.js';
import { ErrorFrameGuard } from '../../src/server/error-frames.js';

const KEY = 'TESTKEY-secret-canary-0123456789abcdefghij';
const scrub = (text: string): string => scrubSecrets(text, [KEY]);

/** Pushes every piece and collects what the guard wrote, then what it wrote at the end. */
function run(pieces: readonly string[]): { written: string[]; text: string } {
  const guard = new ErrorFrameGuard(scrub);
  const written: string[] = [];
  for (const piece of pieces) {
    const out = guard.push(Buffer.from(piece));
    written.push(out === undefined ? '' : out.toString('utf8'));
  }
  const rest = guard.end();
  if (rest !== undefined) written.push(rest.toString('utf8'));
  return { written, text: written.join('') };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

const EVENT = 'data: {"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}\r\n\r\n';
const ERROR = `data: {"error":{"code":500,"message":"Internal error for key ${KEY}","status":"INTERNAL"}}\r\n\r\n`;

describe('ErrorFrameGuard', () => {
  it('passes chunks without the marker at once, the same buffers', () => {
    const guard = new ErrorFrameGuard(scrub);
    const chunk = Buffer.from(EVENT);
    expect(guard.push(chunk)).toBe(chunk);
    expect(guard.end()).toBeUndefined();
  });

  it.each([1, 2, 5, 13, 64, 1000])('scrubs a key in an error frame cut in pieces of %i bytes', (size) => {
    const { text } = run([EVENT, ...pieces(ERROR, size)]);
    expect(text).toBe(EVENT + ERROR.replace(KEY, '[redacted]'));
  });

  it('holds a healthy stream that mentions "error" for that one event only', () => {
    const call = 'data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"error":1}}}]}}]}\r\n\r\n';
    const { written } = run([call, EVENT, EVENT]);
    expect(written).toEqual([call, EVENT, EVENT]);
  });

  it('releases at the event end and lets what follows it in the same chunk through', () => {
    const { written } = run([`${ERROR}${EVENT}`]);
    expect(written).toEqual([ERROR.replace(KEY, '[redacted]') + EVENT]);
  });

  it('holds a body without event ends (the JSON array mode) to its end', () => {
    const body = `[{"candidates":[]}\n,\r\n{"error":{"message":"key ${KEY}"}}]`;
    const { written, text } = run(pieces(body, 7));
    expect(text).toBe(body.replace(KEY, '[redacted]'));
    expect(written.at(-1)).toContain('[redacted]');
  });

  it('keeps characters split across held chunks whole', () => {
    const frame = 'data: {"error":{"message":"é漢字 failed"}}\n\n';
    const bytes = Buffer.from(frame);
    const guard = new ErrorFrameGuard(scrub);
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 3) {
      const piece = guard.push(bytes.subarray(at, at + 3));
      if (piece) out.push(piece);
    }
    const rest = guard.end();
    if (rest) out.push(rest);
    expect(Buffer.concat(out).toString('utf8')).toBe(frame);
  });
});

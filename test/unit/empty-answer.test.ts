/**
 * Answers that hold nothing (issue 12 §4): what counts as empty, how a held start is judged, how
 * the last event of a passed-through stream is read, and what the policy makes of it.
 */

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isEmptyAnswer } from '../../src/protocols/gemini/empty-answer.js';
import { LastEvent } from '../../src/protocols/gemini/stream-end.js';
import { JsonAnswerScanner, SseStartScanner } from '../../src/protocols/gemini/stream-start.js';
import { sayingAnswer } from '../../src/server/answer-checks.js';
import { readAnswer } from '../../src/upstream/answer.js';
import { HOLD_LIMIT, HeldStream, type HoldCheck } from '../../src/upstream/held-stream.js';
import { classify } from '../../src/upstream/policy.js';
import { EMPTY_ANSWERS, SAFETY_ANSWER, chunk } from '../support/behaviours.js';

const event = (value: unknown): string => `data: ${JSON.stringify(value)}\r\n\r\n`;
const bytes = (...texts: string[]): Buffer[] => texts.map((text) => Buffer.from(text));

describe('isEmptyAnswer', () => {
  it.each(Object.entries(EMPTY_ANSWERS))('%s is empty', (_label, value) => {
    expect(isEmptyAnswer(value)).toBe(true);
  });

  it.each([
    ['a text part', chunk('hi', 'STOP')],
    ['a part without a finish reason (a stream chunk)', chunk('hi')],
    ['a SAFETY finish without parts', SAFETY_ANSWER],
    ['a RECITATION finish', { candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'RECITATION' }] }],
    ['a blocked prompt', { promptFeedback: { blockReason: 'SAFETY' } }],
    ['a second candidate that says something', { candidates: [{ content: {} }, { content: { parts: [{ text: 'x' }] }, index: 1 }] }],
    ['candidates that are not a list (not judged here)', { candidates: {} }],
    ['not an object (not judged here)', 'text'],
  ])('%s is not empty', (_label, value) => {
    expect(isEmptyAnswer(value)).toBe(false);
  });

  it('a translator check says empty only for a well-formed empty answer', () => {
    const check = sayingAnswer((value) => typeof value === 'object' && value !== null);
    expect(check(EMPTY_ANSWERS['no candidates'])).toBe('ANSWER_EMPTY');
    expect(check(chunk('hi', 'STOP'))).toBe(true);
    expect(check(null)).toBe(false);
  });
});

describe('judging a held start', () => {
  it('an SSE start carries content at the first event with a part, not at usage-only events', () => {
    const scanner = new SseStartScanner();
    expect(scanner.push(Buffer.from(event(EMPTY_ANSWERS['no candidates'])))).toBe(false);
    const text = event(chunk('hello'));
    expect(scanner.push(Buffer.from(text.slice(0, 20)))).toBe(false);
    expect(scanner.push(Buffer.from(text.slice(20)))).toBe(true);
  });

  it('an SSE start that ends on an error frame or nothing carries nothing', () => {
    const scanner = new SseStartScanner();
    expect(scanner.push(Buffer.from(event({ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } })))).toBe(false);
    expect(scanner.end()).toBe(false);
  });

  it('content shows as soon as its key arrives, before its event ends', () => {
    const scanner = new SseStartScanner();
    expect(scanner.push(Buffer.from(`data: ${JSON.stringify(chunk('x', 'STOP'))}`))).toBe(true);
  });

  it('content the key search missed is found by the parse at the end, even without a blank line', () => {
    const scanner = new SseStartScanner();
    expect(scanner.push(Buffer.from(`data: {"candidates":[{"content":{"parts"${' '.repeat(40)}`))).toBe(false);
    expect(scanner.push(Buffer.from(': [{"text":"x"}]}}]}'))).toBe(false);
    expect(scanner.end()).toBe(true);
  });

  it('a key split across two chunks shows at their seam', () => {
    const scanner = new SseStartScanner();
    const text = `data: ${JSON.stringify(chunk('x'))}`;
    const split = text.indexOf('"parts"') + 3;
    expect(scanner.push(Buffer.from(text.slice(0, split)))).toBe(false);
    expect(scanner.push(Buffer.from(text.slice(split)))).toBe(true);
  });

  it('text that only mentions a key is not content', () => {
    const scanner = new SseStartScanner();
    const fake = { candidates: [{ content: { parts: [] } }], modelVersion: '"finishReason": "STOP", "parts": [{' };
    expect(scanner.push(Buffer.from(event(fake)))).toBe(false);
    expect(scanner.end()).toBe(false);
  });

  it('a JSON answer is passed on as soon as it shows content, before the body ends', () => {
    const scanner = new JsonAnswerScanner();
    const text = `${JSON.stringify(chunk('hi', 'STOP'), null, 2)}\n`;
    expect(scanner.push(Buffer.from(text.slice(0, 30)))).toBe(false);
    expect(scanner.push(Buffer.from(text.slice(30)))).toBe(true);
  });

  it('an empty JSON answer is judged at its end; a body that is not JSON passes unjudged', () => {
    const empty = new JsonAnswerScanner();
    const text = JSON.stringify(EMPTY_ANSWERS['an empty candidates list']);
    expect(empty.push(Buffer.from(text.slice(0, 5)))).toBe(false);
    expect(empty.push(Buffer.from(text.slice(5)))).toBe(false);
    expect(empty.end()).toBe(false);
    const binary = new JsonAnswerScanner();
    binary.push(Buffer.from([0x0a, 0x03, 0xff]));
    expect(binary.end()).toBe(true);
  });
});

describe('readAnswer with a hold', () => {
  const sse = (holdMs?: number): HoldCheck => ({ kind: 'hold', holdMs, scanner: () => new SseStartScanner() });
  const collect = async (stream: AsyncIterable<Buffer>): Promise<string> => {
    let text = '';
    for await (const piece of stream) text += piece.toString('utf8');
    return text;
  };
  const never = new AbortController().signal;

  it('holds until content, then gives back every byte in order, the held ones first', async () => {
    const texts = [event(EMPTY_ANSWERS['no candidates']), event(chunk('a')), event(chunk('b', 'STOP'))];
    const read = await readAnswer(Readable.from(bytes(...texts)) as never, sse(), never);
    expect(read.ok).toBe(true);
    const held = read.ok ? read.value : undefined;
    expect(held).toBeInstanceOf(HeldStream);
    expect(await collect(held as HeldStream)).toBe(texts.join(''));
  });

  it('a start that ends holding nothing fails the attempt as ANSWER_EMPTY', async () => {
    const read = await readAnswer(Readable.from(bytes(event(EMPTY_ANSWERS['no candidates']))) as never, sse(), never);
    expect(read).toEqual({ ok: false, code: 'ANSWER_EMPTY' });
  });

  it('a start that breaks before content fails with the transport\'s code', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from(event(EMPTY_ANSWERS['no candidates'])));
    body.destroy(Object.assign(new Error('socket'), { code: 'UND_ERR_SOCKET' }));
    expect(await readAnswer(body as never, sse(), never)).toEqual({ ok: false, code: 'UND_ERR_SOCKET' });
  });

  it('a silent start is released when the hold ends, and the rest still follows', async () => {
    const body = new Readable({ read() {} });
    const read = await readAnswer(body as never, sse(1), never);
    expect(read.ok).toBe(true);
    const held = read.ok ? (read.value as HeldStream) : undefined;
    body.push(Buffer.from(event(chunk('late', 'STOP'))));
    body.push(null);
    expect(await collect(held as HeldStream)).toContain('"late"');
  });

  it('past HOLD_LIMIT bytes without content the start is passed on unjudged', async () => {
    const filler = event({ usageMetadata: { promptTokenCount: 1 }, modelVersion: 'x'.repeat(HOLD_LIMIT) });
    const body = new Readable({ read() {} });
    body.push(Buffer.from(filler));
    const read = await readAnswer(body as never, sse(), never);
    expect(read.ok).toBe(true);
    body.destroy();
  });
});

describe('the last event of a passed-through stream', () => {
  const finished = (...texts: string[]): boolean => {
    const last = new LastEvent();
    for (const piece of bytes(...texts)) last.push(piece);
    return last.finished();
  };

  it('is finished when it carries a finishReason key', () => {
    expect(finished(event(chunk('a')), event(chunk('b', 'STOP')))).toBe(true);
    expect(finished(event(chunk('a')), 'data: {"candidates":[{"finishReason": "MAX_TOKENS"}]}\n\n\n')).toBe(true);
  });

  it('is not finished when an earlier event had one but the last has none, or only mentions it', () => {
    expect(finished(event(chunk('a', 'STOP')), event(chunk('b')))).toBe(false);
    expect(finished(event(chunk('"finishReason": "STOP"')))).toBe(false);
    expect(finished(event(chunk('a')), '{\n  "error": {"code": 503, "status": "UNAVAILABLE"}\n}\n')).toBe(false);
  });

  it('keeps the last event only, once a chunk ended the one before; a trailing blank chunk is kept with it', () => {
    const last = new LastEvent();
    for (const piece of bytes(event(chunk('a')), event(chunk('b')), event(chunk('c', 'STOP')), '\r\n')) last.push(piece);
    expect(last.window.bytes().toString()).toBe(`${event(chunk('c', 'STOP'))}\r\n`);
    expect(last.finished()).toBe(true);
  });

  it('keeps an event split across chunks whole', () => {
    expect(finished(event(chunk('a', 'STOP')), 'data: {"candidates":[{"content":{"parts":[{"text":"b"}]},', '"finishReason": "STOP"}]}\r\n', '\r\n')).toBe(true);
    expect(finished(event(chunk('a', 'STOP')), 'data: {"candidates":[{"content":{"parts":[{"text":"b"}]},', '"index": 0}]}\r\n', '\r\n')).toBe(false);
  });

  it('keeps only a window of the stream, yet finds the key in a last event larger than it', () => {
    const big = event(chunk('x'.repeat(200 * 1024), 'STOP'));
    expect(finished(event(chunk('a')), big.slice(0, 100_000), big.slice(100_000))).toBe(true);
    expect(finished(big, ...Array.from({ length: 40 }, () => event(chunk('y'.repeat(4096)))))).toBe(false);
  });
});

describe('the empty-answer row', () => {
  it('blames neither key nor relay and moves to the next key', () => {
    expect(classify({ kind: 'bad-answer', code: 'ANSWER_EMPTY' }, { clientPath: false }, 0)).toEqual({
      name: 'empty-answer', key: 'keep', relay: 'keep', next: 'next-key', reason: 'ANSWER_EMPTY',
    });
  });
});

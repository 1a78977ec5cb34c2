/** Parsing Gemini's `alt=sse` stream incrementally (wire-formats §1.8). */

import { describe, expect, it } from 'vitest';
import { GeminiSseParser, type StreamItem } from '../../src/protocols/gemini/sse.js';
import {
  ALL_STREAMS, ARRAY_ERROR_TAIL, ERROR_TAIL, ERROR_TAIL_ITEM, TEXT_STREAM, TOOL_CALLS_STREAM, sseBody,
} from '../fixtures/openai/gemini-streams.js';
import { growth, measureWork } from '../support/work-meter.js';

const encoder = new TextEncoder();

/** Feeds byte chunks the way the route does: one streaming decoder, flushed before `end()`. */
function parseBytes(chunks: readonly Uint8Array[]): StreamItem[] {
  const parser = new GeminiSseParser();
  const decoder = new TextDecoder();
  const items = chunks.flatMap((chunk) => parser.push(decoder.decode(chunk, { stream: true })));
  return [...items, ...parser.push(decoder.decode()), ...parser.end()];
}

function parseText(...pieces: string[]): StreamItem[] {
  const parser = new GeminiSseParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
}

function responses(events: readonly object[]): StreamItem[] {
  return events.map((value) => ({ kind: 'response', value }) as StreamItem);
}

const INVALID_JSON = { kind: 'error', status: 502, rpcStatus: 'UNAVAILABLE', message: expect.stringContaining('not valid JSON') };

describe('GeminiSseParser: framing', () => {
  it('reads Google’s CRLF-framed events in order', () => {
    expect(parseText(TEXT_STREAM.body)).toEqual(responses(TEXT_STREAM.events));
  });

  it('ends events at \\n\\n and at \\r\\r as well, mixed in one stream', () => {
    const [a, b, c] = TEXT_STREAM.events;
    const body = sseBody([a!], '\n\n') + sseBody([b!], '\r\r') + sseBody([c!], '\r\n\r\n');
    expect(parseText(body)).toEqual(responses(TEXT_STREAM.events));
  });

  it('ends an event at the earliest terminator', () => {
    expect(parseText('data: {"a":1}\r\r\n\ndata: {"b":2}\n\r\n\r\n')).toEqual(responses([{ a: 1 }, { b: 2 }]));
  });

  it('accepts data: without the space', () => {
    expect(parseText('data:{"x":"y"}\r\n\r\n')).toEqual(responses([{ x: 'y' }]));
  });

  it('ignores comments, event/id/retry lines and empty events', () => {
    const body = ': keep-alive\r\n\r\n\r\n\r\nevent: message\r\nid: 7\r\nretry: 1000\r\ndata: {"n":1}\r\n\r\nevent: ping\n\n:\n\n';
    expect(parseText(body)).toEqual(responses([{ n: 1 }]));
  });

  it('joins several data lines of one event with a newline, as SSE does', () => {
    expect(parseText('data: {"a":\ndata: 1}\n\n')).toEqual(responses([{ a: 1 }]));
  });

  it('accepts a last event without a terminator when it is whole JSON', () => {
    expect(parseText('data: {"a":1}\r\n\r\ndata: {"b":2}\r\n')).toEqual(responses([{ a: 1 }, { b: 2 }]));
  });

  it('returns nothing for an empty body or whitespace', () => {
    expect(parseText('')).toEqual([]);
    expect(parseText('\r\n')).toEqual([]);
  });
});

describe('GeminiSseParser: errors', () => {
  it('turns an event that is not JSON into a 502 item and goes on', () => {
    expect(parseText('data: {"a":\r\n\r\ndata: {"b":2}\r\n\r\n')).toEqual([INVALID_JSON, ...responses([{ b: 2 }])]);
  });

  it('turns a last event cut inside its JSON into a 502 item', () => {
    expect(parseText('data: {"a":1}\r\n\r\ndata: {"candi')).toEqual([...responses([{ a: 1 }]), INVALID_JSON]);
  });

  it('turns JSON that is not an object into a 502 item', () => {
    expect(parseText('data: [1,2]\n\ndata: "x"\n\n')).toEqual([
      { kind: 'error', status: 502, rpcStatus: 'UNAVAILABLE', message: expect.stringContaining('not a GenerateContentResponse') },
      { kind: 'error', status: 502, rpcStatus: 'UNAVAILABLE', message: expect.stringContaining('not a GenerateContentResponse') },
    ]);
  });

  it('turns an SSE-framed Google error into an error item', () => {
    const body = 'data: {"error": {"code": 429, "message": "Resource exhausted.", "status": "RESOURCE_EXHAUSTED"}}\r\n\r\n';
    expect(parseText(body)).toEqual([{ kind: 'error', status: 429, message: 'Resource exhausted.', rpcStatus: 'RESOURCE_EXHAUSTED' }]);
  });

  it('turns an array-wrapped SSE-framed error into an error item', () => {
    const body = 'data: [{"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}]\n\n';
    expect(parseText(body)).toEqual([{ kind: 'error', status: 500, message: 'Internal error encountered.', rpcStatus: 'INTERNAL' }]);
  });

  it('turns an unrecognisable {error} event into a 502 item', () => {
    expect(parseText('data: {"error": 42}\n\n')).toEqual([
      { kind: 'error', status: 502, rpcStatus: 'UNAVAILABLE', message: expect.stringContaining('did not explain') },
    ]);
  });

  it('reads the raw pretty-printed error tail after the last event', () => {
    expect(parseText(TEXT_STREAM.body + ERROR_TAIL)).toEqual([...responses(TEXT_STREAM.events), ERROR_TAIL_ITEM]);
  });

  it('reads the array-wrapped tail', () => {
    expect(parseText(TEXT_STREAM.body + ARRAY_ERROR_TAIL)).toEqual([
      ...responses(TEXT_STREAM.events),
      { kind: 'error', status: 429, rpcStatus: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('exceeded your current quota') },
    ]);
  });

  it('reads a tail that contains a blank line and arrives in pieces', () => {
    const tail = ERROR_TAIL.replace('"status"', '\n\n  "status"');
    expect(parseText(TEXT_STREAM.body, tail.slice(0, 10), tail.slice(10, 70), tail.slice(70))).toEqual(
      [...responses(TEXT_STREAM.events), ERROR_TAIL_ITEM]);
  });

  it('turns unframed text that is no Google error into a 502 item', () => {
    expect(parseText(TEXT_STREAM.body + '<html>Bad gateway</html>')).toEqual([
      ...responses(TEXT_STREAM.events),
      { kind: 'error', status: 502, rpcStatus: 'UNAVAILABLE', message: expect.stringContaining('not an event') },
    ]);
  });

  it('reports a long unframed page as one 502 item', () => {
    const parser = new GeminiSseParser();
    parser.push('<html>\n\n');
    for (let i = 0; i < 1000; i += 1) parser.push('x'.repeat(1024));
    expect(parser.end()).toEqual([
      { kind: 'error', status: 502, rpcStatus: 'UNAVAILABLE', message: expect.stringContaining('not an event') },
    ]);
  });

  it('never throws, whatever the text', () => {
    const parser = new GeminiSseParser();
    for (const piece of ['\u0000', 'data', ': {', '\r', '\n\n', '{{{', 'data: null\n\n', '\uFFFD']) {
      expect(() => parser.push(piece)).not.toThrow();
    }
    expect(() => parser.end()).not.toThrow();
  });
});

describe('GeminiSseParser: chunking', () => {
  const bodies = Object.entries(ALL_STREAMS).map(([name, stream]) => [name, stream.body + ERROR_TAIL] as const);

  it.each(bodies)('%s: the same items however the bytes are split in two', (_name, body) => {
    const bytes = encoder.encode(body);
    const whole = parseBytes([bytes]);
    expect(whole.at(-1)).toEqual(ERROR_TAIL_ITEM);
    for (let at = 0; at <= bytes.length; at += 1) {
      expect(parseBytes([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(whole);
    }
  });

  it('gives the same items one byte at a time', () => {
    const bytes = encoder.encode(TOOL_CALLS_STREAM.body + ERROR_TAIL);
    const single = Array.from(bytes, (_byte, at) => bytes.subarray(at, at + 1));
    expect(parseBytes(single)).toEqual([...responses(TOOL_CALLS_STREAM.events), ERROR_TAIL_ITEM]);
  });

  it('gives the same items for pseudo-random chunk sizes', () => {
    const bytes = encoder.encode(Object.values(ALL_STREAMS).map((stream) => stream.body).join(''));
    const whole = parseBytes([bytes]);
    let seed = 42;
    for (let round = 0; round < 50; round += 1) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length;) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const size = 1 + (seed % 40);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      expect(parseBytes(chunks)).toEqual(whole);
    }
  });

  it('stays linear: an event arriving one character at a time, and many events in one push', () => {
    const big = `data: {"text":"${'x'.repeat(1_000_000)}"}\r\n\r\n`;
    const parser = new GeminiSseParser();
    const items: StreamItem[] = [];
    for (const char of big) items.push(...parser.push(char));
    expect(items).toHaveLength(1);
    expect(parseText('data: {}\r\n\r\n'.repeat(20_000))).toHaveLength(20_000);
    // The shape of the work, counted by the work meter: about 8× for 8× the input, not 64×.
    const oneCharAtATime = (n: number): number => {
      const chars = [...`data: {"text":"${'x'.repeat(n)}"}\r\n\r\n`];
      const counted = new GeminiSseParser();
      return measureWork(() => chars.forEach((char) => counted.push(char)));
    };
    const manyEvents = (n: number): number => {
      const body = 'data: {}\r\n\r\n'.repeat(n);
      return measureWork(() => new GeminiSseParser().push(body));
    };
    expect(growth(oneCharAtATime, 4_000)).toBeLessThan(10);
    expect(growth(manyEvents, 2_000)).toBeLessThan(10);
  });
});

/**
 * Fake upstream behaviours for usage counting: answers carrying every kind of token count, and
 * streams whose usage arrives cut across many small writes (as a slow network delivers it).
 */

import type { ServerResponse } from 'node:http';
import type { Behaviour } from './fake-gemini.js';

/** A usage with every count the proxy reads, and the fields it ignores. */
export function usageOf(prompt: number, candidates: number, thoughts = 0, cached = 0): Record<string, unknown> {
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    ...(thoughts > 0 && { thoughtsTokenCount: thoughts }),
    ...(cached > 0 && { cachedContentTokenCount: cached }),
    totalTokenCount: prompt + candidates + thoughts,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  };
}

/** One answer (or event) of `text`, finished when `finish`, with `usage`. */
export function answer(text: string, usage: Record<string, unknown> | undefined, finish = true): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(finish && { finishReason: 'STOP' }) }],
    ...(usage !== undefined && { usageMetadata: usage }),
    modelVersion: 'gemini-2.5-flash',
    responseId: 'usage-response',
  };
}

/** Writes `text` a few bytes at a time, each write flushed before the next. */
async function dribble(res: ServerResponse, text: string, size: number): Promise<void> {
  for (let at = 0; at < text.length; at += size) {
    await new Promise<void>((resolve) => res.write(text.slice(at, at + size), () => resolve()));
  }
}

/**
 * Every call answers as Gemini would, with these usages: a generateContent with `final`, and a
 * stream (SSE or JSON array, as asked) of three events whose usages run up to `final`, the last
 * written 7 bytes at a time so its usage is cut across many chunks.
 */
export function countedAnswers(final: Record<string, unknown>): Behaviour {
  const early = usageOf(Number(final['promptTokenCount']), 1);
  return async (request, res) => {
    const verb = request.pathname.split(':')[1] ?? '';
    if (verb === 'generateContent') {
      const text = JSON.stringify(answer('counted', final), null, 2);
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      return void res.end(text);
    }
    const events = [answer('one', early, false), answer(' two', early, false), answer(' three', final)];
    if (request.query.get('alt') === 'sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const [first, second, last] = events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`);
      res.write(`${first}${second}`);
      await dribble(res, last ?? '', 7);
    } else {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      await dribble(res, `[${events.map((event) => JSON.stringify(event, null, 2)).join(',\r\n')}]`, 64);
    }
    res.end();
  };
}

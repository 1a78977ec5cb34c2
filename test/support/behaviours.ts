/** What the fake Gemini upstream does with a request: behave like Gemini, fail, hang, stream. */

import type { ServerResponse } from 'node:http';
import { FIXTURES, type FixtureName } from '../fixtures/gemini-errors.js';
import type { Behaviour, Recorded } from './fake-gemini.js';

export const MODELS = [
  { name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', inputTokenLimit: 1048576, outputTokenLimit: 65536, supportedGenerationMethods: ['generateContent', 'countTokens'] },
  { name: 'models/gemini-embedding-001', displayName: 'Gemini Embedding 001', inputTokenLimit: 2048, outputTokenLimit: 1, supportedGenerationMethods: ['embedContent', 'batchEmbedContents'] },
];

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The last user text of a generateContent body, so answers show the body passed through. */
function lastText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { contents?: { parts?: { text?: string }[] }[] };
    return parsed.contents?.at(-1)?.parts?.map((part) => part.text ?? '').join('') ?? '';
  } catch {
    return '';
  }
}

export function chunk(text: string, finishReason?: string): Record<string, unknown> {
  return {
    candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...(finishReason && { finishReason }) }],
    usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 3, totalTokenCount: 7 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'fake-response-1',
  };
}

export function streamChunks(request: Recorded): Record<string, unknown>[] {
  const echo = lastText(request.body);
  return [chunk('Hello'), chunk(' from'), chunk(` fake Gemini${echo ? `: ${echo}` : ''}`, 'STOP')];
}

function stream(request: Recorded, res: ServerResponse): void {
  const chunks = streamChunks(request);
  if (request.query.get('alt') === 'sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const item of chunks) res.write(`data: ${JSON.stringify(item)}\r\n\r\n`);
  } else {
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.write('[');
    res.write(chunks.map((item) => JSON.stringify(item, null, 2)).join(',\r\n'));
    res.write(']');
  }
  res.end();
}

/** Behaves like the Gemini API for the routes the tests use. */
export function gemini(): Behaviour {
  return (request, res) => {
    const { pathname } = request;
    const verb = pathname.split(':')[1] ?? '';
    const modelId = /\/models\/([^:/]+)/.exec(pathname)?.[1] ?? '';
    if (request.method === 'GET' && /^\/v1(beta)?\/models$/.test(pathname)) return json(res, 200, { models: MODELS });
    if (request.method === 'GET' && modelId && !verb) {
      const model = MODELS.find((item) => item.name === `models/${modelId}`);
      return model ? json(res, 200, model) : json(res, 404, FIXTURES.modelNotFound().body);
    }
    if (verb && !MODELS.some((item) => item.name === `models/${modelId}`)) {
      return json(res, 404, FIXTURES.modelNotFound().body);
    }
    switch (verb) {
      case 'generateContent': {
        const echo = lastText(request.body);
        return json(res, 200, chunk(`Hello from fake Gemini${echo ? `: ${echo}` : ''}`, 'STOP'));
      }
      case 'streamGenerateContent': return stream(request, res);
      case 'countTokens': return json(res, 200, { totalTokens: 11, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 11 }] });
      case 'embedContent': return json(res, 200, { embedding: { values: [0.1, 0.2, 0.3] } });
      case 'batchEmbedContents': {
        const count = (JSON.parse(request.body) as { requests: unknown[] }).requests.length;
        return json(res, 200, { embeddings: Array.from({ length: count }, (_, i) => ({ values: [i, 0.5, 0.25] })) });
      }
      default: return json(res, 404, FIXTURES.modelNotFound().body);
    }
  };
}

/** Answers with a catalogue error. */
export function fail(name: FixtureName, ...args: string[]): Behaviour {
  return (_request, res) => {
    const factory = FIXTURES[name] as (...a: string[]) => { status: number; body: unknown };
    const { status, body } = factory(...args);
    json(res, status, body);
  };
}

/** Answers with an arbitrary status and a non-Google body (a relay's own page). */
export function html(status: number): Behaviour {
  return (_request, res) => {
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(`<html><body><h1>${status}</h1></body></html>`);
  };
}

export function redirect(location: string): Behaviour {
  return (_request, res) => {
    res.writeHead(302, { location });
    res.end();
  };
}

/** Cuts the connection without answering. */
export function reset(): Behaviour {
  return (_request, res) => {
    res.socket?.destroy();
  };
}

/** Never answers (until the connection is closed by the other side). */
export function hang(): Behaviour {
  return () => undefined;
}

/**
 * An SSE stream the test drives event by event: `send()` writes the next chunk, `end()`
 * finishes, `cut()` destroys the connection mid-stream. `started` resolves when headers are out.
 */
export function controlledStream() {
  let response: ServerResponse | undefined;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const behaviour: Behaviour = (_request, res) => {
    response = res;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    markStarted();
  };
  const live = (): ServerResponse => {
    if (response === undefined) throw new Error('stream not started');
    return response;
  };
  return {
    behaviour,
    started,
    send: (text: string, finishReason?: string): boolean => live().write(`data: ${JSON.stringify(chunk(text, finishReason))}\r\n\r\n`),
    end: (): void => void live().end(),
    cut: (): void => void live().socket?.destroy(),
    get response(): ServerResponse {
      return live();
    },
  };
}

/** Answers 200 with `value` as JSON, whatever its shape (empty answers included). */
export function answerWith(value: unknown): Behaviour {
  return (_request, res) => json(res, 200, value);
}

const USAGE = { promptTokenCount: 4, totalTokenCount: 4 };

/**
 * 200 answers that hold nothing, as Google has sent them: no candidates at all, an empty list,
 * a candidate without parts or finish reason, a candidate with an empty parts list.
 */
export const EMPTY_ANSWERS: Readonly<Record<string, unknown>> = {
  'no candidates': { usageMetadata: USAGE, modelVersion: 'gemini-2.5-flash' },
  'an empty candidates list': { candidates: [], usageMetadata: USAGE },
  'a candidate without parts or finish reason': { candidates: [{ content: { role: 'model' }, index: 0 }], usageMetadata: USAGE },
  'a candidate with no parts': { candidates: [{ content: { role: 'model', parts: [] }, index: 0 }], usageMetadata: USAGE },
};

/** A real answer without text: the candidate stopped for safety (wire-formats §1.7). */
export const SAFETY_ANSWER = {
  candidates: [{
    content: { role: 'model' }, finishReason: 'SAFETY', index: 0,
    safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
  }],
  usageMetadata: USAGE,
};

/**
 * An `alt=sse` stream of `events` written at once, then ended cleanly, or cut once the events
 * have reached the socket.
 */
export function sseStream(events: readonly unknown[], ending: 'end' | 'cut' = 'end'): Behaviour {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const text = events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join('');
    if (ending === 'end') {
      res.end(text);
      return;
    }
    res.write(text, () => res.socket?.destroy());
  };
}

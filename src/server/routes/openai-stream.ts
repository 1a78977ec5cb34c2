/**
 * @module Streams a chat completion: Gemini's SSE in, `chat.completion.chunk` events out, with
 * backpressure. Once the first byte is out nothing is retried; an upstream failure or a stream
 * that ends before it finished ends with an OpenAI error event, never a second generation.
 */

import type { Readable } from 'node:stream';
import { GeminiSseParser, type StreamItem } from '../../protocols/gemini/sse.js';
import type { ChatRequest } from '../../protocols/openai/request.js';
import { ChatStreamTranslator } from '../../protocols/openai/stream.js';
import type { CompletionContext } from '../../protocols/openai/types.js';
import { typeFor } from '../../protocols/openai/errors.js';
import type { RequestContext } from '../context.js';
import { writeChunk } from '../respond.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-like fronts not to buffer the stream.
  'x-accel-buffering': 'no',
};

function event(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

function errorEvent(message: string, code: string, status = 502): string {
  return event({ error: { message, type: typeFor(status), param: null, code } });
}

class ChatStreamWriter {
  readonly #ctx: RequestContext;
  readonly #translator: ChatStreamTranslator;
  readonly #scrub: (text: string) => string;
  #failed: string | undefined;

  constructor(ctx: RequestContext, translator: ChatStreamTranslator, scrub: (text: string) => string) {
    this.#ctx = ctx;
    this.#translator = translator;
    this.#scrub = scrub;
  }

  get failed(): boolean {
    return this.#failed !== undefined;
  }

  async items(items: readonly StreamItem[]): Promise<void> {
    for (const item of items) {
      if (this.#failed !== undefined) return;
      if (item.kind === 'error') {
        // Google's message (and anything else it sent) may echo a key, like an error body's.
        const code = this.#scrub(item.rpcStatus) || 'upstream_error';
        this.#failed = `upstream error ${item.status} ${code}`;
        await writeChunk(this.#ctx.res, errorEvent(this.#scrub(item.message), code, item.status), this.#ctx.signal);
        return;
      }
      for (const chunk of this.#translator.push(item.value)) await writeChunk(this.#ctx.res, event(chunk), this.#ctx.signal);
    }
  }

  async finish(): Promise<void> {
    if (this.#failed !== undefined) {
      this.#ctx.log.warn({ reason: this.#failed }, 'upstream stream failed after the response started');
      return;
    }
    if (this.#translator.truncated) {
      this.#ctx.log.warn('upstream stream ended without a finish reason');
      await writeChunk(this.#ctx.res, errorEvent('the upstream stream ended before the answer was complete', 'stream_truncated'), this.#ctx.signal);
      return;
    }
    for (const chunk of this.#translator.finish()) await writeChunk(this.#ctx.res, event(chunk), this.#ctx.signal);
    await writeChunk(this.#ctx.res, 'data: [DONE]\n\n', this.#ctx.signal);
  }
}

export async function streamChat(
  ctx: RequestContext,
  body: Readable,
  completion: CompletionContext,
  request: ChatRequest,
  scrub: (text: string) => string,
): Promise<void> {
  ctx.streaming = true;
  ctx.res.writeHead(200, SSE_HEADERS);
  ctx.res.flushHeaders();
  const parser = new GeminiSseParser();
  const decoder = new TextDecoder();
  const writer = new ChatStreamWriter(ctx, new ChatStreamTranslator(completion, {
    includeUsage: request.includeUsage,
    includeReasoning: request.includeReasoning,
  }), scrub);
  // The upstream request carries the client's signal: a client that leaves aborts it.
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      await writer.items(parser.push(decoder.decode(chunk, { stream: true })));
      if (writer.failed) break;
    }
    if (!writer.failed) await writer.items([...parser.push(decoder.decode()), ...parser.end()]);
    await writer.finish();
    ctx.res.end();
  } catch (error) {
    if (ctx.signal.aborted) return;
    // The upstream connection broke mid-stream: say so in the stream, then end it.
    ctx.log.warn({ err: error }, 'upstream stream failed after the response started');
    if (ctx.res.writable) ctx.res.end(errorEvent('the upstream stream failed', 'upstream_error'));
  }
}

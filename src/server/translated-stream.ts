/**
 * @module Relays a translated stream: Gemini's SSE in, the protocol's frames out, with
 * backpressure, keep-alive frames while Gemini is silent, and one honest ending. Once the first
 * byte is out nothing is retried; an upstream failure, or a stream that ends before its answer
 * finished, ends with the protocol's error frame, never a second generation.
 */

import { GeminiSseParser, type StreamItem } from '../protocols/gemini/sse.js';
import type { StreamFailure, StreamTranslation } from '../protocols/shared/stream.js';
import type { RequestContext } from './context.js';
import { KeepAlive } from './keep-alive.js';
import { writeChunk } from './respond.js';

export interface RelayOptions {
  /** Removes every known secret from text that came from upstream. */
  readonly scrub: (text: string) => string;
  /** Keep-alive period; 0 sends none. */
  readonly keepaliveMs: number;
}

const TRUNCATED: StreamFailure = { message: 'the upstream stream ended before the answer was complete', code: 'stream_truncated', status: 502 };
const BROKEN: StreamFailure = { message: 'the upstream stream failed', code: 'upstream_error', status: 502 };

class Relay {
  readonly #ctx: RequestContext;
  readonly #translation: StreamTranslation;
  readonly #scrub: (text: string) => string;
  readonly #keepAlive: KeepAlive;
  /** Why the upstream failed, once it reported an error. */
  failure: StreamFailure | undefined;

  constructor(ctx: RequestContext, translation: StreamTranslation, options: RelayOptions) {
    this.#ctx = ctx;
    this.#translation = translation;
    this.#scrub = options.scrub;
    this.#keepAlive = new KeepAlive(ctx.res, () => translation.keepAlive(), options.keepaliveMs);
  }

  /** Writes the frames for `items` at once; stops at an error item, which ends the stream. */
  async items(items: readonly StreamItem[]): Promise<void> {
    let text = '';
    for (const item of items) {
      if (item.kind === 'response') {
        text += this.#translation.push(item.value);
        // Each event's usage runs up to the answer's; the last one seen is what it cost.
        if (item.value.usageMetadata !== undefined) this.#ctx.usage = item.value.usageMetadata;
        continue;
      }
      // Google's message (and anything else it sent) may echo a key, like an error body's.
      const code = this.#scrub(item.rpcStatus) || 'upstream_error';
      this.failure = { message: this.#scrub(item.message), code, status: item.status };
      text += this.#translation.fail(this.failure);
      break;
    }
    if (text !== '') await this.#write(text);
  }

  /** The stream's ending: the protocol's closing frames, or its error frame. */
  async finish(): Promise<void> {
    if (this.failure !== undefined) {
      this.#ctx.truncated = true;
      this.#ctx.log.warn({ reason: `upstream error ${this.failure.status} ${this.failure.code}` }, 'upstream stream failed after the response started');
      return;
    }
    if (this.#translation.truncated) {
      this.#ctx.truncated = true;
      this.#ctx.log.warn('upstream stream ended without a finish reason');
      return this.#write(this.#translation.fail(TRUNCATED));
    }
    await this.#write(this.#translation.finish());
  }

  broken(): string {
    return this.#translation.fail(BROKEN);
  }

  stop(): void {
    this.#keepAlive.stop();
  }

  async #write(text: string): Promise<void> {
    this.#keepAlive.wrote();
    await writeChunk(this.#ctx.res, text, this.#ctx.client);
  }
}

/**
 * Relays `body` (a held stream: its start already judged to carry content, or held as long as
 * the keep-alive interval allows) in the protocol's framing. The headers go out now.
 */
export async function relayTranslated(ctx: RequestContext, body: AsyncIterable<Buffer>, translation: StreamTranslation, options: RelayOptions): Promise<void> {
  ctx.streaming = true;
  ctx.res.writeHead(200, {
    'content-type': translation.contentType,
    'cache-control': 'no-cache',
    // Tells nginx-like fronts not to buffer the stream.
    'x-accel-buffering': 'no',
  });
  ctx.res.flushHeaders();
  const parser = new GeminiSseParser();
  const decoder = new TextDecoder();
  const relay = new Relay(ctx, translation, options);
  // The upstream request carries the client's signal: a client that leaves aborts it.
  try {
    for await (const chunk of body) {
      await relay.items(parser.push(decoder.decode(chunk, { stream: true })));
      if (relay.failure !== undefined) break;
    }
    if (relay.failure === undefined) await relay.items([...parser.push(decoder.decode()), ...parser.end()]);
    await relay.finish();
    ctx.res.end();
  } catch (error) {
    if (ctx.client.aborted) return;
    // The upstream connection broke mid-stream: say so in the stream, then end it.
    ctx.truncated = true;
    ctx.log.warn({ err: error }, 'upstream stream failed after the response started');
    if (ctx.res.writable) ctx.res.end(relay.broken());
  } finally {
    relay.stop();
  }
}

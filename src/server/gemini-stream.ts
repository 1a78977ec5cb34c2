/**
 * @module The Gemini pass-through's streams, once the dispatcher has committed to an answer:
 * passed on chunk by chunk with backpressure, Google's error frame scrubbed, and an honest end.
 * An `alt=sse` stream whose last event has no `finishReason` (cut short, or ended by an error
 * frame) is cut rather than ended, so the client's SDK sees an error instead of a short answer
 * (wire-formats §1.8.2); only that last event is searched, once, at the end. A JSON-array stream
 * is judged alike, by its end; the usage Google counted is read from the same end (usage-tail.ts),
 * never by parsing the answer. With
 * `--gemini-keep-alive` a silent `alt=sse` stream gets SSE comments between events; never
 * otherwise, since the legacy `@google/generative-ai` SDK stalls on them (wire-formats §1.8.3).
 */

import type { ServerResponse } from 'node:http';
import { LastEvent } from '../protocols/gemini/stream-end.js';
import { UsageTail, usageInWindow } from '../upstream/usage-tail.js';
import type { RequestContext } from './context.js';
import { ErrorFrameGuard } from './error-frames.js';
import { KeepAlive } from './keep-alive.js';
import { drained, writeChunk } from './respond.js';

/** Framed as Google frames its events, so a parser that splits on `\r\n\r\n` only still copes. */
const KEEP_ALIVE = ': keep-alive\r\n\r\n';

export interface GeminiStreamOptions {
  /** Removes every known secret from text that came from upstream. */
  readonly scrub: (text: string) => string;
  /** Keep-alive period for `alt=sse`; 0 sends none (the default: `--gemini-keep-alive` off). */
  readonly keepaliveMs: number;
}

/** Whether what was written so far ends between two events, where a comment may go. */
class EventBoundary {
  /** The last bytes written: enough to hold the longest event end, `\r\n\r\n`. */
  #last = '\n\n';

  saw(out: Buffer): void {
    const tail = out.subarray(Math.max(0, out.length - 4)).toString('latin1');
    this.#last = (this.#last + tail).slice(-4);
  }

  get here(): boolean {
    return this.#last.endsWith('\r\n\r\n') || this.#last.endsWith('\n\n') || this.#last.endsWith('\r\r');
  }
}

/**
 * Ends the connection without the body's last chunk, after what was written has been flushed (a
 * reset could drop it): the client reads a body cut short.
 */
export function cutResponse(res: ServerResponse): void {
  const socket = res.socket;
  if (socket === null) res.destroy();
  else socket.destroySoon();
}

/** Relays an `alt=sse` stream (its start already held by the dispatcher), then ends or cuts it. */
export async function relaySse(ctx: RequestContext, body: AsyncIterable<Buffer>, options: GeminiStreamOptions): Promise<void> {
  const guard = new ErrorFrameGuard(options.scrub);
  const last = new LastEvent();
  // Only a stream that gets keep-alive comments tracks where its events end (the default has none).
  const pacer = options.keepaliveMs > 0 ? new CommentPacer(ctx.res, options.keepaliveMs) : undefined;
  const { res, client } = ctx;
  try {
    for await (const chunk of body) {
      last.push(chunk);
      const out = guard.push(chunk);
      if (out === undefined) continue;
      pacer?.wrote(out);
      // Awaited only when the client's buffer is full: no promise per chunk.
      if (!res.write(out)) await drained(res, client);
    }
    const rest = guard.end();
    if (rest !== undefined) {
      pacer?.wrote(rest);
      await writeChunk(res, rest, client);
    }
  } catch (error) {
    return broken(ctx, error);
  } finally {
    pacer?.stop();
    // A stream cut short still cost what its last whole usage says.
    ctx.usage = usageInWindow(last.window);
  }
  endOrCut(ctx, last);
}

/** Keep-alive comments for a passed-through stream, sent only between two events. */
class CommentPacer {
  readonly #boundary = new EventBoundary();
  readonly #keepAlive: KeepAlive;

  constructor(res: ServerResponse, ms: number) {
    this.#keepAlive = new KeepAlive(res, () => KEEP_ALIVE, ms, () => this.#boundary.here);
  }

  wrote(out: Buffer): void {
    this.#keepAlive.wrote();
    this.#boundary.saw(out);
  }

  stop(): void {
    this.#keepAlive.stop();
  }
}

/** Ends a stream that finished; cuts one that did not, so the client's SDK sees an error. */
function endOrCut(ctx: RequestContext, last: LastEvent): void {
  if (last.finished()) {
    ctx.res.end();
    return;
  }
  ctx.truncated = true;
  ctx.log.warn('upstream stream ended without a finish reason');
  cutResponse(ctx.res);
}

/**
 * Relays a JSON-array stream (no `alt`, or `alt=json`) with its error frame scrubbed, then ends
 * it, or cuts it when it did not finish (no closing `]`, or no `finishReason` at its end).
 */
export async function relayJsonArray(ctx: RequestContext, body: AsyncIterable<Buffer>, guard: ErrorFrameGuard): Promise<void> {
  const last = new LastEvent('json-array');
  try {
    for await (const chunk of body) {
      last.push(chunk);
      const out = guard.push(chunk);
      if (out !== undefined && !ctx.res.write(out)) await drained(ctx.res, ctx.client);
    }
    const rest = guard.end();
    if (rest !== undefined) await writeChunk(ctx.res, rest, ctx.client);
  } catch (error) {
    return broken(ctx, error);
  } finally {
    ctx.usage = usageInWindow(last.window);
  }
  endOrCut(ctx, last);
}

/**
 * Relays a non-streamed answer as it comes, then ends it; cut if the upstream breaks. A model's
 * answer (generateContent) ends with its usage; other calls' answers (files, lists) are not read.
 */
export async function relayPlain(ctx: RequestContext, body: AsyncIterable<Buffer>): Promise<void> {
  const usage = ctx.model === '' ? undefined : new UsageTail();
  try {
    for await (const chunk of body) {
      usage?.push(chunk);
      if (!ctx.res.write(chunk)) await drained(ctx.res, ctx.client);
    }
  } catch (error) {
    return broken(ctx, error);
  }
  ctx.usage = usage?.read();
  ctx.res.end();
}

/**
 * The upstream broke after the response started. Committed: no retry, no second generation
 * spliced in. Logged and counted; the cut connection tells the client it did not complete.
 */
function broken(ctx: RequestContext, error: unknown): void {
  if (ctx.client.aborted) {
    ctx.res.destroy(); // the client left: nobody reads what is still buffered
    return;
  }
  if (ctx.streaming) ctx.truncated = true;
  ctx.log.warn({ err: error }, 'upstream stream failed after the response started');
  cutResponse(ctx.res);
}

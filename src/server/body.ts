/**
 * @module Reads a request body with a size limit (413) and within the process-wide body budget
 * (503), both before anything is sent upstream.
 */

import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.js';
import type { RequestContext } from './context.js';

export function tooLarge(limit: number): ProxyError {
  return new ProxyError('GP_BODY_TOO_LARGE', `the request body is over the limit of ${limit} bytes`);
}

/** Other requests' bodies fill the budget; they are released within a request's lifetime. */
export function busy(): ProxyError {
  return new ProxyError('GP_BUSY', undefined, { retryAfterSeconds: 1 });
}

/** The declared `Content-Length`, when it is the body's length (no `Transfer-Encoding`). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const declared = req.headers['content-length'];
  if (declared === undefined || req.headers['transfer-encoding'] !== undefined) return undefined;
  return Number(declared);
}

/**
 * Reads the whole body (it is replayed on retries). A declared `Content-Length` over the limit,
 * or one the body budget has no room for now, is refused before a byte is read; otherwise
 * every chunk is counted against both as it arrives. Bytes are counted as they arrive rather
 * than reserved from the declared length, so a client that declares much and sends little
 * holds no budget for bytes it never sent. Read with listeners rather than `for await`: Node's
 * stream iterator (its end-of-stream watch and a promise per chunk) cost the pass-through 3–14 %
 * of its requests/s and 4–10 % of its CPU per request (bench/ab.sh, three runs).
 */
export function readBody(ctx: RequestContext, limit: number): Promise<Buffer> {
  const { req, client: signal, bodyHold: hold } = ctx;
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) return Promise.reject(tooLarge(limit));
  if (declared !== undefined && hold !== undefined && !hold.fits(declared)) return Promise.reject(busy());
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    // Refused part-way: the rest is drained unread, and the answer closes the connection.
    const refuse = (error: ProxyError): void => {
      stop();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) return refuse(tooLarge(limit));
      if (hold !== undefined && !hold.reserve(chunk.length)) return refuse(busy());
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      if (signal.aborted) reject(signal.reason);
      // A copy, never a chunk itself: a chunk may hold on to the whole of a socket read.
      else resolve(Buffer.concat(chunks, size));
    };
    // A body that stops arriving ("aborted", ECONNRESET) is a client that went away.
    const onError = (error: unknown): void => {
      stop();
      reject(signal.aborted ? signal.reason : new ProxyError('GP_CLIENT_CLOSED', undefined, { cause: error }));
    };
    const onClose = (): void => {
      if (!req.complete) onError(new Error('the request closed before its body ended'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Counts more memory a request holds (its translated body, fetched images) against the body
 * budget; GP_BUSY when it has no room.
 */
export function holdMore(ctx: RequestContext, bytes: number): void {
  if (ctx.bodyHold !== undefined && !ctx.bodyHold.reserve(bytes)) throw busy();
}

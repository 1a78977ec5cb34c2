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
 * holds no budget for bytes it never sent.
 */
export async function readBody(ctx: RequestContext, limit: number): Promise<Buffer> {
  const { req, signal, bodyHold: hold } = ctx;
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) throw tooLarge(limit);
  if (declared !== undefined && hold !== undefined && !hold.fits(declared)) throw busy();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      if (hold !== undefined && !hold.reserve(chunk.length)) throw busy();
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    // A body that stops arriving ("aborted", ECONNRESET) is a client that went away.
    throw signal.aborted ? signal.reason : new ProxyError('GP_CLIENT_CLOSED', undefined, { cause: error });
  }
  if (signal.aborted) throw signal.reason;
  return Buffer.concat(chunks, size);
}

/**
 * Counts more memory a request holds (its translated body, fetched images) against the body
 * budget; GP_BUSY when it has no room.
 */
export function holdMore(ctx: RequestContext, bytes: number): void {
  if (ctx.bodyHold !== undefined && !ctx.bodyHold.reserve(bytes)) throw busy();
}

/** @module Reads a request body with a size limit: 413 before anything is sent upstream. */

import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.js';

function tooLarge(limit: number): ProxyError {
  return new ProxyError('GP_BODY_TOO_LARGE', `the request body is over the limit of ${limit} bytes`);
}

/**
 * Reads the whole body (it is replayed on retries). A declared `Content-Length` over the limit
 * is refused before a byte is read; a chunked body is counted as it arrives.
 */
export async function readBody(req: IncomingMessage, limit: number, signal: AbortSignal): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && req.headers['transfer-encoding'] === undefined && Number(declared) > limit) {
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
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

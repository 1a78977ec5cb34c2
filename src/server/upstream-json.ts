/** @module Reading a successful upstream body as JSON, for the translated APIs. */

import type { Readable } from 'node:stream';
import { ProxyError } from '../errors.js';

/** A 2xx upstream body as JSON; one that is not JSON is the upstream's fault (502), not ours. */
export async function readUpstreamJson<T>(body: Readable): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  } catch (error) {
    throw new ProxyError('GP_UPSTREAM_BAD_ANSWER', undefined, { cause: error });
  }
}

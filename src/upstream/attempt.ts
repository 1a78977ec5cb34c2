/**
 * @module One upstream attempt: send the request with one key through one relay; on an error
 * status, read a bounded, scrubbed copy of the body so the policy can read it.
 */

import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import { errorCode } from '../errors.js';
import { scrubSecrets } from '../log/scrub.js';
import { parseGoogleError } from '../protocols/gemini/google-error.js';
import type { Outcome } from './policy.js';

/** Error bodies are read up to this size; the rest is dropped, never buffered. */
const ERROR_BODY_LIMIT = 64 * 1024;

export type HttpMethod = UndiciDispatcher.HttpMethod;

/** A request as the dispatcher sends it, before a key and relay are chosen. */
export interface UpstreamRequest {
  readonly method: HttpMethod;
  /** Path and query after the relay's base path, starting with `/`; never holds a credential. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** The model named by the request ('' for none); keys cool per model. */
  readonly model: string;
}

export type ResponseBody = UndiciDispatcher.ResponseData['body'];

export type AttemptResult =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: ResponseBody;
    }
  | {
      readonly ok: false;
      readonly outcome: Outcome;
      /** Present when the upstream answered: what the client gets if this is the last word. */
      readonly answer?: { status: number; headers: IncomingHttpHeaders; body: Buffer };
    };

export interface AttemptTarget {
  readonly pool: UndiciDispatcher;
  readonly basePath: string;
  readonly secret: string;
  readonly signal: AbortSignal;
  readonly secrets: () => Iterable<string>;
  /** Time allowed for the response headers (the request deadline may shorten the pool's). */
  readonly headersTimeoutMs?: number;
}

async function readBounded(body: ResponseBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_BODY_LIMIT) break; // leaving the loop destroys the rest of the body
    }
  } catch {
    // A body cut short still says what it said so far.
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT);
}

/** A stable name for a transport failure: undici's code, the socket's errno, or the class. */
function failureCode(error: unknown): string {
  if (!(error instanceof Error)) return 'UNKNOWN';
  return errorCode(error) ?? errorCode(error.cause) ?? error.name;
}

/** Sends one attempt. Throws only when `target.signal` aborted it. */
export async function attempt(request: UpstreamRequest, target: AttemptTarget): Promise<AttemptResult> {
  let response: UndiciDispatcher.ResponseData;
  try {
    response = await target.pool.request({
      path: target.basePath + request.path,
      method: request.method,
      headers: { ...request.headers, 'x-goog-api-key': target.secret },
      body: request.body ?? null,
      signal: target.signal,
      ...(target.headersTimeoutMs !== undefined && { headersTimeout: target.headersTimeoutMs }),
    });
  } catch (error) {
    if (target.signal.aborted) throw target.signal.reason;
    return { ok: false, outcome: { kind: 'network', code: failureCode(error) } };
  }
  const { statusCode: status, headers, body } = response;
  if (status >= 200 && status < 300) return { ok: true, status, headers, body };
  const raw = await readBounded(body);
  if (target.signal.aborted) throw target.signal.reason;
  // Google echoes keys in some messages ("Consumer 'api_key:…'"); scrub before anyone sees it.
  // The attempt's own key first: a reload may have dropped it from the current set meanwhile.
  const text = scrubSecrets(raw.toString('utf8'), [target.secret, ...target.secrets()]);
  return {
    ok: false,
    outcome: { kind: 'response', status, error: parseGoogleError(text) },
    answer: { status, headers, body: Buffer.from(text) },
  };
}

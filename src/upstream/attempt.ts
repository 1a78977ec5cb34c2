/**
 * @module One upstream attempt: send the request with one key through one relay; scrub every
 * response header of secrets; on an error status, read a bounded, scrubbed copy of the body so
 * the policy can read it.
 */

import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { ClientSignal } from './client-signal.js';
import { exchange, type Answer, type UpstreamBody } from './exchange.js';
import { errorCode } from '../errors.js';
import { compiledFor, holdsSecretAnyCase, scrubCompiled, scrubSecret, type Compiled } from '../log/scrub.js';
import { googleAnswerError } from '../protocols/gemini/google-error.js';
import type { AnswerCheck } from './answer.js';
import type { Outcome } from './policy.js';

/** Error bodies are read up to this size; the rest is dropped, never buffered. */
const ERROR_BODY_LIMIT = 64 * 1024;

export type HttpMethod = UndiciDispatcher.HttpMethod;

/** What the dispatcher reads of a 2xx before it commits to it (defined in answer.ts). */
export type { AnswerCheck };

/** Memory a request may still take (the server's body budget): false when `bytes` do not fit. */
export interface ByteBudget {
  reserve(bytes: number): boolean;
}

/** A request as the dispatcher sends it, before a key and relay are chosen. */
export interface UpstreamRequest {
  readonly method: HttpMethod;
  /** Path and query after the relay's base path, starting with `/`; never holds a credential. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A stream (an upload's bytes) can be sent once: such a request gets one attempt. */
  readonly body: Buffer | Readable | undefined;
  /**
   * The key this request must use, whatever the affinity map says: an upload's chunks go with
   * the key that started it.
   */
  readonly pin?: { readonly keyId: string; readonly resource: string };
  /**
   * What a 429 cools the key for: the model (`gemini-2.5-flash`), or for a call without one
   * its resource family (`files:*`). Quotas are per model; a family never cools generation.
   */
  readonly scope: string;
  /**
   * True when the path is the client's own (the pass-through), false when the proxy built it.
   * A relay's bare 404 for a client's path is the client's 404; for the proxy's own path the
   * relay is broken.
   */
  readonly clientPath: boolean;
  /**
   * Present when a 2xx answer is read inside the retry loop before the proxy commits to it: a
   * non-streamed translated answer read whole and checked, or the start of an answer held until
   * it shows content. Failing either is the attempt's failure (nothing has reached the client
   * yet, so another key or relay may still answer).
   */
  readonly expect?: AnswerCheck;
  /** What the answer read for `expect` is counted against, with the request's body. */
  readonly budget?: ByteBudget;
}

export type ResponseBody = UpstreamBody;

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
  /** A relay's pool, or the dispatcher through an egress proxy (which serves several origins). */
  readonly pool: UndiciDispatcher;
  readonly origin: string;
  readonly basePath: string;
  readonly secret: string;
  readonly signal: ClientSignal;
  /** Every secret known now (keys and proxy keys), to scrub what comes back. */
  readonly secrets: () => ReadonlySet<string>;
  /** Time allowed for the response headers (the request deadline may shorten the pool's). */
  readonly headersTimeoutMs?: number;
}

async function readBounded(body: ResponseBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
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
export function failureCode(error: unknown): string {
  if (!(error instanceof Error)) return 'UNKNOWN';
  return errorCode(error) ?? errorCode(error.cause) ?? error.name;
}

/**
 * What comes back may name a key: Google echoes keys in some messages ("Consumer 'api_key:…'")
 * and a relay may echo one in a header. The attempt's own key is scrubbed too when a reload has
 * dropped it from the current secrets meanwhile.
 */
class Scrubber {
  readonly #compiled: Compiled;
  readonly #own: string | undefined;

  constructor(target: AttemptTarget) {
    const secrets = target.secrets();
    this.#compiled = compiledFor(secrets);
    this.#own = secrets.has(target.secret) ? undefined : target.secret;
  }

  text(text: string): string {
    const clean = scrubCompiled(text, this.#compiled);
    return this.#own === undefined ? clean : scrubSecret(clean, this.#own);
  }

  /**
   * The headers with every value scrubbed, and any header whose name holds a secret dropped;
   * the same object when none held one.
   */
  headers(headers: IncomingHttpHeaders): IncomingHttpHeaders {
    let result = headers;
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (holdsSecretAnyCase(name, this.#compiled) || (this.#own !== undefined && name.includes(this.#own.toLowerCase()))) {
        if (result === headers) result = { ...headers };
        delete result[name];
        continue;
      }
      const clean = Array.isArray(value) ? value.map((item) => this.text(item)) : this.text(value);
      if (Array.isArray(value) ? value.some((item, index) => item !== clean[index]) : clean !== value) {
        if (result === headers) result = { ...headers };
        result[name] = clean;
      }
    }
    return result;
  }
}

/** Sends one attempt. Throws only when `target.signal` aborted it. */
export async function attempt(request: UpstreamRequest, target: AttemptTarget): Promise<AttemptResult> {
  let response: Answer;
  try {
    response = await exchange(target.pool, {
      origin: target.origin,
      path: target.basePath + request.path,
      method: request.method,
      headers: { ...request.headers, 'x-goog-api-key': target.secret },
      body: request.body ?? null,
      headersTimeout: target.headersTimeoutMs,
    }, target.signal);
  } catch (error) {
    if (target.signal.aborted) throw target.signal.reason;
    return { ok: false, outcome: { kind: 'network', code: failureCode(error) } };
  }
  const { status, body } = response;
  const scrubber = new Scrubber(target);
  const headers = scrubber.headers(response.headers);
  if (status >= 200 && status < 300) return { ok: true, status, headers, body };
  const raw = await readBounded(body);
  if (target.signal.aborted) throw target.signal.reason;
  const text = scrubber.text(raw.toString('utf8'));
  return {
    ok: false,
    outcome: { kind: 'response', status, error: googleAnswerError(text, status) },
    answer: { status, headers, body: Buffer.from(text) },
  };
}

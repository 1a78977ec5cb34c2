/** @module Writing answers: JSON bodies, and errors in the shape of the caller's protocol. */

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { isProxyError, ProxyError } from '../errors.js';
import type { ClientSignal } from '../upstream/client-signal.js';
import { geminiErrorBody } from '../protocols/gemini/error-body.js';
import { errorMessageBody } from '../protocols/shared/error-body.js';
import { anthropicErrorBody, anthropicStatus } from '../protocols/anthropic/errors.js';
import { openAiErrorBody } from '../protocols/openai/errors.js';
import type { RequestContext, RouteProtocol } from './context.js';
import type { ErrorFrameGuard } from './error-frames.js';

/** Renders a proxy error as a body in one protocol's error shape. */
export type ErrorRenderer = (error: ProxyError) => string;

/**
 * The simple endpoint's document names only 400, 401, 403, 404, 429 and 500: every other
 * client error is its 400, every server-side failure its 500.
 */
export function documentStatus(status: number): number {
  if (status >= 500) return 500;
  return [400, 401, 403, 404, 429].includes(status) ? status : 400;
}

/**
 * Protocols whose statuses differ from the proxy's: the simple endpoint's document has fewer,
 * Anthropic has one more (529 overloaded). `code` is the proxy's error code or Google's status.
 */
const STATUSES: Partial<Record<RouteProtocol, (status: number, code?: string) => number>> = {
  simple: documentStatus,
  anthropic: anthropicStatus,
};

/** The status a protocol answers for one the proxy (or Google) chose. */
export function statusFor(protocol: RouteProtocol, status: number, code?: string): number {
  return STATUSES[protocol]?.(status, code) ?? status;
}

const RENDERERS: Partial<Record<RouteProtocol, ErrorRenderer>> = {
  gemini: geminiErrorBody,
  openai: openAiErrorBody,
  anthropic: anthropicErrorBody,
  ollama: errorMessageBody,
  session: errorMessageBody,
  simple: errorMessageBody,
  ops: (error) => JSON.stringify({ error: { code: error.code, message: error.message } }),
};

export function sendBody(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: string | Buffer,
): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendBody(res, status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(value));
}

/** Writes `chunk`; when the client's buffer is full, waits for it to drain (backpressure). */
export async function writeChunk(res: ServerResponse, chunk: Buffer | string, client: ClientSignal): Promise<void> {
  if (!res.write(chunk)) await drained(res, client);
}

/** Resolves when the client's buffer has drained; rejects when the client leaves first. */
export function drained(res: ServerResponse, client: ClientSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.aborted) {
      reject(client.reason);
      return;
    }
    const settle = (error?: unknown): void => {
      res.off('drain', onDrain).off('error', settle);
      client.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = (): void => settle();
    const onAbort = (): void => settle(client.reason);
    res.once('drain', onDrain).once('error', settle);
    client.addEventListener('abort', onAbort);
  });
}

/**
 * Streams an upstream body to the client chunk by chunk with backpressure, then ends the
 * response. The body's upstream request carries the client's `signal`, so a client that goes
 * away aborts it even while the upstream is silent. (Node's `pipeline` would do the same at
 * about a third of the proxy's throughput for small answers: it allocates and aborts a
 * controller per call.)
 */
export async function relayBody(body: AsyncIterable<Buffer>, res: ServerResponse, signal: ClientSignal, guard?: ErrorFrameGuard): Promise<void> {
  if (guard === undefined) {
    for await (const chunk of body) await writeChunk(res, chunk, signal);
  } else {
    for await (const chunk of body) {
      const out = guard.push(chunk);
      if (out !== undefined) await writeChunk(res, out, signal);
    }
    const rest = guard.end();
    if (rest !== undefined) await writeChunk(res, rest, signal);
  }
  res.end();
}

/** Whether the request announced a body that nobody read (refused before reading). */
function hasUnreadBody(ctx: RequestContext): boolean {
  const { headers } = ctx.req;
  if (ctx.req.readableEnded) return false;
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

function errorHeaders(error: ProxyError): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/json; charset=utf-8' };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error.code === 'GP_UNAUTHORIZED') headers['www-authenticate'] = 'Bearer';
  // Every key and relay was already tried: a client's automatic retry would only repeat that.
  // A full body budget is the exception: it tried nothing, and frees up within seconds.
  if (error.status >= 500 && error.code !== 'GP_BUSY') headers['x-should-retry'] = 'false';
  // An unread body (oversized, or no room for it), or a server going away: this connection is done.
  if (drainsBody(error) || error.code === 'GP_SHUTTING_DOWN') headers.connection = 'close';
  return headers;
}

/** Refused part-way through reading the body: the rest is drained, not kept. */
function drainsBody(error: ProxyError): boolean {
  return error.code === 'GP_BODY_TOO_LARGE' || error.code === 'GP_BUSY';
}

/**
 * Answers with `error` in the protocol's shape. Anything that is not a ProxyError is a bug:
 * logged, answered 500. After the response has started, the only honest signal left is to
 * cut the connection.
 */
export function sendError(ctx: RequestContext, error: unknown): void {
  const proxyError = isProxyError(error) ? error : new ProxyError('GP_INTERNAL', undefined, { cause: error });
  if (!isProxyError(error)) ctx.log.error({ err: error }, 'unexpected error');
  if (ctx.res.headersSent || proxyError.code === 'GP_CLIENT_CLOSED') {
    ctx.res.destroy();
    return;
  }
  // Drain what the client is still sending, so the answer is read rather than reset.
  if (drainsBody(proxyError)) ctx.req.resume();
  const render = RENDERERS[ctx.protocol] ?? geminiErrorBody;
  const headers = errorHeaders(proxyError);
  // Refused unread (bad key, no route): close rather than read a body nobody wants.
  if (hasUnreadBody(ctx)) headers.connection = 'close';
  sendBody(ctx.res, statusFor(ctx.protocol, proxyError.status, proxyError.code), headers, render(proxyError));
}

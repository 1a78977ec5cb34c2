/**
 * @module Resumable uploads (`/upload/v1beta/files`, as `@google/genai`'s files.upload sends
 * them, wire-formats-2 §3.1). The start goes out with a pool key; Google's upload URL in
 * `x-goog-upload-url` becomes one of the proxy's, carrying an opaque id; every chunk then goes to
 * Google's URL with the key that started it. Bytes stream through with backpressure, never held
 * whole; the finished file is remembered with its key (key affinity).
 */

import { Transform, type TransformCallback } from 'node:stream';
import { ProxyError } from '../../errors.js';
import { uploadTarget, upstreamUploadPath, type UploadTarget } from '../../protocols/gemini/paths.js';
import { createdResources } from '../../protocols/gemini/resources.js';
import type { ResourceAffinity } from '../../state/affinity.js';
import type { UploadSessions } from '../../state/uploads.js';
import type { HttpMethod } from '../../upstream/attempt.js';
import type { Dispatcher, StreamResult } from '../../upstream/dispatch.js';
import { readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import { downstreamHeaders, upstreamHeaders } from '../headers.js';
import { relayBody, sendBody } from '../respond.js';
import type { Route } from '../router.js';

export interface UploadRouteDeps {
  readonly dispatcher: Dispatcher;
  readonly sessions: UploadSessions;
  readonly affinity: ResourceAffinity;
  /** The start's JSON metadata is held; the file's bytes never are. */
  readonly maxBodyBytes: number;
  readonly maxUploadBytes: number;
  /** The base URL clients reach the proxy at; '' to build it from the request's Host. */
  readonly publicUrl: string;
}

/** An upload's quota is the Files API's own, never a model's. */
const UPLOAD_SCOPE = 'files:*';

/** Counts the bytes going through, and stops the upload past the limit (a 413, nobody blamed). */
class UploadLimit extends Transform {
  #bytes = 0;
  readonly #max: number;
  readonly #stop: (error: ProxyError) => void;

  constructor(max: number, stop: (error: ProxyError) => void) {
    super();
    this.#max = max;
    this.#stop = stop;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes <= this.#max) return done(null, chunk);
    const error = new ProxyError('GP_BODY_TOO_LARGE', `the upload is over --max-upload-size (${this.#max} bytes)`);
    this.#stop(error);
    done(error);
  }
}

/**
 * The client's bytes as a stream capped at the upload limit, and the signal that aborts the
 * upstream request when the client leaves or the cap is passed.
 */
function streamedBody(ctx: RequestContext, max: number): { body: Transform; signal: AbortSignal; headers: Record<string, string> } {
  const declared = Number(ctx.req.headers['content-length'] ?? Number.NaN);
  if (declared > max) throw new ProxyError('GP_BODY_TOO_LARGE', `the upload is over --max-upload-size (${max} bytes)`);
  const over = new AbortController();
  const body = ctx.req.pipe(new UploadLimit(max, (error) => over.abort(error)));
  const headers = upstreamHeaders(ctx.req.headers);
  if (Number.isSafeInteger(declared)) headers['content-length'] = String(declared);
  return { body, signal: AbortSignal.any([ctx.signal, over.signal]), headers };
}

/** What `x-goog-upload-command` asks for: `start`, `upload`, `finalize`, in any combination. */
function commands(ctx: RequestContext): Set<string> {
  const value = ctx.req.headers['x-goog-upload-command'];
  const text = Array.isArray(value) ? value.join(',') : value ?? '';
  return new Set(text.split(',').map((word) => word.trim().toLowerCase()).filter(Boolean));
}

/** The proxy's own upload URL for session `id`: the client's scheme, host and prefix, never Google's. */
function proxyUploadUrl(ctx: RequestContext, deps: UploadRouteDeps, target: UploadTarget, id: string): string {
  const base = deps.publicUrl || `http://${ctx.req.headers.host ?? '127.0.0.1'}`;
  return `${base}${target.prefix}/upload${target.apiPath}?upload_id=${id}&upload_protocol=resumable`;
}

/** Sends a 2xx whose body may name the file made: read whole (it is small JSON), remembered, passed on. */
async function finish(ctx: RequestContext, deps: UploadRouteDeps, result: StreamResult): Promise<void> {
  const text = await result.body.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  for (const name of createdResources(value)) deps.affinity.remember(name, result.keyId);
  sendBody(ctx.res, result.status, downstreamHeaders(result.headers), text);
}

/** `start` alone: small JSON metadata, sent with a pool key like any call (retries allowed). */
async function start(ctx: RequestContext, deps: UploadRouteDeps, target: UploadTarget): Promise<void> {
  const body = await readBody(ctx, deps.maxBodyBytes);
  const request = { method: 'POST' as const, path: target.upstreamPath, headers: upstreamHeaders(ctx.req.headers), body, scope: UPLOAD_SCOPE, clientPath: true };
  const result = await deps.dispatcher.send(request, ctx.client, ctx.attempts);
  if (result.kind === 'answer') return sendBody(ctx.res, result.status, downstreamHeaders(result.headers), result.body);
  const text = await result.body.text();
  const headers = downstreamHeaders(result.headers);
  const googleUrl = result.headers['x-goog-upload-url'];
  const upstreamPath = typeof googleUrl === 'string' ? upstreamUploadPath(googleUrl) : undefined;
  if (upstreamPath === undefined) throw new ProxyError('GP_UPSTREAM_BAD_ANSWER', 'the upload start answered without an upload URL');
  const id = deps.sessions.open({ keyId: result.keyId, upstreamPath });
  headers['x-goog-upload-url'] = proxyUploadUrl(ctx, deps, target, id);
  sendBody(ctx.res, result.status, headers, text);
}

/** A chunk (`upload`, `upload, finalize`) of a started upload: streamed to Google with the starting key. */
async function chunk(ctx: RequestContext, deps: UploadRouteDeps, id: string): Promise<void> {
  const session = deps.sessions.get(id);
  if (session === undefined) throw new ProxyError('GP_UPLOAD_NOT_FOUND');
  const { body, signal, headers } = streamedBody(ctx, deps.maxUploadBytes);
  const result = await deps.dispatcher.send({
    method: ctx.method as HttpMethod, path: session.upstreamPath, headers, body, scope: UPLOAD_SCOPE, clientPath: true,
    pin: { keyId: session.keyId, resource: 'this upload' },
  }, signal, ctx.attempts);
  if (result.kind === 'answer') return sendBody(ctx.res, result.status, downstreamHeaders(result.headers), result.body);
  if (result.headers['x-goog-upload-status'] !== 'active') deps.sessions.close(id);
  if (result.headers['x-goog-upload-status'] === 'final') return finish(ctx, deps, result);
  ctx.res.writeHead(result.status, downstreamHeaders(result.headers));
  await relayBody(result.body, ctx.res, ctx.signal);
}

/** A whole file in one request (`raw`, `multipart`, or `start, upload, finalize`): streamed, one attempt. */
async function whole(ctx: RequestContext, deps: UploadRouteDeps, target: UploadTarget): Promise<void> {
  const { body, signal, headers } = streamedBody(ctx, deps.maxUploadBytes);
  const request = { method: 'POST' as const, path: target.upstreamPath, headers, body, scope: UPLOAD_SCOPE, clientPath: true };
  const result = await deps.dispatcher.send(request, signal, ctx.attempts);
  if (result.kind === 'answer') return sendBody(ctx.res, result.status, downstreamHeaders(result.headers), result.body);
  return finish(ctx, deps, result);
}

async function upload(ctx: RequestContext, deps: UploadRouteDeps): Promise<void> {
  const target = uploadTarget(ctx.pathname, ctx.search);
  if (target === undefined) throw new ProxyError('GP_NOT_FOUND');
  if (ctx.method !== 'POST' && ctx.method !== 'PUT') throw new ProxyError('GP_METHOD_NOT_ALLOWED');
  const id = ctx.search.get('upload_id');
  if (id !== null) return chunk(ctx, deps, id);
  const asked = commands(ctx);
  if (asked.size === 1 && asked.has('start')) return start(ctx, deps, target);
  return whole(ctx, deps, target);
}

/** `/upload/v1beta/files` (any API version), and the same under `/gemini`. */
export function uploadRoute(deps: UploadRouteDeps): Route {
  return {
    name: 'gemini-upload',
    protocol: 'gemini',
    auth: true,
    matches: (_method, pathname) => pathname.startsWith('/upload/') || pathname.startsWith('/gemini/upload/'),
    handle: (ctx) => upload(ctx, deps),
  };
}

/**
 * @module The Gemini REST pass-through: the path checked and cleaned, the client's credentials
 * stripped, the request dispatched with a pool key, the answer streamed back with backpressure.
 */

import { ProxyError } from '../../errors.js';
import { geminiTarget, isGeminiPath } from '../../protocols/gemini/paths.js';
import { createdResources, createsResource, resourceOfPath } from '../../protocols/gemini/resources.js';
import { isObject } from '../../protocols/shared/json.js';
import type { ModelResolver } from '../../protocols/shared/model-name.js';
import type { ResourceAffinity } from '../../state/affinity.js';
import type { HttpMethod, UpstreamRequest } from '../../upstream/attempt.js';
import type { Dispatcher } from '../../upstream/dispatch.js';
import { readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import { downstreamHeaders, upstreamHeaders } from '../headers.js';
import { ErrorFrameGuard } from '../error-frames.js';
import { relayBody, sendBody } from '../respond.js';
import type { Route } from '../router.js';

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PATCH', 'DELETE']);

/**
 * Form bodies are where OAuth puts a token (RFC 6750 §2.2), so Google would read one beside the
 * pool key; the Gemini API never takes them.
 */
const FORM_TYPES = /^\s*(?:application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

export interface GeminiRouteDeps {
  readonly dispatcher: Dispatcher;
  readonly maxBodyBytes: number;
  /** Removes every known secret from text that came from upstream. */
  readonly scrub: (text: string) => string;
  /** The model in `models/{model}…` → the model called (aliases, retired names). */
  readonly resolveModel: ModelResolver;
  /** Which key made each resource: creations are recorded here, deletions forgotten. */
  readonly affinity: ResourceAffinity;
}

/**
 * A request that makes a resource (a cache, a batch, a tuned model, …): its answer, small JSON,
 * is read whole so the names it holds are remembered with the key that made them.
 */
async function create(ctx: RequestContext, deps: GeminiRouteDeps, request: UpstreamRequest): Promise<void> {
  const result = await deps.dispatcher.send({ ...request, expect: isObject }, ctx.signal, ctx.attempts);
  if (result.kind === 'answer') {
    sendBody(ctx.res, result.status, downstreamHeaders(result.headers), result.body);
    return;
  }
  const interaction = request.path.split('?', 1)[0]?.endsWith('/interactions') === true;
  for (const name of createdResources(result.value, interaction)) deps.affinity.remember(name, result.keyId);
  const headers = downstreamHeaders(result.headers);
  delete headers['content-encoding'];
  sendBody(ctx.res, result.status, headers, JSON.stringify(result.value));
}

async function forward(ctx: RequestContext, deps: GeminiRouteDeps): Promise<void> {
  if (!METHODS.has(ctx.method)) throw new ProxyError('GP_METHOD_NOT_ALLOWED');
  const target = geminiTarget(ctx.pathname, ctx.search, deps.resolveModel);
  ctx.model = target.model;
  ctx.requestedModel = target.requestedModel;
  if (FORM_TYPES.test(ctx.req.headers['content-type'] ?? '')) throw new ProxyError('GP_UNSUPPORTED_MEDIA_TYPE');
  const body = ctx.method === 'GET' ? undefined : await readBody(ctx, deps.maxBodyBytes);
  ctx.bytesIn = body?.length ?? 0;
  const request: UpstreamRequest & { readonly expect?: undefined } = {
    method: ctx.method as HttpMethod,
    path: target.upstreamPath,
    headers: upstreamHeaders(ctx.req.headers),
    body,
    scope: target.scope,
    clientPath: true,
  };
  if (createsResource(request.method, request.path)) return create(ctx, deps, request);
  const result = await deps.dispatcher.send(request, ctx.signal, ctx.attempts);
  if (result.kind === 'answer') {
    sendBody(ctx.res, result.status, downstreamHeaders(result.headers), result.body);
    return;
  }
  const deleted = ctx.method === 'DELETE' ? resourceOfPath(request.path) : undefined;
  if (deleted !== undefined) deps.affinity.forget(deleted);
  ctx.res.writeHead(result.status, downstreamHeaders(result.headers));
  // Stream headers go out at once, so the client sees the response start before the model's
  // first token. A stream may end in an error frame, which is scrubbed like an error body.
  const stream = target.verb === 'streamGenerateContent';
  if (stream) {
    ctx.streaming = true;
    ctx.res.flushHeaders();
  }
  try {
    await relayBody(result.body, ctx.res, ctx.signal, stream ? new ErrorFrameGuard(deps.scrub) : undefined);
  } catch (error) {
    // Committed: no retry, no second generation spliced in. Log it; the cut connection tells
    // the client the stream did not complete.
    if (!ctx.signal.aborted) ctx.log.warn({ err: error }, 'upstream stream failed after the response started');
    ctx.res.destroy();
  }
}

/** The Gemini routes: `/v1beta/…`, `/v1/…`, `/v1alpha/…`, and the same under `/gemini`. */
export function geminiRoute(deps: GeminiRouteDeps): Route {
  return {
    name: 'gemini',
    protocol: 'gemini',
    auth: true,
    matches: (_method, pathname) => isGeminiPath(pathname),
    handle: (ctx) => forward(ctx, deps),
  };
}

/**
 * @module The Gemini REST pass-through: the path checked and cleaned, the client's credentials
 * stripped, the request dispatched with a pool key, the answer streamed back with backpressure
 * (an empty answer, or an empty stream start, first goes to another key).
 */

import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from '../../errors.js';
import { geminiTarget, isGeminiPath } from '../../protocols/gemini/paths.js';
import { createdResources, createsResource, resourceOfPath } from '../../protocols/gemini/resources.js';
import { isObject } from '../../protocols/shared/json.js';
import type { ModelResolver } from '../../protocols/shared/model-name.js';
import { isHidden } from '../../protocols/shared/model-variants.js';
import type { ResourceAffinity } from '../../state/affinity.js';
import type { HttpMethod, UpstreamRequest } from '../../upstream/attempt.js';
import type { Dispatcher, UpstreamAnswer } from '../../upstream/dispatch.js';
import type { HoldCheck } from '../../upstream/held-stream.js';
import { heldBody, JSON_ANSWER_HOLD, sseStartHold } from '../answer-checks.js';
import { readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import { downstreamHeaders, upstreamHeaders } from '../headers.js';
import { ErrorFrameGuard } from '../error-frames.js';
import { relayJsonArray, relayPlain, relaySse } from '../gemini-stream.js';
import { sendBody } from '../respond.js';
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
  /** `--stream-keepalive`: the longest a stream's headers wait for its first content; 0 none. */
  readonly keepaliveMs: number;
  /** `--gemini-keep-alive`: keep-alive comments on `alt=sse` streams too. */
  readonly geminiKeepAlive: boolean;
  /** `--hidden-models`: left out of the model list (and refused by the resolver). */
  readonly hiddenModels: ReadonlySet<string>;
}

/** `GET …/models`: the model list, the one answer the proxy edits when models are hidden. */
const MODEL_LIST = /^(?:\/gemini)?\/v1(?:beta|alpha)?\/models$/;

/** The model list without the hidden models; the rest of the answer (the page token) as it was. */
async function listModels(ctx: RequestContext, deps: GeminiRouteDeps, request: UpstreamRequest): Promise<void> {
  const result = await deps.dispatcher.send({ ...request, expect: isObject }, ctx.client, ctx.attempts);
  if (result.kind === 'answer') {
    sendBody(ctx.res, result.status, downstreamHeaders(result.headers), result.body);
    return;
  }
  const answer = result.value as { models?: unknown };
  const models = Array.isArray(answer.models) ? answer.models.filter((model: unknown) => !isHiddenEntry(model, deps.hiddenModels)) : answer.models;
  const headers = downstreamHeaders(result.headers);
  delete headers['content-encoding'];
  sendBody(ctx.res, result.status, headers, JSON.stringify({ ...answer, ...(models !== undefined && { models }) }));
}

function isHiddenEntry(model: unknown, hidden: ReadonlySet<string>): boolean {
  const name = isObject(model) && typeof model['name'] === 'string' ? model['name'] : '';
  return isHidden(name.replace(/^models\//, ''), hidden);
}

/**
 * A request that makes a resource (a cache, a batch, a tuned model, …): its answer, small JSON,
 * is read whole so the names it holds are remembered with the key that made them.
 */
async function create(ctx: RequestContext, deps: GeminiRouteDeps, request: UpstreamRequest): Promise<void> {
  const result = await deps.dispatcher.send({ ...request, expect: isObject }, ctx.client, ctx.attempts);
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

/** `alt` (or `$alt`) as the client asked: the answer's format. */
function alt(ctx: RequestContext): string | null {
  return ctx.search.get('alt') ?? ctx.search.get('$alt');
}

/** A field mask may leave out the very fields an answer is judged by (candidates, finishReason). */
function masked(ctx: RequestContext): boolean {
  return ctx.search.has('fields') || ctx.search.has('$fields') || ctx.req.headers['x-goog-fieldmask'] !== undefined;
}

/**
 * What of a 2xx is read before the proxy commits to it (issue 12 §4). A non-streamed
 * generateContent answer is held whole (up to HOLD_LIMIT) and passed on only if it says
 * something; an `alt=sse` stream's headers wait for its first content, at most the keep-alive
 * interval. Other calls, other formats (`alt=proto`, the JSON-array stream) and field-masked
 * answers are passed on as they come.
 */
function holdFor(verb: string, ctx: RequestContext, deps: GeminiRouteDeps): HoldCheck | undefined {
  if (masked(ctx)) return undefined;
  const format = alt(ctx);
  if (verb === 'generateContent' && (format === null || format === 'json')) return JSON_ANSWER_HOLD;
  if (verb === 'streamGenerateContent' && format === 'sse') return sseStartHold(deps.keepaliveMs);
  return undefined;
}

/** A 2xx the proxy committed to: what the client gets. */
interface Committed {
  readonly kind: 'committed';
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: AsyncIterable<Buffer>;
  /** The answer's start was held and is here: its first write carries the headers too. */
  readonly started: boolean;
}

/** Sends `request`, holding its answer's start when `hold` asks. */
async function dispatch(
  ctx: RequestContext, deps: GeminiRouteDeps, request: UpstreamRequest & { readonly expect?: undefined }, hold: HoldCheck | undefined,
): Promise<Committed | UpstreamAnswer> {
  if (hold === undefined) {
    const result = await deps.dispatcher.send(request, ctx.client, ctx.attempts);
    return result.kind === 'answer' ? result : { kind: 'committed', status: result.status, headers: result.headers, body: result.body, started: false };
  }
  const result = await deps.dispatcher.send({ ...request, expect: hold }, ctx.client, ctx.attempts);
  if (result.kind === 'answer') return result;
  const body = heldBody(result);
  return { kind: 'committed', status: result.status, headers: result.headers, body, started: body.started };
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
  if (ctx.method === 'GET' && deps.hiddenModels.size > 0 && MODEL_LIST.test(ctx.pathname)) return listModels(ctx, deps, request);
  const result = await dispatch(ctx, deps, request, holdFor(target.verb, ctx, deps));
  if (result.kind === 'answer') {
    sendBody(ctx.res, result.status, downstreamHeaders(result.headers), result.body);
    return;
  }
  const deleted = ctx.method === 'DELETE' ? resourceOfPath(request.path) : undefined;
  if (deleted !== undefined) deps.affinity.forget(deleted);
  ctx.res.writeHead(result.status, downstreamHeaders(result.headers));
  if (target.verb !== 'streamGenerateContent') return relayPlain(ctx, result.body);
  // The headers go out with the held start, in one write; with none held (the hold ran out of
  // time, or nothing was held), now, so the client sees the stream start before its first
  // event. A stream may end in an error frame, which is scrubbed like an error body.
  ctx.streaming = true;
  if (!result.started) ctx.res.flushHeaders();
  if (alt(ctx) !== 'sse') return relayJsonArray(ctx, result.body, new ErrorFrameGuard(deps.scrub));
  return relaySse(ctx, result.body, { scrub: deps.scrub, keepaliveMs: deps.geminiKeepAlive ? deps.keepaliveMs : 0 });
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

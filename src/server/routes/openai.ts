/**
 * @module The OpenAI-compatible API: chat completions (plain and streamed), embeddings, models.
 * Requests are translated and validated before any key is used; answers are translated back.
 */

import { randomBytes } from 'node:crypto';
import { ProxyError } from '../../errors.js';
import type { BatchEmbedContentsResponse, GenerateContentResponse } from '../../protocols/gemini/types.js';
import { parseGoogleError } from '../../protocols/gemini/google-error.js';
import { toEmbeddingsResponse, translateEmbeddingsRequest } from '../../protocols/openai/embeddings.js';
import { fromGoogleError } from '../../protocols/openai/errors.js';
import { toOpenAiModels } from '../../protocols/openai/models.js';
import { parseJsonObject } from '../../protocols/openai/read.js';
import { translateChatRequest, type ModelResolver } from '../../protocols/openai/request.js';
import { toChatCompletion } from '../../protocols/openai/response.js';
import type { CompletionContext } from '../../protocols/openai/types.js';
import type { DispatchResult, Dispatcher } from '../../upstream/dispatch.js';
import { readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import type { ImageFetcher } from '../image-fetch.js';
import type { ModelCatalog } from '../model-catalog.js';
import { readUpstreamJson } from '../upstream-json.js';
import { inlineImageUrls } from './openai-images.js';
import { sendBody, sendJson } from '../respond.js';
import type { Route } from '../router.js';
import { streamChat } from './openai-stream.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const PREFIXES = ['/v1', '/openai/v1'];

export interface OpenAiRouteDeps {
  readonly dispatcher: Dispatcher;
  readonly catalog: ModelCatalog;
  readonly maxBodyBytes: number;
  readonly aliases: Readonly<Record<string, string>>;
  readonly resolveModel: ModelResolver;
  /** Present when `--fetch-image-urls` is on. */
  readonly imageFetcher: ImageFetcher | undefined;
}

/** A fresh random token for response and tool-call ids. */
export function newToken(): string {
  return randomBytes(12).toString('base64url');
}

/** Google's error answer, in OpenAI's envelope and with Google's status. */
function sendUpstreamError(ctx: RequestContext, answer: Extract<DispatchResult, { kind: 'answer' }>): void {
  const text = answer.body.toString('utf8');
  const body = fromGoogleError(answer.status, parseGoogleError(text), `upstream answered ${answer.status}`);
  sendBody(ctx.res, answer.status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(body));
}

async function post(ctx: RequestContext, deps: OpenAiRouteDeps, model: string, verb: string, body: unknown): Promise<DispatchResult> {
  ctx.model = model;
  return deps.dispatcher.send(
    { method: 'POST', path: `/v1beta/models/${model}:${verb}`, headers: JSON_HEADERS, body: Buffer.from(JSON.stringify(body)), model },
    ctx.signal,
    ctx.attempts,
  );
}

async function chat(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const json = parseJsonObject(await readBody(ctx.req, deps.maxBodyBytes, ctx.signal));
  if (deps.imageFetcher) await inlineImageUrls(json, deps.imageFetcher, ctx.signal);
  const request = translateChatRequest(json, deps.resolveModel);
  const verb = request.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  const result = await post(ctx, deps, request.model, verb, request.body);
  if (result.kind === 'answer') return sendUpstreamError(ctx, result);
  const completion: CompletionContext = {
    id: `chatcmpl-${newToken()}`,
    created: Math.floor(Date.now() / 1000),
    model: request.requestedModel,
    newToken,
  };
  if (request.stream) return streamChat(ctx, result.body, completion, request);
  const response = await readUpstreamJson<GenerateContentResponse>(result.body);
  sendJson(ctx.res, 200, toChatCompletion(response, completion, { includeReasoning: request.includeReasoning }));
}

async function embeddings(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const json = parseJsonObject(await readBody(ctx.req, deps.maxBodyBytes, ctx.signal));
  const request = translateEmbeddingsRequest(json, deps.resolveModel);
  const result = await post(ctx, deps, request.model, 'batchEmbedContents', request.body);
  if (result.kind === 'answer') return sendUpstreamError(ctx, result);
  const response = await readUpstreamJson<BatchEmbedContentsResponse>(result.body);
  sendJson(ctx.res, 200, toEmbeddingsResponse(response, request));
}

async function models(ctx: RequestContext, deps: OpenAiRouteDeps, id: string | undefined): Promise<void> {
  const listed = await deps.catalog.list(ctx.signal, ctx.attempts);
  if (listed.kind === 'answer') return sendUpstreamError(ctx, listed);
  const all = toOpenAiModels(listed.models, deps.aliases);
  if (id === undefined) return sendJson(ctx.res, 200, { object: 'list', data: all });
  const wanted = decodeURIComponent(id).replace(/^models\//, '');
  const model = all.find((item) => item.id === wanted);
  if (model === undefined) throw new ProxyError('GP_MODEL_NOT_FOUND', `The model \`${wanted}\` does not exist`, { param: 'model' });
  sendJson(ctx.res, 200, model);
}

function under(pathname: string, suffix: string): boolean {
  return PREFIXES.some((prefix) => pathname === `${prefix}${suffix}`);
}

function modelId(pathname: string): string | undefined {
  for (const prefix of PREFIXES) {
    if (pathname.startsWith(`${prefix}/models/`)) return pathname.slice(prefix.length + '/models/'.length);
  }
  return undefined;
}

function route(name: string, method: string, matches: (pathname: string) => boolean, handle: Route['handle']): Route {
  return {
    name,
    protocol: 'openai',
    auth: true,
    // Any method on these paths belongs to this API (a wrong one gets OpenAI's 405).
    matches: (_method, pathname) => matches(pathname),
    handle: (ctx) => {
      if (ctx.method !== method) throw new ProxyError('GP_METHOD_NOT_ALLOWED');
      return handle(ctx);
    },
  };
}

/** `/v1/chat/completions`, `/v1/embeddings`, `/v1/models[/{id}]`, and the same under `/openai`. */
export function openAiRoutes(deps: OpenAiRouteDeps): Route[] {
  return [
    route('openai-chat', 'POST', (p) => under(p, '/chat/completions'), (ctx) => chat(ctx, deps)),
    route('openai-embeddings', 'POST', (p) => under(p, '/embeddings'), (ctx) => embeddings(ctx, deps)),
    route('openai-models', 'GET', (p) => under(p, '/models'), (ctx) => models(ctx, deps, undefined)),
    route('openai-model', 'GET', (p) => modelId(p) !== undefined, (ctx) => models(ctx, deps, modelId(ctx.pathname))),
  ];
}

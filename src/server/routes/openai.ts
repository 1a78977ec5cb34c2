/**
 * @module The OpenAI-compatible API: chat completions (plain and streamed), embeddings, models.
 * Requests are translated and validated before any key is used; answers are translated back.
 */

import { randomBytes } from 'node:crypto';
import { ProxyError } from '../../errors.js';
import type { BatchEmbedContentsResponse, GenerateContentResponse } from '../../protocols/gemini/types.js';
import { isBatchEmbedContentsResponse, isGenerateContentResponse } from '../../protocols/gemini/answers.js';
import { parseGoogleError } from '../../protocols/gemini/google-error.js';
import { quotaScope } from '../../protocols/gemini/paths.js';
import { toEmbeddingsResponse, translateEmbeddingsRequest } from '../../protocols/openai/embeddings.js';
import { fromGoogleError } from '../../protocols/openai/errors.js';
import { toOpenAiModels } from '../../protocols/openai/models.js';
import { parseJsonObject } from '../../protocols/openai/read.js';
import { translateChatRequest, type ModelResolver } from '../../protocols/openai/request.js';
import { toChatCompletion } from '../../protocols/openai/response.js';
import type { CompletionContext } from '../../protocols/openai/types.js';
import type { AnswerCheck, UpstreamRequest } from '../../upstream/attempt.js';
import type { Dispatcher, JsonResult, StreamResult, UpstreamAnswer } from '../../upstream/dispatch.js';
import { holdMore, readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import type { ImageFetcher } from '../image-fetch.js';
import type { ModelCatalog } from '../model-catalog.js';
import { fetchImageLinks } from './openai-images.js';
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
  /** Removes every known secret from text that came from upstream (stream error frames). */
  readonly scrub: (text: string) => string;
  readonly now: () => number;
}

/** A fresh random token for response and tool-call ids. */
function newToken(): string {
  return randomBytes(12).toString('base64url');
}

/** Google's error answer, in OpenAI's envelope and with Google's status. */
function sendUpstreamError(ctx: RequestContext, answer: UpstreamAnswer): void {
  const text = answer.body.toString('utf8');
  const body = fromGoogleError(answer.status, parseGoogleError(text), `upstream answered ${answer.status}`);
  // The proxy already tried its keys and relays; the SDK's own retries would only repeat that.
  const noRetry = answer.status >= 500 ? { 'x-should-retry': 'false' } : {};
  sendBody(ctx.res, answer.status, { 'content-type': 'application/json; charset=utf-8', ...noRetry }, JSON.stringify(body));
}

/** The Gemini request, its body counted against the body budget with the client's. */
function upstreamRequest(ctx: RequestContext, model: string, verb: string, body: unknown): UpstreamRequest & { expect?: undefined } {
  ctx.model = model;
  const path = `/v1beta/models/${model}:${verb}`;
  const scope = quotaScope(model, verb.split('?')[0] ?? verb);
  const bytes = Buffer.from(JSON.stringify(body));
  holdMore(ctx, bytes.length);
  return { method: 'POST', path, headers: JSON_HEADERS, body: bytes, scope, clientPath: false };
}

/** A streamed call: the body is passed on as it arrives. */
function stream(ctx: RequestContext, deps: OpenAiRouteDeps, model: string, verb: string, body: unknown): Promise<StreamResult | UpstreamAnswer> {
  return deps.dispatcher.send(upstreamRequest(ctx, model, verb, body), ctx.signal, ctx.attempts);
}

/** A non-streamed call: the answer is read and checked inside the retry loop, within the budget. */
function call(ctx: RequestContext, deps: OpenAiRouteDeps, model: string, verb: string, body: unknown, expect: AnswerCheck): Promise<JsonResult | UpstreamAnswer> {
  const request = { ...upstreamRequest(ctx, model, verb, body), expect, ...(ctx.bodyHold && { budget: ctx.bodyHold }) };
  return deps.dispatcher.send(request, ctx.signal, ctx.attempts);
}

async function chat(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const raw = await readBody(ctx, deps.maxBodyBytes);
  ctx.bytesIn = raw.length;
  const json = parseJsonObject(raw);
  const request = translateChatRequest(json, deps.resolveModel, { fetchImageUrls: deps.imageFetcher !== undefined });
  if (deps.imageFetcher) await fetchImageLinks(ctx, request.imageLinks, deps.imageFetcher, deps.maxBodyBytes);
  const completion = (): CompletionContext => ({
    id: `chatcmpl-${newToken()}`,
    created: Math.floor(deps.now() / 1000),
    model: request.requestedModel,
    newToken,
  });
  if (request.stream) {
    const result = await stream(ctx, deps, request.model, 'streamGenerateContent?alt=sse', request.body);
    if (result.kind === 'answer') return sendUpstreamError(ctx, result);
    return streamChat(ctx, result.body, completion(), request, deps.scrub);
  }
  const result = await call(ctx, deps, request.model, 'generateContent', request.body, isGenerateContentResponse);
  if (result.kind === 'answer') return sendUpstreamError(ctx, result);
  const response = result.value as GenerateContentResponse;
  sendJson(ctx.res, 200, toChatCompletion(response, completion(), { includeReasoning: request.includeReasoning }));
}

async function embeddings(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const raw = await readBody(ctx, deps.maxBodyBytes);
  ctx.bytesIn = raw.length;
  const json = parseJsonObject(raw);
  const request = translateEmbeddingsRequest(json, deps.resolveModel);
  const responses: BatchEmbedContentsResponse[] = [];
  // One batch after another: a large document uses the keys in turn, not all at once.
  for (const batch of request.batches) {
    const expect = (value: unknown): boolean => isBatchEmbedContentsResponse(value, batch.requests.length);
    const result = await call(ctx, deps, request.model, 'batchEmbedContents', batch, expect);
    if (result.kind === 'answer') return sendUpstreamError(ctx, result);
    responses.push(result.value as BatchEmbedContentsResponse);
  }
  sendJson(ctx.res, 200, toEmbeddingsResponse(responses, request));
}

function decodeModelId(id: string): string {
  try {
    return decodeURIComponent(id).replace(/^models\//, '');
  } catch {
    throw new ProxyError('GP_MODEL_NOT_FOUND', 'the model id is not valid percent-encoding', { param: 'model' });
  }
}

async function models(ctx: RequestContext, deps: OpenAiRouteDeps, id: string | undefined): Promise<void> {
  const wanted = id === undefined ? undefined : decodeModelId(id);
  const listed = await deps.catalog.list(ctx.signal, ctx.attempts);
  if (listed.kind === 'answer') return sendUpstreamError(ctx, listed);
  const all = toOpenAiModels(listed.models, deps.aliases);
  if (wanted === undefined) return sendJson(ctx.res, 200, { object: 'list', data: all });
  const model = all.find((item) => item.id === wanted);
  if (model === undefined) throw new ProxyError('GP_MODEL_NOT_FOUND', `The model \`${wanted}\` does not exist`, { param: 'model' });
  sendJson(ctx.res, 200, model);
}

/** Route matching runs for every request, so the full paths are built once here. */
const PATHS = {
  chat: new Set(PREFIXES.map((prefix) => `${prefix}/chat/completions`)),
  embeddings: new Set(PREFIXES.map((prefix) => `${prefix}/embeddings`)),
  models: new Set(PREFIXES.map((prefix) => `${prefix}/models`)),
};
const MODEL_PATH = /^(?:\/openai)?\/v1\/models\/([^:]+)$/;

/**
 * `/v1/models/{id}` as OpenAI means it: an id without `:`. `POST /v1/models/x:generateContent`
 * is Gemini's and falls through to the Gemini routes.
 */
function modelId(pathname: string): string | undefined {
  return MODEL_PATH.exec(pathname)?.[1];
}

type Matcher = (method: string, pathname: string) => boolean;

function route(name: string, method: string, matches: Matcher, handle: Route['handle']): Route {
  return {
    name,
    protocol: 'openai',
    auth: true,
    matches,
    handle: (ctx) => {
      if (ctx.method !== method) throw new ProxyError('GP_METHOD_NOT_ALLOWED');
      return handle(ctx);
    },
  };
}

/** `/v1/chat/completions`, `/v1/embeddings`, `/v1/models[/{id}]`, and the same under `/openai`. */
export function openAiRoutes(deps: OpenAiRouteDeps): Route[] {
  return [
    // These paths are OpenAI's whatever the method (a wrong one gets OpenAI's 405).
    route('openai-chat', 'POST', (_m, p) => PATHS.chat.has(p), (ctx) => chat(ctx, deps)),
    route('openai-embeddings', 'POST', (_m, p) => PATHS.embeddings.has(p), (ctx) => embeddings(ctx, deps)),
    route('openai-models', 'GET', (_m, p) => PATHS.models.has(p), (ctx) => models(ctx, deps, undefined)),
    // Only a GET of an id is OpenAI's: Gemini's `/v1/models/…:verb` calls must reach Gemini.
    route('openai-model', 'GET', (m, p) => m === 'GET' && MODEL_PATH.test(p), (ctx) => models(ctx, deps, modelId(ctx.pathname))),
    // Anything else under `/openai/` is an unknown OpenAI route, answered in OpenAI's shape.
    {
      name: 'openai-unknown', protocol: 'openai', auth: true,
      matches: (_m, p) => p.startsWith('/openai/'),
      handle: (ctx) => {
        throw new ProxyError('GP_NOT_FOUND', `no route for ${ctx.method} ${ctx.pathname}`);
      },
    },
  ];
}

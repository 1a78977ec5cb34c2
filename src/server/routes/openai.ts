/**
 * @module The OpenAI-compatible API: chat completions (plain and streamed), embeddings, models.
 * Requests are translated and validated before any key is used; answers are translated back.
 */

import { ProxyError } from '../../errors.js';
import { isGeminiResourcePath } from '../../protocols/gemini/paths.js';
import { isGenerateContentResponse } from '../../protocols/gemini/answers.js';
import type { GenerateContentResponse } from '../../protocols/gemini/types.js';
import { CompletionStream, toCompletion, translateCompletionRequest } from '../../protocols/openai/completions.js';
import { toEmbeddingsResponse, translateEmbeddingsRequest } from '../../protocols/openai/embeddings.js';
import { translateResponsesRequest } from '../../protocols/openai/responses/request.js';
import { toResponse } from '../../protocols/openai/responses/response.js';
import { ResponsesStream } from '../../protocols/openai/responses/stream.js';
import type { ResponsesContext } from '../../protocols/openai/responses/types.js';
import { fromGoogleError } from '../../protocols/openai/errors.js';
import { applyModelOptions } from '../../protocols/shared/model-variants.js';
import { toOpenAiModels } from '../../protocols/openai/models.js';
import { translateChatRequest } from '../../protocols/openai/request.js';
import { toChatCompletion } from '../../protocols/openai/response.js';
import { ChatStream } from '../../protocols/openai/stream.js';
import type { CompletionContext } from '../../protocols/openai/types.js';
import type { RequestContext } from '../context.js';
import { callJson, embedBatches, generate, newToken, readJson, sendUpstreamError, type TranslatedRouteDeps } from '../pipeline.js';
import { sendJson } from '../respond.js';
import { route, type Route } from '../router.js';
import { imageRoutes } from './openai-images.js';
import { speechRoutes } from './openai-speech.js';

/** `/hf/v1` is gemini-balance's path for OpenAI clients, kept for those moving from it. */
export const PREFIXES = ['/v1', '/openai/v1', '/hf/v1'];

export interface OpenAiRouteDeps extends TranslatedRouteDeps {
  /** The Gemini image model of the images API when the request names none (or another vendor's). */
  readonly imageModel: string;
  /** The Gemini TTS model the speech API calls for OpenAI's model names. */
  readonly speechModel: string;
}

async function chat(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const request = translateChatRequest(await readJson(ctx, deps), deps.resolveModel, { fetchImageUrls: deps.imageFetcher !== undefined });
  const completion: CompletionContext = {
    id: `chatcmpl-${newToken()}`,
    created: Math.floor(deps.now() / 1000),
    model: request.requestedModel,
    newToken,
  };
  const { includeUsage, includeReasoning } = request;
  await generate(ctx, deps, request, {
    answer: (response) => toChatCompletion(response, completion, { includeReasoning, searchSources: deps.searchSources }),
    stream: () => new ChatStream(completion, { includeUsage, includeReasoning, searchSources: deps.searchSources }),
    upstreamError: fromGoogleError,
  });
}

async function completions(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const request = translateCompletionRequest(await readJson(ctx, deps), deps.resolveModel);
  const { model, requestedModel, bodies } = request;
  const completion: CompletionContext = { id: `cmpl-${newToken()}`, created: Math.floor(deps.now() / 1000), model: requestedModel, newToken };
  const [only] = bodies;
  if (only !== undefined && bodies.length === 1) {
    return generate(ctx, deps, { model, requestedModel, stream: request.stream, body: only.body }, {
      answer: (response) => toCompletion([response], request, completion),
      stream: () => new CompletionStream(request, completion),
      upstreamError: fromGoogleError,
    });
  }
  // Several prompts: one call each, one after another, like embeddings' batches.
  const responses: GenerateContentResponse[] = [];
  for (const { body } of bodies) {
    const call = { ...applyModelOptions(model, body, deps.generation), requestedModel, verb: 'generateContent' };
    const result = await callJson(ctx, deps, call, isGenerateContentResponse);
    if (result.kind === 'answer') return sendUpstreamError(ctx, result, fromGoogleError);
    responses.push(result.value as GenerateContentResponse);
  }
  sendJson(ctx.res, 200, toCompletion(responses, request, completion));
}

async function responses(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const request = translateResponsesRequest(await readJson(ctx, deps), deps.resolveModel, { fetchImageUrls: deps.imageFetcher !== undefined });
  const context: ResponsesContext = { id: `resp_${newToken()}`, createdAt: Math.floor(deps.now() / 1000), newToken };
  await generate(ctx, deps, request, {
    answer: (response) => toResponse(response, request, context, { searchSources: deps.searchSources }),
    stream: () => new ResponsesStream(request, context, { searchSources: deps.searchSources }),
    upstreamError: fromGoogleError,
  });
}

async function embeddings(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const request = translateEmbeddingsRequest(await readJson(ctx, deps), deps.resolveModel);
  const responses = await embedBatches(ctx, deps, request, fromGoogleError);
  if (responses !== undefined) sendJson(ctx.res, 200, toEmbeddingsResponse(responses, request));
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
  if (listed.kind === 'answer') return sendUpstreamError(ctx, listed, fromGoogleError);
  const all = toOpenAiModels(listed.models, deps.aliases);
  if (wanted === undefined) return sendJson(ctx.res, 200, { object: 'list', data: all });
  const model = all.find((item) => item.id === wanted);
  if (model === undefined) throw new ProxyError('GP_MODEL_NOT_FOUND', `The model \`${wanted}\` does not exist`, { param: 'model' });
  sendJson(ctx.res, 200, model);
}

/** Route matching runs for every request, so the full paths are built once here. */
const PATHS = {
  chat: new Set(PREFIXES.map((prefix) => `${prefix}/chat/completions`)),
  completions: new Set(PREFIXES.map((prefix) => `${prefix}/completions`)),
  responses: new Set(PREFIXES.map((prefix) => `${prefix}/responses`)),
  embeddings: new Set(PREFIXES.map((prefix) => `${prefix}/embeddings`)),
  models: new Set(PREFIXES.map((prefix) => `${prefix}/models`)),
};
const MODEL_PATH = /^(?:\/openai|\/hf)?\/v1\/models\/([^:]+)$/;

/**
 * `/v1/models/{id}` as OpenAI means it: an id without `:`. `POST /v1/models/x:generateContent`
 * is Gemini's and falls through to the Gemini routes.
 */
function modelId(pathname: string): string | undefined {
  return MODEL_PATH.exec(pathname)?.[1];
}

function openai(name: string, method: string, matches: Route['matches'], handle: Route['handle']): Route {
  return route({ name, protocol: 'openai', methods: [method], matches }, handle);
}

/**
 * `/v1/chat/completions`, `/v1/completions`, `/v1/responses`, `/v1/embeddings`, `/v1/images/*`,
 * `/v1/audio/speech`, `/v1/models[/{id}]`, and the same under `/openai` and `/hf`.
 */
export function openAiRoutes(deps: OpenAiRouteDeps): Route[] {
  return [
    // These paths are OpenAI's whatever the method (a wrong one gets OpenAI's 405).
    openai('openai-chat', 'POST', (_m, p) => PATHS.chat.has(p), (ctx) => chat(ctx, deps)),
    openai('openai-completions', 'POST', (_m, p) => PATHS.completions.has(p), (ctx) => completions(ctx, deps)),
    openai('openai-responses', 'POST', (_m, p) => PATHS.responses.has(p), (ctx) => responses(ctx, deps)),
    openai('openai-embeddings', 'POST', (_m, p) => PATHS.embeddings.has(p), (ctx) => embeddings(ctx, deps)),
    openai('openai-models', 'GET', (_m, p) => PATHS.models.has(p), (ctx) => models(ctx, deps, undefined)),
    // Only a GET of an id is OpenAI's: Gemini's `/v1/models/…:verb` calls must reach Gemini.
    openai('openai-model', 'GET', (m, p) => m === 'GET' && MODEL_PATH.test(p), (ctx) => models(ctx, deps, modelId(ctx.pathname))),
    ...imageRoutes(deps),
    ...speechRoutes(deps),
    // Anything else under `/openai/`, or under `/v1/` but outside Gemini's resource collections,
    // is an unknown OpenAI route, answered in OpenAI's shape.
    {
      name: 'openai-unknown', protocol: 'openai', auth: true,
      matches: (_m, p) => p.startsWith('/openai/') || p.startsWith('/hf/') || (p.startsWith('/v1/') && !isGeminiResourcePath(p)),
      handle: (ctx) => {
        throw new ProxyError('GP_NOT_FOUND', `no route for ${ctx.method} ${ctx.pathname}`);
      },
    },
  ];
}

/**
 * @module The Anthropic Messages API: `/v1/messages` (plain and streamed), `count_tokens`, and the
 * model list and models in Anthropic's shape, also under `/anthropic`; any other Anthropic path
 * is a 404 in Anthropic's envelope. Claude model names map to Gemini models (aliases first, then
 * the family table in protocols/anthropic/models.ts).
 */

import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from '../../errors.js';
import { fromGoogleError } from '../../protocols/anthropic/errors.js';
import { toAnthropicModels, withClaudeDefaults } from '../../protocols/anthropic/models.js';
import { toCountTokens, translateAnthropicRequest, translateCountTokens } from '../../protocols/anthropic/request.js';
import { toAnthropicMessage } from '../../protocols/anthropic/response.js';
import { AnthropicStream } from '../../protocols/anthropic/stream.js';
import type { MessageContext } from '../../protocols/anthropic/types.js';
import { isObject } from '../../protocols/shared/json.js';
import type { ModelResolver } from '../../protocols/shared/model-name.js';
import { modelVariant } from '../../protocols/shared/model-variants.js';
import type { RequestContext } from '../context.js';
import { callJson, generate, newToken, readJson, sendUpstreamError, type TranslatedRouteDeps } from '../pipeline.js';
import { sendJson } from '../respond.js';
import { route, type Route } from '../router.js';

export type AnthropicRouteDeps = TranslatedRouteDeps;

const PREFIXES = ['/v1', '/anthropic/v1'];
const paths = (suffix: string): ReadonlySet<string> => new Set(PREFIXES.map((prefix) => `${prefix}${suffix}`));
const MESSAGES = paths('/messages');
const COUNT_TOKENS = paths('/messages/count_tokens');
const MODELS = paths('/models');
const MODEL_PATH = /^(?:\/anthropic)?\/v1\/models\/([^/:]+)$/;
const PREFIX = '/anthropic/';

function underPrefix(pathname: string): boolean {
  return pathname.startsWith(PREFIX);
}

function hasVersion(headers: IncomingHttpHeaders): boolean {
  return headers['anthropic-version'] !== undefined;
}

/**
 * `/v1/models` is OpenAI's too: a request that carries `anthropic-version` (every Anthropic SDK
 * and Claude Code send it, whatever its date) is Anthropic's; under `/anthropic` always.
 */
function isAnthropic(pathname: string, headers: IncomingHttpHeaders): boolean {
  return underPrefix(pathname) || hasVersion(headers);
}

/**
 * `/v1/models/{id}`: under `/anthropic` every method is Anthropic's (a wrong one its 405); under
 * `/v1` only a GET carrying `anthropic-version`, so other requests keep reaching OpenAI's and
 * Gemini's routes as before.
 */
function isModelPath(method: string, pathname: string, headers: IncomingHttpHeaders): boolean {
  if (!MODEL_PATH.test(pathname)) return false;
  return underPrefix(pathname) || (method === 'GET' && hasVersion(headers));
}

/**
 * Paths no other Anthropic route serves: everything under `/anthropic/`, and `/v1/messages/…`
 * (batches, …) from an Anthropic client, which OpenAI's catch-all would answer in its shape.
 */
function isUnknownAnthropic(pathname: string, headers: IncomingHttpHeaders): boolean {
  return underPrefix(pathname) || pathname === '/anthropic' || (pathname.startsWith('/v1/messages/') && hasVersion(headers));
}

async function messages(ctx: RequestContext, deps: AnthropicRouteDeps, resolve: ModelResolver): Promise<void> {
  const request = translateAnthropicRequest(await readJson(ctx, deps), resolve, { fetchImageUrls: deps.imageFetcher !== undefined });
  const context: MessageContext = { id: `msg_${newToken()}`, newToken };
  await generate(ctx, deps, request, {
    answer: (response) => toAnthropicMessage(response, request, context),
    stream: () => new AnthropicStream(request, context),
    upstreamError: fromGoogleError,
  });
}

async function countTokens(ctx: RequestContext, deps: AnthropicRouteDeps, resolve: ModelResolver): Promise<void> {
  const request = translateCountTokens(await readJson(ctx, deps), resolve);
  // A `-search` or `-non-thinking` name counts as its model: the suffixes are the proxy's own.
  const result = await callJson(ctx, deps, { ...request, model: modelVariant(request.model).model, verb: 'countTokens' }, isObject);
  if (result.kind === 'answer') return sendUpstreamError(ctx, result, fromGoogleError);
  sendJson(ctx.res, 200, toCountTokens(result.value));
}

/** The id as the client percent-encoded it (the SDK encodes path parameters); undecodable is no model. */
function decodeModelId(id: string): string {
  try {
    return decodeURIComponent(id);
  } catch {
    throw new ProxyError('GP_MODEL_NOT_FOUND', 'the model id is not valid percent-encoding', { param: 'model' });
  }
}

/**
 * The list, or one model of it by id: an id the list holds (a listed Claude name, an alias, a
 * Gemini model), so what the list shows can be retrieved; any other id is a 404, as the real API
 * answers a model it does not have.
 */
async function models(ctx: RequestContext, deps: AnthropicRouteDeps, encodedId: string | undefined): Promise<void> {
  const id = encodedId === undefined ? undefined : decodeModelId(encodedId);
  const listed = await deps.catalog.list(ctx.signal, ctx.attempts);
  if (listed.kind === 'answer') return sendUpstreamError(ctx, listed, fromGoogleError);
  const list = toAnthropicModels(listed.models, deps.aliases);
  if (id === undefined) return sendJson(ctx.res, 200, list);
  const data: unknown = list['data'];
  const model = Array.isArray(data) ? data.find((item: unknown) => isObject(item) && item['id'] === id) : undefined;
  if (model === undefined) throw new ProxyError('GP_MODEL_NOT_FOUND', `model: ${id}`, { param: 'model' });
  sendJson(ctx.res, 200, model);
}

function anthropic(name: string, method: string, matches: Route['matches'], handle: Route['handle']): Route {
  return route({ name, protocol: 'anthropic', methods: [method], matches }, handle);
}

/** Matched ahead of OpenAI's and Gemini's routes, which share `/v1/…`. */
export function anthropicRoutes(deps: AnthropicRouteDeps): Route[] {
  const resolve = withClaudeDefaults(deps.resolveModel);
  return [
    anthropic('anthropic-messages', 'POST', (_m, p) => MESSAGES.has(p), (ctx) => messages(ctx, deps, resolve)),
    anthropic('anthropic-count-tokens', 'POST', (_m, p) => COUNT_TOKENS.has(p), (ctx) => countTokens(ctx, deps, resolve)),
    anthropic('anthropic-models', 'GET', (_m, p, h) => MODELS.has(p) && isAnthropic(p, h), (ctx) => models(ctx, deps, undefined)),
    anthropic('anthropic-model', 'GET', isModelPath, (ctx) => models(ctx, deps, MODEL_PATH.exec(ctx.pathname)?.[1])),
    // Last: only what the routes above do not serve, answered in Anthropic's envelope.
    {
      name: 'anthropic-unknown', protocol: 'anthropic', auth: true,
      matches: (_m, p, h) => isUnknownAnthropic(p, h),
      handle: (ctx) => {
        throw new ProxyError('GP_NOT_FOUND', `no route for ${ctx.method} ${ctx.pathname}`);
      },
    },
  ];
}

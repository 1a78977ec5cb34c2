/**
 * @module The Anthropic Messages API: `/v1/messages` (plain and streamed), `count_tokens`, and the
 * model list in Anthropic's shape, also under `/anthropic`. Claude model names map to Gemini
 * models (aliases first, then the family table in protocols/anthropic/models.ts).
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

/**
 * `/v1/models` is OpenAI's too: a request that carries `anthropic-version` (every Anthropic SDK
 * and Claude Code send it, whatever its date) is Anthropic's; under `/anthropic` always.
 */
function isAnthropic(pathname: string, headers: IncomingHttpHeaders): boolean {
  return pathname.startsWith('/anthropic/') || headers['anthropic-version'] !== undefined;
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
  const result = await callJson(ctx, deps, { ...request, verb: 'countTokens' }, isObject);
  if (result.kind === 'answer') return sendUpstreamError(ctx, result, fromGoogleError);
  sendJson(ctx.res, 200, toCountTokens(result.value));
}

async function models(ctx: RequestContext, deps: AnthropicRouteDeps, id: string | undefined): Promise<void> {
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
    anthropic('anthropic-model', 'GET', (m, p, h) => m === 'GET' && MODEL_PATH.test(p) && isAnthropic(p, h),
      (ctx) => models(ctx, deps, MODEL_PATH.exec(ctx.pathname)?.[1])),
  ];
}

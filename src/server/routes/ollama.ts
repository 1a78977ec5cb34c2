/**
 * @module The Ollama-compatible API: chat and generate (NDJSON streams by default), embeddings,
 * the model list in Ollama's shapes, and the probes clients send to detect a server. Models live
 * upstream, so the routes that manage local models answer a clear error. Chat remembers the
 * thought signatures of the tool calls it answers, for clients that drop the ids carrying them.
 */

import { ProxyError } from '../../errors.js';
import { translateOllamaChat, translateOllamaGenerate } from '../../protocols/ollama/request.js';
import { loadAnswer, toOllamaAnswer, type OllamaAnswerContext } from '../../protocols/ollama/answer.js';
import { translateOllamaEmbed, translateOllamaEmbeddings, toOllamaEmbed } from '../../protocols/ollama/embed.js';
import { fromGoogleError } from '../../protocols/ollama/errors.js';
import { findOllamaModel, OLLAMA_VERSION, toOllamaPs, toOllamaShow, toOllamaTags } from '../../protocols/ollama/models.js';
import type { OllamaRequest, SignatureRecorder } from '../../protocols/ollama/types.js';
import { OllamaStream } from '../../protocols/ollama/stream.js';
import type { Model } from '../../protocols/gemini/types.js';
import { readString } from '../../protocols/shared/read.js';
import type { RequestContext } from '../context.js';
import { embedBatches, generate, newToken, readJson, sendUpstreamError, type TranslatedRouteDeps } from '../pipeline.js';
import { sendBody, sendJson } from '../respond.js';
import { path, route, type Route } from '../router.js';
import { SignatureMemo } from '../signature-memo.js';

export type OllamaRouteDeps = TranslatedRouteDeps;

/** Ollama's routes for managing local models: here the models live upstream. */
const MANAGEMENT = new Set(['/api/pull', '/api/push', '/api/create', '/api/copy', '/api/delete']);

function answerContext(ctx: RequestContext, deps: OllamaRouteDeps): OllamaAnswerContext {
  return { startedAt: ctx.startedAt, now: deps.now, newToken };
}

async function answer(ctx: RequestContext, deps: OllamaRouteDeps, request: OllamaRequest, remember?: SignatureRecorder): Promise<void> {
  const context = { ...answerContext(ctx, deps), remember };
  // Nothing to generate: Ollama loads (or unloads) the model and says so at once.
  if (request.body === undefined) return sendJson(ctx.res, 200, loadAnswer(request, context));
  await generate(ctx, deps, { model: request.model, requestedModel: request.requestedModel, stream: request.stream, body: request.body }, {
    answer: (response) => toOllamaAnswer(response, request, context, { searchSources: deps.searchSources }),
    stream: () => new OllamaStream(request, context, { searchSources: deps.searchSources }),
    upstreamError: fromGoogleError,
  });
}

/** A chat: its tool calls find the signatures the memo kept, and its answer's are kept. */
async function chat(ctx: RequestContext, deps: OllamaRouteDeps, signatures: SignatureMemo): Promise<void> {
  const json = await readJson(ctx, deps);
  const hooks = signatures.hooks();
  await answer(ctx, deps, translateOllamaChat(json, deps.resolveModel, hooks.signatureFor), hooks.remember);
}

async function embed(ctx: RequestContext, deps: OllamaRouteDeps, legacy: boolean): Promise<void> {
  const json = await readJson(ctx, deps);
  const request = legacy ? translateOllamaEmbeddings(json, deps.resolveModel) : translateOllamaEmbed(json, deps.resolveModel);
  const responses = await embedBatches(ctx, deps, request, fromGoogleError);
  if (responses !== undefined) sendJson(ctx.res, 200, toOllamaEmbed(responses, request, answerContext(ctx, deps)));
}

/** The upstream's models, or undefined once Google's error answer has gone to the client. */
async function models(ctx: RequestContext, deps: OllamaRouteDeps): Promise<readonly Model[] | undefined> {
  const listed = await deps.catalog.list(ctx.signal, ctx.attempts);
  if (listed.kind === 'models') return listed.models;
  sendUpstreamError(ctx, listed, fromGoogleError);
  return undefined;
}

async function show(ctx: RequestContext, deps: OllamaRouteDeps): Promise<void> {
  const json = await readJson(ctx, deps);
  // `name` is the field's older spelling, still sent by some clients.
  const name = readString(json['model'], 'model') || readString(json['name'], 'name');
  if (!name) throw new ProxyError('GP_BAD_REQUEST', 'model is required', { param: 'model' });
  const listed = await models(ctx, deps);
  if (listed === undefined) return;
  const found = findOllamaModel(listed, deps.aliases, name);
  if (found === undefined) throw new ProxyError('GP_MODEL_NOT_FOUND', `model '${name}' not found`, { param: 'model' });
  sendJson(ctx.res, 200, toOllamaShow(found, deps.now()));
}

async function list(ctx: RequestContext, deps: OllamaRouteDeps, shape: typeof toOllamaTags): Promise<void> {
  const listed = await models(ctx, deps);
  if (listed !== undefined) sendJson(ctx.res, 200, shape(listed, deps.aliases, deps.now()));
}

/** Ollama's paths are Ollama's whatever the method: a wrong one gets Ollama's 405. */
function ollama(name: string, methods: readonly string[], pathname: string, auth: boolean, handle: Route['handle']): Route {
  return route({ name, protocol: 'ollama', methods, matches: path(pathname), auth }, handle);
}

const GET = ['GET', 'HEAD'];
const POST = ['POST'];

/** `/api/…` and the `GET /` probe. */
export function ollamaRoutes(deps: OllamaRouteDeps): Route[] {
  const signatures = new SignatureMemo(deps.now);
  return [
    // Clients probe `/` to detect a server, before they send any credential.
    ollama('ollama-root', GET, '/', false, (ctx) => sendBody(ctx.res, 200, { 'content-type': 'text/plain; charset=utf-8' }, 'Ollama is running')),
    ollama('ollama-chat', POST, '/api/chat', true, (ctx) => chat(ctx, deps, signatures)),
    ollama('ollama-generate', POST, '/api/generate', true, async (ctx) => answer(ctx, deps, translateOllamaGenerate(await readJson(ctx, deps), deps.resolveModel))),
    ollama('ollama-embed', POST, '/api/embed', true, (ctx) => embed(ctx, deps, false)),
    ollama('ollama-embeddings', POST, '/api/embeddings', true, (ctx) => embed(ctx, deps, true)),
    ollama('ollama-tags', GET, '/api/tags', true, (ctx) => list(ctx, deps, toOllamaTags)),
    ollama('ollama-ps', GET, '/api/ps', true, (ctx) => list(ctx, deps, toOllamaPs)),
    ollama('ollama-show', POST, '/api/show', true, (ctx) => show(ctx, deps)),
    ollama('ollama-version', GET, '/api/version', true, (ctx) => sendJson(ctx.res, 200, { version: OLLAMA_VERSION })),
    {
      name: 'ollama-other', protocol: 'ollama', auth: true,
      matches: (_method, pathname) => pathname.startsWith('/api/'),
      handle: (ctx) => {
        if (MANAGEMENT.has(ctx.pathname) || ctx.pathname.startsWith('/api/blobs/')) throw new ProxyError('GP_MODEL_MANAGEMENT');
        throw new ProxyError('GP_NOT_FOUND', `no route for ${ctx.method} ${ctx.pathname}`);
      },
    },
  ];
}

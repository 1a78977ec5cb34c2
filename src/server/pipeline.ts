/**
 * @module The translated-route pipeline, once for every protocol that is not Gemini's own: read
 * and parse the body, fetch image links, dispatch with a pool key, then write the translated
 * answer or relay the translated stream. A protocol's route supplies only its pure parts: the
 * request it translated, how to render an answer, a stream and Google's errors.
 */

import { randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { isBatchEmbedContentsResponse, isGenerateContentResponse } from '../protocols/gemini/answers.js';
import { parseGoogleError, type GoogleError } from '../protocols/gemini/google-error.js';
import { quotaScope } from '../protocols/gemini/paths.js';
import type {
  BatchEmbedContentsResponse, EmbedContentRequest, GenerateContentRequest, GenerateContentResponse,
} from '../protocols/gemini/types.js';
import type { ImageLink } from '../protocols/shared/media.js';
import { applyModelOptions, type GenerationDefaults } from '../protocols/shared/model-variants.js';
import { parseJsonObject, type Json } from '../protocols/shared/read.js';
import type { StreamTranslation } from '../protocols/shared/stream.js';
import type { UpstreamRequest } from '../upstream/attempt.js';
import type { Dispatcher, JsonResult, UpstreamAnswer } from '../upstream/dispatch.js';
import { addUsage } from '../upstream/usage-tail.js';
import { heldBody, sayingAnswer, sseStartHold } from './answer-checks.js';
import { holdMore, readBody } from './body.js';
import type { RequestContext } from './context.js';
import type { ImageFetcher } from './image-fetch.js';
import type { ModelCatalog } from './model-catalog.js';
import type { ModelResolver } from '../protocols/shared/model-name.js';
import { fetchImageLinks } from './image-links.js';
import { sendBody, sendJson, statusFor } from './respond.js';
import { relayTranslated } from './translated-stream.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

export interface PipelineDeps {
  readonly dispatcher: Dispatcher;
  readonly maxBodyBytes: number;
  /** Present when `--fetch-image-urls` is on. */
  readonly imageFetcher: ImageFetcher | undefined;
  /** Removes every known secret from text that came from upstream (stream error frames). */
  readonly scrub: (text: string) => string;
  /**
   * How often a silent translated stream gets a keep-alive frame, and the longest its headers
   * wait for its first content; 0: never, and headers at once.
   */
  readonly keepaliveMs: number;
  /** What a translated generation gets when it names none (safety settings, thinking budgets). */
  readonly generation: GenerationDefaults;
}

/** What the translated routes that also list models take: the pipeline, the catalogue, names. */
export interface TranslatedRouteDeps extends PipelineDeps {
  readonly catalog: ModelCatalog;
  readonly aliases: Readonly<Record<string, string>>;
  readonly resolveModel: ModelResolver;
  readonly now: () => number;
  /** `--search-sources`: a grounded answer's text ends with its list of sources. */
  readonly searchSources: boolean;
}

/** Google's error answer (its parsed error, when it sent one) as a body in the protocol's shape. */
export type UpstreamErrorRenderer = (status: number, error: GoogleError | undefined, fallback: string) => unknown;

/** A translated generation, ready to send. */
export interface GenerateCall {
  /** The Gemini model id. */
  readonly model: string;
  /** The model as the client named it, for the log line. */
  readonly requestedModel?: string;
  readonly stream: boolean;
  readonly body: GenerateContentRequest;
  /** Image links to fetch into their parts first (only when fetching is on). */
  readonly imageLinks?: readonly ImageLink[];
}

/** A protocol's pure parts for one generation. */
export interface GenerateParts {
  /** The whole answer, in the protocol's shape. */
  answer(response: GenerateContentResponse): unknown;
  /** The streamed answer, in the protocol's framing. */
  stream(): StreamTranslation;
  readonly upstreamError: UpstreamErrorRenderer;
}

/**
 * Random bytes drawn 4 KiB at a time for the ids below: one draw per token was about 1 % of a
 * translated stream's CPU in a profile (npm run bench, scenario 3).
 */
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** A fresh random token for the ids of answers and tool calls. */
export function newToken(): string {
  if (randomOffset + 12 > randomPool.length) {
    randomPool = randomBytes(4096);
    randomOffset = 0;
  }
  randomOffset += 12;
  return randomPool.toString('base64url', randomOffset - 12, randomOffset);
}

/** The request body as a JSON object: within the size limit and budget, or a 4xx. */
export async function readJson(ctx: RequestContext, deps: PipelineDeps): Promise<Json> {
  const raw = await readBody(ctx, deps.maxBodyBytes);
  ctx.bytesIn = raw.length;
  return parseJsonObject(raw);
}

/** Google's error answer in the protocol's shape, with Google's status and `Retry-After`. */
export function sendUpstreamError(ctx: RequestContext, answer: UpstreamAnswer, render: UpstreamErrorRenderer): void {
  const googleError = parseGoogleError(answer.body.toString('utf8'));
  const body = render(answer.status, googleError, `upstream answered ${answer.status}`);
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/json; charset=utf-8' };
  // The proxy already tried its keys and relays; the SDK's own retries would only repeat that.
  if (answer.status >= 500) headers['x-should-retry'] = 'false';
  const retryAfter = answer.headers['retry-after'];
  if (typeof retryAfter === 'string') headers['retry-after'] = retryAfter;
  sendBody(ctx.res, statusFor(ctx.protocol, answer.status, googleError?.status), headers, JSON.stringify(body));
}

/** One Gemini call: the model, the verb after `:`, the body; and the model as the client named it. */
export interface ModelCall {
  readonly model: string;
  readonly requestedModel?: string;
  readonly verb: string;
  readonly body: unknown;
}

/** The Gemini request, its body counted against the body budget with the client's. */
function upstreamRequest(ctx: RequestContext, { model, requestedModel, verb, body }: ModelCall): UpstreamRequest & { expect?: undefined } {
  ctx.model = model;
  ctx.requestedModel = requestedModel ?? '';
  const bytes = Buffer.from(JSON.stringify(body));
  holdMore(ctx, bytes.length);
  const path = `/v1beta/models/${model}:${verb}`;
  const scope = quotaScope(model, verb.split('?')[0] ?? verb);
  return { method: 'POST', path, headers: JSON_HEADERS, body: bytes, scope, clientPath: false };
}

/** A stream the client gets: committed, its start held as long as the hold allowed. */
type Stream = { readonly kind: 'stream'; readonly body: AsyncIterable<Buffer> };

/**
 * A non-streamed call: the answer is read and checked inside the retry loop, within the budget.
 * A generateContent answer must also say something, whichever route asked: an empty one fails
 * the attempt (the policy's `empty-answer` row) and the next key is tried.
 */
export async function callJson(
  ctx: RequestContext, deps: PipelineDeps, call: ModelCall, shape: (value: unknown) => boolean,
): Promise<JsonResult | UpstreamAnswer> {
  const expect = call.verb === 'generateContent' ? sayingAnswer(shape) : shape;
  const request = { ...upstreamRequest(ctx, call), expect, ...(ctx.bodyHold && { budget: ctx.bodyHold }) };
  const result = await deps.dispatcher.send(request, ctx.client, ctx.attempts);
  if (result.kind === 'json') ctx.usage = addUsage(ctx.usage, result.value);
  return result;
}

/**
 * A streamed call: the headers wait for the first event with content (at most the keep-alive
 * interval), so an empty or failed start still goes to another key; then the body is passed
 * on as it arrives.
 */
async function callStream(ctx: RequestContext, deps: PipelineDeps, call: GenerateCall): Promise<Stream | UpstreamAnswer> {
  const request = upstreamRequest(ctx, { model: call.model, requestedModel: call.requestedModel, verb: 'streamGenerateContent?alt=sse', body: call.body });
  const hold = sseStartHold(deps.keepaliveMs);
  const result = hold === undefined
    ? await deps.dispatcher.send(request, ctx.client, ctx.attempts)
    : await deps.dispatcher.send({ ...request, expect: hold }, ctx.client, ctx.attempts);
  if (result.kind === 'answer') return result;
  return { kind: 'stream', body: result.kind === 'json' ? heldBody(result) : result.body };
}

/** Sends a translated generation and answers the client, whole or streamed. */
export async function generate(ctx: RequestContext, deps: PipelineDeps, translated: GenerateCall, parts: GenerateParts): Promise<void> {
  const call = { ...translated, ...applyModelOptions(translated.model, translated.body, deps.generation) };
  if (deps.imageFetcher && call.imageLinks && call.imageLinks.length > 0) {
    await fetchImageLinks(ctx, call.imageLinks, deps.imageFetcher, deps.maxBodyBytes);
  }
  if (call.stream) {
    const result = await callStream(ctx, deps, call);
    if (result.kind === 'answer') return sendUpstreamError(ctx, result, parts.upstreamError);
    return relayTranslated(ctx, result.body, parts.stream(), deps);
  }
  const result = await callJson(ctx, deps, { model: call.model, requestedModel: call.requestedModel, verb: 'generateContent', body: call.body }, isGenerateContentResponse);
  if (result.kind === 'answer') return sendUpstreamError(ctx, result, parts.upstreamError);
  sendJson(ctx.res, 200, parts.answer(result.value as GenerateContentResponse));
}

/**
 * Embeds batch after batch (a large document uses the keys in turn, not all at once). The
 * answers in order, or undefined once Google's error answer has been sent to the client.
 */
export async function embedBatches(
  ctx: RequestContext,
  deps: PipelineDeps,
  call: { model: string; requestedModel?: string; batches: readonly { requests: EmbedContentRequest[] }[] },
  render: UpstreamErrorRenderer,
): Promise<BatchEmbedContentsResponse[] | undefined> {
  const responses: BatchEmbedContentsResponse[] = [];
  for (const batch of call.batches) {
    const expect = (value: unknown): boolean => isBatchEmbedContentsResponse(value, batch.requests.length);
    const result = await callJson(ctx, deps, { model: call.model, requestedModel: call.requestedModel, verb: 'batchEmbedContents', body: batch }, expect);
    if (result.kind === 'answer') {
      sendUpstreamError(ctx, result, render);
      return undefined;
    }
    responses.push(result.value as BatchEmbedContentsResponse);
  }
  return responses;
}

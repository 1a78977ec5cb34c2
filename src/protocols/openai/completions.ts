/**
 * @module The legacy `POST /v1/completions` (code-completion tools still use it): a prompt in,
 * text out, as Gemini generations. Sampling parameters are the chat path's. Pure.
 *
 * A list of prompts is answered one choice per prompt (one Gemini call each, in order); a stream
 * takes one prompt. `suffix` (fill-in-the-middle) is a 400: Gemini cannot do it. `echo` puts the
 * prompt before the answer, as OpenAI does.
 */

import { candidatesOf, firstCandidate, partsOf, promptBlocked, readPart } from '../gemini/answer-parts.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../gemini/types.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { badRequest, readBoolean, readString, type Json } from '../shared/read.js';
import { sseEvent, type StreamFailure, type StreamTranslation } from '../shared/stream.js';
import { errorEvent, KEEP_ALIVE_COMMENT } from './errors.js';
import { generationConfig } from './params.js';
import { mapFinishReason, toUsage } from './response.js';
import type { ChatUsage, CompletionContext, FinishReason } from './types.js';

export interface CompletionRequest {
  readonly model: string;
  readonly requestedModel: string;
  readonly stream: boolean;
  readonly echo: boolean;
  /** One Gemini body per prompt, in order. */
  readonly bodies: readonly { readonly prompt: string; readonly body: GenerateContentRequest }[];
}

export interface CompletionChoice {
  text: string;
  index: number;
  logprobs: null;
  finish_reason: FinishReason | null;
}

/** At most this many prompts in one request: each is one upstream call. */
export const MAX_PROMPTS = 16;

function prompts(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    throw badRequest('prompt', 'prompt must be a non-empty string or a non-empty array of them (token arrays are not supported)');
  }
  if (list.length > MAX_PROMPTS) throw badRequest('prompt', `prompt may hold at most ${MAX_PROMPTS} strings`);
  return list as string[];
}

export function translateCompletionRequest(body: Json, resolve: ModelResolver): CompletionRequest {
  const { model, requested } = resolveModelName(body['model'], resolve);
  if (readString(body['suffix'], 'suffix')) {
    throw badRequest('suffix', 'suffix is not supported: Gemini has no fill-in-the-middle completion');
  }
  const texts = prompts(body['prompt']);
  const stream = readBoolean(body['stream'], 'stream') ?? false;
  if (stream && texts.length > 1) throw badRequest('prompt', 'a streamed completion takes one prompt');
  const config = generationConfig(body, model);
  // One choice per prompt: several candidates per prompt would need choices numbered across both.
  if ((config.candidateCount ?? 1) > 1) throw badRequest('n', 'n must be 1 on completions; send the prompt several times instead');
  return {
    model,
    requestedModel: requested,
    stream,
    echo: readBoolean(body['echo'], 'echo') ?? false,
    bodies: texts.map((prompt) => ({
      prompt,
      body: {
        contents: [{ role: 'user', parts: [{ text: prompt }] }],
        ...(Object.keys(config).length > 0 && { generationConfig: config }),
      },
    })),
  };
}

/** The finish reason of a response: a blocked prompt is filtered content, as on the chat path. */
function finishOf(response: GenerateContentResponse): FinishReason | undefined {
  if (candidatesOf(response).length === 0 && promptBlocked(response)) return 'content_filter';
  const reason = firstCandidate(response)?.finishReason;
  return typeof reason === 'string' ? mapFinishReason(reason, false) : undefined;
}

/** The text parts of candidate 0, thoughts left out. */
function answerText(response: GenerateContentResponse): string {
  const candidate = firstCandidate(response);
  let text = '';
  for (const part of candidate === undefined ? [] : partsOf(candidate)) {
    const read = readPart(part);
    if (read?.kind === 'text') text += read.text;
  }
  return text;
}

function sumUsage(usages: readonly ChatUsage[]): Pick<ChatUsage, 'prompt_tokens' | 'completion_tokens' | 'total_tokens'> {
  const sum = (name: 'prompt_tokens' | 'completion_tokens'): number => usages.reduce((total, usage) => total + usage[name], 0);
  const prompt = sum('prompt_tokens');
  const completion = sum('completion_tokens');
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The whole `text_completion`: one choice per prompt, in order, usage summed. */
export function toCompletion(responses: readonly GenerateContentResponse[], request: CompletionRequest, ctx: CompletionContext): Json {
  const choices: CompletionChoice[] = responses.map((response, index) => ({
    text: (request.echo ? request.bodies[index]?.prompt ?? '' : '') + answerText(response),
    index,
    logprobs: null,
    finish_reason: finishOf(response) ?? 'stop',
  }));
  return {
    id: ctx.id, object: 'text_completion', created: ctx.created, model: ctx.model, choices,
    usage: sumUsage(responses.map((response) => toUsage(response.usageMetadata))),
  };
}

/** A streamed completion: `text_completion` chunks as SSE, then `data: [DONE]`. */
export class CompletionStream implements StreamTranslation {
  readonly contentType = 'text/event-stream; charset=utf-8';
  readonly #ctx: CompletionContext;
  #echo: string;
  #finish: FinishReason | undefined;

  constructor(request: CompletionRequest, ctx: CompletionContext) {
    this.#ctx = ctx;
    this.#echo = request.echo ? request.bodies[0]?.prompt ?? '' : '';
  }

  get truncated(): boolean {
    return this.#finish === undefined;
  }

  push(response: GenerateContentResponse): string {
    if (this.#finish !== undefined) return '';
    const text = this.#echo + answerText(response);
    this.#echo = '';
    this.#finish = finishOf(response);
    return text === '' ? '' : this.#chunk(text, null);
  }

  finish(): string {
    return `${this.#chunk('', this.#finish ?? 'stop')}data: [DONE]\n\n`;
  }

  fail(failure: StreamFailure): string {
    return errorEvent(failure);
  }

  keepAlive(): string {
    return KEEP_ALIVE_COMMENT;
  }

  #chunk(text: string, finishReason: FinishReason | null): string {
    const { id, created, model } = this.#ctx;
    const choice: CompletionChoice = { text, index: 0, logprobs: null, finish_reason: finishReason };
    return sseEvent({ id, object: 'text_completion', created, model, choices: [choice] });
  }
}

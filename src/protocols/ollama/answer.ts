/**
 * @module A Gemini answer → Ollama's `/api/chat` or `/api/generate` answer (wire-formats §3.2,
 * §3.3, §4.1), and the pieces the stream shares. Only candidate 0 is read: Ollama answers one
 * completion. Gemini's finish reasons all map to `stop` except MAX_TOKENS (`length`); Ollama has
 * no other, and ends tool calls with `stop` too. A tool call's id carries its thought signature
 * (clients echo the message back), and the server is told of it too (`remember`), for clients
 * that drop the id. Total: whatever the upstream sent, nothing here throws.
 *
 * An image part (an image model's answer) is the chat message's `images` entry, bare base64 as
 * Ollama's images are; `/api/generate` has one `image` field (Ollama's own image generation
 * answers there), which takes the first image of the answer (of each line, streamed). With
 * `searchSources` a grounded answer's content ends with its sources as a Markdown list.
 */

import { firstCandidate, groundingOf, partsOf, readImage, readPart } from '../gemini/answer-parts.js';
import type { Candidate, GenerateContentResponse } from '../gemini/types.js';
import { bareBase64 } from '../shared/answer-images.js';
import { renderSources, sourcesOf, type SourcesOption } from '../shared/grounding.js';
import { isObject, type Json } from '../shared/json.js';
import { encodeToolCallId } from '../shared/signature.js';
import { metrics } from './metrics.js';
import type { OllamaAnswerContext, OllamaMessage, OllamaRequest, OllamaToolCall } from './types.js';

export type { OllamaAnswerContext } from './types.js';

/** What a piece of an answer says: text, thoughts (when asked for), tool calls (chat only), images (bare base64). */
export interface Delta {
  readonly content: string;
  readonly thinking: string;
  readonly toolCalls: readonly OllamaToolCall[];
  readonly images: readonly string[];
}

export const EMPTY_DELTA: Delta = { content: '', thinking: '', toolCalls: [], images: [] };

/** Ollama's done_reason for Gemini's finish reason. */
export function doneReasonFor(finishReason: unknown): 'stop' | 'length' {
  return finishReason === 'MAX_TOKENS' ? 'length' : 'stop';
}

/** The delta of a candidate's parts; tool calls are numbered from `firstIndex`. */
export function readDelta(parts: readonly unknown[], request: OllamaRequest, ctx: OllamaAnswerContext, firstIndex: number): Delta {
  const content: string[] = [];
  const thinking: string[] = [];
  const toolCalls: OllamaToolCall[] = [];
  const images: string[] = [];
  for (const part of parts) {
    const image = readImage(part);
    if (image !== undefined) images.push(bareBase64(image));
    const read = readPart(part);
    if (read?.kind === 'text') content.push(read.text);
    else if (read?.kind === 'thought' && request.includeThinking) thinking.push(read.text);
    else if (read?.kind === 'call' && request.kind === 'chat') {
      const { name, args } = read.part.functionCall;
      const signature = read.part.thoughtSignature;
      const call = { name, arguments: args ?? {} };
      // Keyed as the call will come back: after this request's contents, with the arguments sent.
      if (signature && request.body) {
        ctx.remember?.({ model: request.model, contentsBefore: request.body.contents, name, args: call.arguments }, signature);
      }
      toolCalls.push({ id: encodeToolCallId(ctx.newToken(), signature), function: { index: firstIndex + toolCalls.length, ...call } });
    }
  }
  return { content: content.join(''), thinking: thinking.join(''), toolCalls, images };
}

export function isEmpty(delta: Delta): boolean {
  return delta.content === '' && delta.thinking === '' && delta.toolCalls.length === 0 && delta.images.length === 0;
}

/** The sources of the candidate's grounding as `searchSources` renders them; '' when off or ungrounded. */
export function sourcesText(grounding: readonly unknown[], options: SourcesOption): string {
  return options.searchSources && grounding.length > 0 ? renderSources(sourcesOf(grounding)) : '';
}

/** The candidate's grounding metadata, as a list (none, or one). */
export function groundingList(candidate: Candidate | undefined): unknown[] {
  const metadata = candidate === undefined ? undefined : groundingOf(candidate);
  return metadata === undefined ? [] : [metadata];
}

/** `model` and `created_at`, first in every answer object. */
export function stamp(request: OllamaRequest, now: number): Json {
  return { model: request.requestedModel, created_at: new Date(now).toISOString() };
}

/** The delta as the request's kind writes it: `message` for chat, `response` for generate. */
export function deltaFields(request: OllamaRequest, delta: Delta): Json {
  const thinking = delta.thinking === '' ? {} : { thinking: delta.thinking };
  const [image] = delta.images;
  if (request.kind === 'generate') return { response: delta.content, ...thinking, ...(image !== undefined && { image }) };
  const message: OllamaMessage = { role: 'assistant', content: delta.content, ...thinking };
  if (delta.toolCalls.length > 0) message.tool_calls = [...delta.toolCalls];
  if (delta.images.length > 0) message.images = [...delta.images];
  return { message };
}

/** The whole (non-streamed) answer. */
export function toOllamaAnswer(
  response: GenerateContentResponse,
  request: OllamaRequest,
  ctx: OllamaAnswerContext,
  options: SourcesOption = {},
): Json {
  const candidate = firstCandidate(response);
  const delta = readDelta(candidate === undefined ? [] : partsOf(candidate), request, ctx, 0);
  const sources = sourcesText(groundingList(candidate), options);
  const now = ctx.now();
  return {
    ...stamp(request, now),
    ...deltaFields(request, { ...delta, content: delta.content + sources }),
    done: true,
    done_reason: doneReasonFor(candidate?.finishReason),
    ...metrics(isObject(response) ? response.usageMetadata : undefined, { startedAt: ctx.startedAt, firstChunkAt: undefined, endedAt: now }),
  };
}

/**
 * The immediate answer to a request with nothing to generate: Ollama's model (un)load. It has no
 * metrics, as Ollama's own has none.
 */
export function loadAnswer(request: OllamaRequest, ctx: OllamaAnswerContext): Json {
  return { ...stamp(request, ctx.now()), ...deltaFields(request, EMPTY_DELTA), done: true, done_reason: request.doneReason ?? 'load' };
}

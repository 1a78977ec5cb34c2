/**
 * @module An OpenAI chat completion request → the Gemini request to send, validated first so
 * a malformed request is a 400 before any key is used. Pure.
 *
 * `web_search_options` (an object; `{}` will do) turns on Grounding with Google Search: Gemini's
 * `googleSearch` tool. Its `user_location` and `search_context_size` have no Gemini equivalent
 * and are ignored. Beside function tools the search is dropped and the functions are declared:
 * generateContent refuses Google Search next to function declarations, as the Responses and
 * Anthropic translators decide too (responses/tools.ts, anthropic/tools.ts).
 */

import type { GenerateContentRequest, Tool } from '../gemini/types.js';
import type { ImageLink } from '../shared/media.js';
import { translateMessages } from './messages.js';
import { generationConfig, toolConfig, tools } from './params.js';
import { readBoolean, readObject, type Json } from '../shared/read.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { SchemaBudget } from '../shared/schema-budget.js';

/**
 * Fields accepted and knowingly ignored: Gemini has no equivalent. Everything else the proxy
 * does not map is ignored too (SDKs merge `extra_body` fields into the body), but never
 * forwarded: the Gemini request is built field by field.
 */
export const IGNORED_FIELDS = [
  'parallel_tool_calls', 'user', 'metadata', 'store', 'service_tier', 'logit_bias', 'prediction',
  'modalities', 'audio', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention',
  'verbosity', 'logprobs', 'top_logprobs',
] as const;

export interface ChatRequest {
  /** The Gemini model id (no `models/` prefix). */
  readonly model: string;
  /** The model name as the client gave it, echoed in responses. */
  readonly requestedModel: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly includeReasoning: boolean;
  readonly body: GenerateContentRequest;
  /** Image links to fetch into their parts before sending (only when fetching is on). */
  readonly imageLinks: readonly ImageLink[];
}

export interface ChatOptions {
  /** Accept http(s) image links (the caller fetches them); otherwise they are a 400. */
  readonly fetchImageUrls?: boolean;
}

/** The request's Gemini tools: its functions, or else Google Search when `web_search_options` asks for it. */
function requestTools(body: Json, functionTools: Tool[] | undefined): Tool[] | undefined {
  const search = readObject(body['web_search_options'], 'web_search_options') !== undefined;
  if (functionTools !== undefined || !search) return functionTools;
  return [{ googleSearch: {} }];
}

export function translateChatRequest(body: Json, resolve: ModelResolver, options: ChatOptions = {}): ChatRequest {
  const { model, requested } = resolveModelName(body['model'], resolve);
  const imageLinks: ImageLink[] = [];
  const messages = translateMessages(body['messages'], options.fetchImageUrls ? { imageLinks } : {});
  const stream = readBoolean(body['stream'], 'stream') ?? false;
  const streamOptions = readObject(body['stream_options'], 'stream_options');
  // One budget for every schema of the request: their output together is bounded.
  const schemaBudget = new SchemaBudget();
  const config = generationConfig(body, model, schemaBudget);
  const functionTools = tools(body, schemaBudget);
  const choice = toolConfig(body, functionTools);
  const geminiTools = requestTools(body, functionTools);
  return {
    model,
    requestedModel: requested,
    stream,
    includeUsage: stream && readBoolean(streamOptions?.['include_usage'], 'stream_options.include_usage') === true,
    includeReasoning: config.thinkingConfig?.includeThoughts === true,
    body: {
      ...messages,
      ...(geminiTools && { tools: geminiTools }),
      ...(choice && { toolConfig: choice }),
      ...(Object.keys(config).length > 0 && { generationConfig: config }),
    },
    imageLinks,
  };
}

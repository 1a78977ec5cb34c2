/**
 * @module An Anthropic Messages request (`POST /v1/messages`, and `/v1/messages/count_tokens`)
 * → the Gemini request to send, validated first so a malformed request is a 400 before any key
 * is used (wire-formats-2 §1.2, §1.7). Pure.
 */

import type { Content, GenerateContentRequest } from '../gemini/types.js';
import type { ImageLink } from '../shared/media.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { isObject, readBoolean, type Json } from '../shared/read.js';
import { SchemaBudget } from '../shared/schema-budget.js';
import { translateMessages } from './messages.js';
import { withClaudeDefaults } from './models.js';
import { generationConfig } from './params.js';
import { toolConfig, translateTools } from './tools.js';
import type { AnthropicRequest } from './types.js';
import type { Tool } from '../gemini/types.js';

/**
 * Fields accepted and knowingly ignored: Gemini has no equivalent, or (beta headers, caching)
 * the proxy consumes them. Nested ones are written as paths. Everything else the proxy does not
 * map is ignored too, never forwarded: the Gemini request is built field by field. Claude Code
 * sends `metadata`, `context_management` and `cache_control` on every request.
 */
export const IGNORED_FIELDS = [
  'metadata', 'context_management', 'service_tier', 'container', 'mcp_servers', 'inference_geo', 'cache_control',
  'output_config (all but effort and format)', 'tool_choice.disable_parallel_tool_use',
  'system[].cache_control', 'messages[].content[].cache_control', 'messages[].content[].citations',
  'document.title', 'document.context', 'document.citations',
  'tools[].cache_control', 'tools[].defer_loading', 'tools[].strict', 'tools[].input_examples', 'tools[].eager_input_streaming',
] as const;

export interface AnthropicOptions {
  /** Accept http(s) image links (the caller fetches them); otherwise they are a 400. */
  readonly fetchImageUrls?: boolean;
}

interface Prompt {
  readonly model: string;
  readonly requested: string;
  readonly messages: { contents: Content[]; systemInstruction?: Content };
  readonly tools: Tool[] | undefined;
  readonly schemaBudget: SchemaBudget;
}

/** The model, the conversation and the tools: what both a generation and a count read. */
function readPrompt(body: Json, resolve: ModelResolver, imageLinks: ImageLink[] | undefined): Prompt {
  const { model, requested } = resolveModelName(body['model'], withClaudeDefaults(resolve));
  const messages = translateMessages(body, imageLinks === undefined ? {} : { imageLinks });
  // One budget for every schema of the request: their output together is bounded.
  const schemaBudget = new SchemaBudget();
  return { model, requested, messages, tools: translateTools(body, schemaBudget), schemaBudget };
}

/**
 * `POST /v1/messages` → the Gemini request. The model goes through `resolve` (operator aliases,
 * retired names) and then, when still a `claude*` name, the built-in map (models.ts).
 */
export function translateAnthropicRequest(body: Json, resolve: ModelResolver, options: AnthropicOptions = {}): AnthropicRequest {
  const imageLinks: ImageLink[] = [];
  const { model, requested, messages, tools, schemaBudget } = readPrompt(body, resolve, options.fetchImageUrls ? imageLinks : undefined);
  const choice = toolConfig(body, tools);
  const config = generationConfig(body, model, schemaBudget);
  const request: GenerateContentRequest = {
    ...messages,
    ...(tools && { tools }),
    ...(choice && { toolConfig: choice }),
    ...(Object.keys(config).length > 0 && { generationConfig: config }),
  };
  return {
    model,
    requestedModel: requested,
    stream: readBoolean(body['stream'], 'stream') ?? false,
    includeThinking: config.thinkingConfig?.includeThoughts === true,
    body: request,
    imageLinks,
  };
}

/** A translated `count_tokens`: the Gemini model and the body of its `countTokens` call. */
export interface CountTokensRequest {
  readonly model: string;
  readonly requestedModel: string;
  readonly body: { generateContentRequest: GenerateContentRequest & { model: string } };
}

/**
 * `POST /v1/messages/count_tokens` → Gemini's `countTokens` over the same conversation and
 * tools; `tool_choice`, `thinking` and `output_config` are read (a bad one is a 400) but do not
 * count. Image links are refused: counting fetches nothing.
 */
export function translateCountTokens(body: Json, resolve: ModelResolver): CountTokensRequest {
  const { model, requested, messages, tools } = readPrompt(body, resolve, undefined);
  toolConfig(body, tools);
  generationConfig(body, model);
  return {
    model,
    requestedModel: requested,
    body: { generateContentRequest: { model: `models/${model}`, ...messages, ...(tools && { tools }) } },
  };
}

/** Gemini's `countTokens` answer → `{input_tokens}`; a count of the wrong kind is 0. */
export function toCountTokens(answer: unknown): { input_tokens: number } {
  const total = isObject(answer) ? answer['totalTokens'] : undefined;
  return { input_tokens: typeof total === 'number' && Number.isFinite(total) ? total : 0 };
}

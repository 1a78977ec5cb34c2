/**
 * @module An OpenAI Responses request (`POST /v1/responses`) → the Gemini request to send,
 * validated first so a malformed request is a 400 before any key is used (wire-formats-2 §2.2).
 * Pure. Input items: input.ts; tools: tools.ts.
 *
 * - `max_output_tokens`, `temperature` and `top_p` → generationConfig.
 * - `text.format`: `json_object` → JSON output; `json_schema` → JSON output with its schema
 *   cleaned into `responseJsonSchema`; `text` → nothing. `text.verbosity` is ignored.
 * - `reasoning.effort` → a thinking budget or level, as on the chat path (shared/thinking.ts);
 *   `reasoning.summary` (or the older `generate_summary`) `auto`/`concise`/`detailed` shows
 *   thoughts, answered as `reasoning` items.
 * - The proxy is stateless: `previous_response_id`, `conversation`, a stored `prompt` and
 *   `background: true` need responses kept server-side, so each is a 400 saying so (send the
 *   whole history in `input`, as Codex does with `store: false`). `store: true` (the API's
 *   default) is accepted, but nothing is stored.
 */

import type { GenerationConfig, ThinkingConfig } from '../../gemini/types.js';
import { compact } from '../../shared/generation.js';
import type { ImageLink } from '../../shared/media.js';
import { resolveModelName, type ModelResolver } from '../../shared/model-name.js';
import { badRequest, isObject, readArray, readBoolean, readNumber, readObject, readString, type Json } from '../../shared/read.js';
import { cleanSchema } from '../../shared/schema.js';
import { SchemaBudget } from '../../shared/schema-budget.js';
import { EFFORTS, isEffort, thinkingForEffort } from '../../shared/thinking.js';
import { translateInput } from './input.js';
import { toolConfig, translateTools } from './tools.js';
import type { ResponseEcho, ResponsesRequest } from './types.js';

/**
 * Fields accepted and knowingly ignored: Gemini has no equivalent, or (caching, routing) nothing
 * to do with them. Nested ones are written as paths. Everything else the proxy does not map is
 * ignored too, never forwarded: the Gemini request is built field by field. Codex sends
 * `include`, `prompt_cache_key`, `parallel_tool_calls`, `text.verbosity` and `client_metadata`
 * on every request.
 */
export const IGNORED_FIELDS = [
  'include', 'prompt_cache_key', 'prompt_cache_retention', 'prompt_cache_options', 'parallel_tool_calls',
  'text.verbosity', 'client_metadata', 'metadata', 'user', 'safety_identifier', 'service_tier', 'truncation',
  'background (false only)', 'store (nothing is stored)', 'stream_options', 'top_logprobs', 'max_tool_calls',
  'context_management', 'moderation', 'reasoning.context', 'tools[].strict', 'input[].id', 'input[].status',
  'input[].phase', 'input_image.detail', 'input[].encrypted_content',
] as const;

/** Fields that need responses stored server-side, and why each is refused. */
const STATEFUL: Readonly<Record<string, string>> = {
  previous_response_id: 'previous_response_id needs a stored conversation, and this proxy is stateless: ' +
    'send the whole history in input (with store: false, as Codex does)',
  conversation: 'conversation needs a stored conversation, and this proxy is stateless: send the whole history in input',
  prompt: 'stored prompt templates are not supported by this proxy: send instructions and input instead',
};

const SUMMARIES: ReadonlySet<string> = new Set(['auto', 'concise', 'detailed']);

export interface ResponsesOptions {
  /** Accept http(s) image links (the caller fetches them); otherwise they are a 400. */
  readonly fetchImageUrls?: boolean;
}

function refuseStateful(body: Json): void {
  for (const [field, message] of Object.entries(STATEFUL)) {
    if (body[field] !== undefined && body[field] !== null) throw badRequest(field, message);
  }
  if (readBoolean(body['background'], 'background') === true) {
    throw badRequest('background', 'background responses need stored state, and this proxy is stateless: leave background out');
  }
}

function textFormat(text: Json | undefined, budget: SchemaBudget): GenerationConfig {
  const format = readObject(text?.['format'], 'text.format');
  switch (format?.['type']) {
    case undefined:
    case 'text':
      return {};
    case 'json_object':
      return { responseMimeType: 'application/json' };
    case 'json_schema': {
      const param = 'text.format.schema';
      const schema = readObject(format['schema'], param);
      return { responseMimeType: 'application/json', ...(schema && { responseJsonSchema: cleanSchema(schema, param, budget) }) };
    }
    default:
      throw badRequest('text.format.type', 'text.format.type must be text, json_object or json_schema');
  }
}

function thinking(reasoning: Json | undefined, model: string): ThinkingConfig | undefined {
  const effort = readString(reasoning?.['effort'], 'reasoning.effort');
  if (effort !== undefined && !isEffort(effort)) throw badRequest('reasoning.effort', `reasoning.effort must be one of ${EFFORTS.join(', ')}`);
  const field = reasoning?.['summary'] !== undefined && reasoning['summary'] !== null ? 'summary' : 'generate_summary';
  const summary = readString(reasoning?.[field], `reasoning.${field}`);
  if (summary !== undefined && !SUMMARIES.has(summary)) {
    throw badRequest(`reasoning.${field}`, `reasoning.${field} must be auto, concise or detailed`);
  }
  const config: ThinkingConfig = {
    ...(effort !== undefined && thinkingForEffort(effort, model)),
    // Effort `none` turns thinking off: nothing to show.
    ...(summary !== undefined && effort !== 'none' && { includeThoughts: true }),
  };
  return Object.keys(config).length > 0 ? config : undefined;
}

function generationConfig(body: Json, model: string, budget: SchemaBudget): GenerationConfig {
  return compact({
    maxOutputTokens: readNumber(body['max_output_tokens'], 'max_output_tokens', { integer: true, min: 1 }),
    temperature: readNumber(body['temperature'], 'temperature', { min: 0, max: 2 }),
    topP: readNumber(body['top_p'], 'top_p', { min: 0, max: 1 }),
    ...textFormat(readObject(body['text'], 'text'), budget),
    thinkingConfig: thinking(readObject(body['reasoning'], 'reasoning'), model),
  });
}

/** What the response object repeats of the request (already validated by then). */
function echo(body: Json): ResponseEcho {
  const number = (value: unknown): number | null => (typeof value === 'number' ? value : null);
  return {
    instructions: typeof body['instructions'] === 'string' ? body['instructions'] : null,
    max_output_tokens: number(body['max_output_tokens']),
    metadata: isObject(body['metadata']) ? body['metadata'] : {},
    parallel_tool_calls: body['parallel_tool_calls'] !== false,
    reasoning: isObject(body['reasoning']) ? body['reasoning'] : null,
    temperature: number(body['temperature']),
    text: isObject(body['text']) ? body['text'] : { format: { type: 'text' } },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: Array.isArray(body['tools']) ? body['tools'] : [],
    top_p: number(body['top_p']),
  };
}

/** `POST /v1/responses` → the Gemini request (see the module comment). */
export function translateResponsesRequest(body: Json, resolve: ModelResolver, options: ResponsesOptions = {}): ResponsesRequest {
  refuseStateful(body);
  const { model, requested } = resolveModelName(body['model'], resolve);
  const imageLinks: ImageLink[] = [];
  const { toolLists, ...messages } = translateInput(body, options.fetchImageUrls ? imageLinks : undefined);
  // One budget for every schema of the request: their output together is bounded.
  const budget = new SchemaBudget();
  const { tools, toolNames } = translateTools([{ list: readArray(body['tools'], 'tools') ?? [], param: 'tools' }, ...toolLists], budget);
  const choice = toolConfig(body['tool_choice'], toolNames);
  const config = generationConfig(body, model, budget);
  return {
    model,
    requestedModel: requested,
    stream: readBoolean(body['stream'], 'stream') ?? false,
    includeReasoning: config.thinkingConfig?.includeThoughts === true,
    body: {
      ...messages,
      ...(tools && { tools }),
      ...(choice && { toolConfig: choice }),
      ...(Object.keys(config).length > 0 && { generationConfig: config }),
    },
    imageLinks,
    toolNames,
    echo: echo(body),
  };
}

/**
 * @module OpenAI request parameters → Gemini `generationConfig`, `tools` and `toolConfig`
 * (wire-formats §2.2, §4.3). Pure; a value out of range is a 400 naming it.
 */

import type { GenerationConfig, ThinkingConfig, Tool, ToolConfig } from '../gemini/types.js';
import { badRequest, isObject, readArray, readBoolean, readNumber, readObject, readString, type Json } from '../shared/read.js';
import { compact, stopSequences } from '../shared/generation.js';
import { cleanSchema } from '../shared/schema.js';
import { functionTools } from '../shared/tools.js';
import { isEffort, isThinkingLevel, thinkingForEffort } from '../shared/thinking.js';
import { SchemaBudget } from '../shared/schema-budget.js';

function responseFormat(value: unknown, schemaBudget: SchemaBudget): Pick<GenerationConfig, 'responseMimeType' | 'responseJsonSchema'> {
  const format = readObject(value, 'response_format');
  if (format === undefined || format['type'] === 'text') return {};
  if (format['type'] === 'json_object') return { responseMimeType: 'application/json' };
  if (format['type'] === 'json_schema') {
    const spec = readObject(format['json_schema'], 'response_format.json_schema');
    const param = 'response_format.json_schema.schema';
    const schema = readObject(spec?.['schema'], param);
    return { responseMimeType: 'application/json', ...(schema && { responseJsonSchema: cleanSchema(schema, param, schemaBudget) }) };
  }
  throw badRequest('response_format.type', 'response_format.type must be text, json_object or json_schema');
}

function thinking(body: Json, model: string): ThinkingConfig | undefined {
  const effort = readString(body['reasoning_effort'], 'reasoning_effort');
  // Google's compat layer takes `{google: {thinking_config}}`: merged into the body by the SDKs'
  // `extra_body`, or sent literally as `extra_body` by hand-written requests.
  const extra = isObject(body['extra_body']) ? body['extra_body'] : undefined;
  const google = isObject(body['google']) ? body['google'] : isObject(extra?.['google']) ? extra['google'] : undefined;
  const explicit = readObject(google?.['thinking_config'], 'google.thinking_config');
  const config: ThinkingConfig = {};
  if (effort !== undefined) {
    if (!isEffort(effort)) throw badRequest('reasoning_effort', 'reasoning_effort must be none, minimal, low, medium, high, xhigh or max');
    Object.assign(config, thinkingForEffort(effort, model));
  }
  const budget = readNumber(explicit?.['thinking_budget'], 'google.thinking_config.thinking_budget', { integer: true, min: -1 });
  if (budget !== undefined) config.thinkingBudget = budget;
  const level = readString(explicit?.['thinking_level'], 'google.thinking_config.thinking_level')?.toUpperCase();
  if (level !== undefined) {
    if (!isThinkingLevel(level)) {
      throw badRequest('google.thinking_config.thinking_level', 'thinking_level must be minimal, low, medium or high');
    }
    config.thinkingLevel = level;
  }
  const include = readBoolean(explicit?.['include_thoughts'], 'google.thinking_config.include_thoughts');
  if (include !== undefined) config.includeThoughts = include;
  return Object.keys(config).length > 0 ? config : undefined;
}

/**
 * Sampling, length, stop, format and thinking parameters. `schemaBudget` is the request's,
 * shared with the tools' schemas.
 */
export function generationConfig(body: Json, model: string, schemaBudget = new SchemaBudget()): GenerationConfig {
  const maxTokens = readNumber(body['max_completion_tokens'], 'max_completion_tokens', { integer: true, min: 1 }) ??
    readNumber(body['max_tokens'], 'max_tokens', { integer: true, min: 1 });
  const config: GenerationConfig = {
    temperature: readNumber(body['temperature'], 'temperature', { min: 0, max: 2 }),
    topP: readNumber(body['top_p'], 'top_p', { min: 0, max: 1 }),
    topK: readNumber(body['top_k'], 'top_k', { integer: true, min: 1 }),
    maxOutputTokens: maxTokens,
    stopSequences: stopSequences(body['stop'], 'stop'),
    candidateCount: readNumber(body['n'], 'n', { integer: true, min: 1, max: 8 }),
    seed: readNumber(body['seed'], 'seed', { integer: true, min: -(2 ** 31), max: 2 ** 31 - 1 }),
    presencePenalty: readNumber(body['presence_penalty'], 'presence_penalty', { min: -2, max: 2 }),
    frequencyPenalty: readNumber(body['frequency_penalty'], 'frequency_penalty', { min: -2, max: 2 }),
    ...responseFormat(body['response_format'], schemaBudget),
    thinkingConfig: thinking(body, model),
  };
  return compact(config);
}

/**
 * `tools` (and the legacy `functions`) → one Gemini tool holding every declaration.
 * `schemaBudget` is the request's, shared with `response_format`.
 */
export function tools(body: Json, schemaBudget = new SchemaBudget()): Tool[] | undefined {
  const modern = readArray(body['tools'], 'tools') ?? [];
  const [list, param] = modern.length > 0 ? [modern, 'tools'] : [readArray(body['functions'], 'functions') ?? [], 'functions'];
  return functionTools(list, param, schemaBudget);
}

function namedChoice(value: Json, param: string): ToolConfig {
  const fn = readObject(value['function'], `${param}.function`) ?? value;
  const name = readString(fn['name'], `${param}.function.name`);
  if (!name) throw badRequest(param, `${param} must name a function`);
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
}

/**
 * `tool_choice` (or the legacy `function_call`) → `toolConfig`, checked against the declared
 * functions: without tools it means nothing, and naming an undeclared function is a 400.
 */
export function toolConfig(body: Json, declared: Tool[] | undefined): ToolConfig | undefined {
  const config = choiceConfig(body);
  if (config === undefined || declared === undefined) return undefined;
  const names = new Set(declared.flatMap((tool) => tool.functionDeclarations ?? []).map((fn) => fn.name));
  const unknown = config.functionCallingConfig.allowedFunctionNames?.find((name) => !names.has(name));
  if (unknown !== undefined) throw badRequest('tool_choice', `tool_choice names ${unknown}, which is not among the tools`);
  return config;
}

function choiceConfig(body: Json): ToolConfig | undefined {
  const param = body['tool_choice'] !== undefined ? 'tool_choice' : 'function_call';
  const choice = body[param];
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isObject(choice) && choice['type'] === 'allowed_tools') {
    const allowed = readObject(choice['allowed_tools'], `${param}.allowed_tools`);
    const names = (readArray(allowed?.['tools'], `${param}.allowed_tools.tools`) ?? [])
      .map((tool, index) => namedChoice(isObject(tool) ? tool : {}, `${param}.allowed_tools.tools[${index}]`).functionCallingConfig.allowedFunctionNames?.[0] ?? '');
    // Gemini takes a list of allowed functions only in ANY mode; "auto" over a subset loosens to AUTO.
    if (allowed?.['mode'] !== 'required') return { functionCallingConfig: { mode: 'AUTO' } };
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: names } };
  }
  if (isObject(choice)) return namedChoice(choice, param);
  throw badRequest(param, `${param} must be none, auto, required or {type: "function", function: {name}}`);
}

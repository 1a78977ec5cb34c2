/**
 * @module Anthropic sampling, length, stop, output and thinking parameters → Gemini's
 * `generationConfig` (wire-formats-2 §1.2, wire-formats §4.3). Pure; a value out of range is a
 * 400 naming it.
 *
 * Thinking:
 * - `{type: "enabled", budget_tokens}` shows thoughts, with `budget_tokens` as Gemini's
 *   `thinkingBudget` as it is; Gemini 3 takes levels instead, the nearest of THINKING_LEVEL_BUDGETS.
 * - `{type: "disabled"}` is the effort `none`: off where the model allows it (Gemini 3 and
 *   2.5 Pro cannot stop thinking; they think least: 2.5 Pro its smallest budget, Gemini 3
 *   Flash MINIMAL, Gemini 3 Pro LOW, since it has no MINIMAL).
 * - `{type: "adaptive"}` shows thoughts at `output_config.effort` (Gemini's own dynamic
 *   thinking without one); `display: "omitted"` (with enabled or adaptive) hides them.
 * - `output_config.effort` without `thinking` sets the effort and shows nothing.
 */

import type { GenerationConfig, ThinkingConfig } from '../gemini/types.js';
import { compact, stopSequences } from '../shared/generation.js';
import { badRequest, readNumber, readObject, readString, type Json } from '../shared/read.js';
import { cleanSchema } from '../shared/schema.js';
import { SchemaBudget } from '../shared/schema-budget.js';
import { EFFORTS, isEffort, thinkingForEffort, type Effort } from '../shared/thinking.js';

type Level = NonNullable<ThinkingConfig['thinkingLevel']>;

/**
 * The most output Gemini's current models give (2.5 and 3: 65,536 tokens). Claude Code asks
 * for 64,000 and, in newer releases, 128,000; a larger `maxOutputTokens` than the model's is a
 * 400 from Google, so `max_tokens` is capped here.
 */
export const MAX_OUTPUT_TOKENS = 65_536;

/**
 * Gemini 2.5's thinking budgets (Google's documented ranges): Pro 128–32768, Flash and Flash-Lite
 * 0–24576. Claude Code asks for up to 31999: a budget out of range is clamped, not refused
 * upstream after a key was used.
 */
export function clampBudget(budget: number, model: string): number {
  const [min, max] = /pro/.test(model) ? [128, 32_768] : [0, 24_576];
  return Math.min(max, Math.max(min, budget));
}

/**
 * Gemini 3 levels with the budget each stands for (the efforts low, medium and high on 2.5
 * models, shared/thinking.ts): a `budget_tokens` gets the level whose budget is nearest, the
 * lower on a tie. So up to 4,608 is LOW, up to 16,384 MEDIUM, more HIGH. MINIMAL is left out:
 * Anthropic's smallest budget is 1,024, and Gemini 3 Pro has no MINIMAL.
 */
export const THINKING_LEVEL_BUDGETS: readonly (readonly [level: Level, budget: number])[] = [
  ['LOW', 1024],
  ['MEDIUM', 8192],
  ['HIGH', 24576],
];

/** The Gemini 3 level nearest to `budget` (see THINKING_LEVEL_BUDGETS). */
export function thinkingLevelForBudget(budget: number): Level {
  let best: readonly [Level, number] = THINKING_LEVEL_BUDGETS[0] ?? ['LOW', 1024];
  for (const entry of THINKING_LEVEL_BUDGETS) {
    if (Math.abs(entry[1] - budget) < Math.abs(best[1] - budget)) best = entry;
  }
  return best[0];
}

/** Whether `model` takes levels (Gemini 3): shared/thinking.ts decides, so both paths agree. */
function takesLevels(model: string): boolean {
  return thinkingForEffort('medium', model).thinkingLevel !== undefined;
}

function readEffort(outputConfig: Json | undefined): Effort | undefined {
  const effort = readString(outputConfig?.['effort'], 'output_config.effort');
  if (effort === undefined) return undefined;
  if (!isEffort(effort)) throw badRequest('output_config.effort', `output_config.effort must be one of ${EFFORTS.join(', ')}`);
  return effort;
}

function budgetConfig(thinking: Json, model: string): ThinkingConfig {
  const budget = readNumber(thinking['budget_tokens'], 'thinking.budget_tokens', { integer: true, min: 0 });
  // No budget: Gemini's dynamic thinking.
  if (budget === undefined) return takesLevels(model) ? {} : { thinkingBudget: -1 };
  return takesLevels(model) ? { thinkingLevel: thinkingLevelForBudget(budget) } : { thinkingBudget: clampBudget(budget, model) };
}

function shown(thinking: Json): ThinkingConfig {
  const display = readString(thinking['display'], 'thinking.display');
  if (display !== undefined && display !== 'summarized' && display !== 'omitted') {
    throw badRequest('thinking.display', 'thinking.display must be summarized or omitted');
  }
  return display === 'omitted' ? {} : { includeThoughts: true };
}

/** `thinking` and `output_config.effort` → Gemini's thinking config (see the module comment). */
export function thinkingConfig(body: Json, model: string): ThinkingConfig | undefined {
  const config = anyThinkingConfig(body, model);
  return config !== undefined && Object.keys(config).length > 0 ? config : undefined;
}

function anyThinkingConfig(body: Json, model: string): ThinkingConfig | undefined {
  const thinking = readObject(body['thinking'], 'thinking');
  const effort = readEffort(readObject(body['output_config'], 'output_config'));
  switch (thinking?.['type']) {
    case undefined:
      return effort === undefined ? undefined : thinkingForEffort(effort, model);
    case 'disabled':
      return thinkingForEffort('none', model);
    case 'enabled':
      return { ...budgetConfig(thinking, model), ...shown(thinking) };
    case 'adaptive':
      return { ...(effort !== undefined && thinkingForEffort(effort, model)), ...shown(thinking) };
    default:
      throw badRequest('thinking.type', 'thinking.type must be enabled, disabled or adaptive');
  }
}

/** `output_config.format` (`{type: "json_schema", schema}`) → JSON output. */
function outputFormat(body: Json, schemaBudget: SchemaBudget): GenerationConfig {
  const format = readObject(readObject(body['output_config'], 'output_config')?.['format'], 'output_config.format');
  if (format === undefined) return {};
  if (format['type'] !== 'json_schema') throw badRequest('output_config.format.type', 'output_config.format.type must be json_schema');
  const param = 'output_config.format.schema';
  const schema = readObject(format['schema'], param);
  return { responseMimeType: 'application/json', ...(schema && { responseJsonSchema: cleanSchema(schema, param, schemaBudget) }) };
}

/**
 * `max_tokens` (capped at MAX_OUTPUT_TOKENS), `stop_sequences`, `temperature` (Anthropic's 0..1,
 * Gemini's 0..2 accepted), `top_p`, `top_k`, `output_config` and thinking. `schemaBudget` is
 * the request's, shared with the tools' schemas.
 */
export function generationConfig(body: Json, model: string, schemaBudget = new SchemaBudget()): GenerationConfig {
  const maxTokens = readNumber(body['max_tokens'], 'max_tokens', { integer: true, min: 1 });
  return compact({
    maxOutputTokens: maxTokens === undefined ? undefined : Math.min(maxTokens, MAX_OUTPUT_TOKENS),
    stopSequences: stopSequences(body['stop_sequences'], 'stop_sequences'),
    temperature: readNumber(body['temperature'], 'temperature', { min: 0, max: 2 }),
    topP: readNumber(body['top_p'], 'top_p', { min: 0, max: 1 }),
    topK: readNumber(body['top_k'], 'top_k', { integer: true, min: 1 }),
    ...outputFormat(body, schemaBudget),
    thinkingConfig: thinkingConfig(body, model),
  });
}

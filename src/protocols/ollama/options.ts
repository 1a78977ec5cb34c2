/**
 * @module Ollama's generation settings → Gemini's `generationConfig`: the sampling subset of
 * `options` (wire-formats §3.6, §4.3), `format` and `think`. Pure; a value out of range is a 400
 * naming it (`options.temperature`).
 */

import type { GenerationConfig, ThinkingConfig } from '../gemini/types.js';
import { compact, stopSequences } from '../shared/generation.js';
import { badRequest, isObject, readNumber, readObject, type Json } from '../shared/read.js';
import { cleanSchema } from '../shared/schema.js';
import type { SchemaBudget } from '../shared/schema-budget.js';
import { thinkingForEffort } from '../shared/thinking.js';

/**
 * Options accepted and knowingly ignored: they tune a local runtime (context size, GPUs,
 * threads) or a sampler Gemini does not have. Options not listed are ignored too, as Ollama
 * itself does with names it does not know.
 */
export const IGNORED_OPTIONS = [
  'num_ctx', 'num_keep', 'num_batch', 'num_gpu', 'main_gpu', 'num_thread', 'use_mmap', 'use_mlock',
  'numa', 'low_vram', 'f16_kv', 'vocab_only', 'logits_all', 'min_p', 'typical_p', 'tfs_z',
  'repeat_last_n', 'repeat_penalty', 'penalize_newline', 'mirostat', 'mirostat_tau', 'mirostat_eta',
] as const;

/** `think` levels, each the shared effort of the same name. */
const THINK_LEVELS = ['low', 'medium', 'high', 'max'] as const;
type ThinkLevel = (typeof THINK_LEVELS)[number];

function isThinkLevel(value: unknown): value is ThinkLevel {
  return (THINK_LEVELS as readonly unknown[]).includes(value);
}

/** What the settings become: the config, and whether thoughts go back to the client. */
export interface GenerationSettings {
  readonly config: GenerationConfig;
  readonly includeThinking: boolean;
}

/** `think` → thinking config: true shows thoughts at the model's own budget, false turns thinking down. */
function thinking(value: unknown, model: string): ThinkingConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true) return { includeThoughts: true };
  if (value === false) return thinkingForEffort('none', model);
  if (isThinkLevel(value)) return { ...thinkingForEffort(value, model), includeThoughts: true };
  throw badRequest('think', 'think must be true, false, "low", "medium", "high" or "max"');
}

/** `format`: "json", or a JSON Schema the answer must follow; "" means plain text. */
function format(value: unknown, schemaBudget: SchemaBudget): Pick<GenerationConfig, 'responseMimeType' | 'responseJsonSchema'> {
  if (value === undefined || value === null || value === '') return {};
  if (value === 'json') return { responseMimeType: 'application/json' };
  if (isObject(value)) return { responseMimeType: 'application/json', responseJsonSchema: cleanSchema(value, 'format', schemaBudget) };
  throw badRequest('format', 'format must be "json" or a JSON schema object');
}

/** `num_predict`: a token limit; 0 or less (-1 "infinite", -2 "fill the context") means none. */
function maxOutputTokens(value: unknown): number | undefined {
  const limit = readNumber(value, 'options.num_predict', { integer: true });
  return limit !== undefined && limit > 0 ? limit : undefined;
}

function sampling(options: Json): GenerationConfig {
  return {
    temperature: readNumber(options['temperature'], 'options.temperature', { min: 0, max: 2 }),
    topP: readNumber(options['top_p'], 'options.top_p', { min: 0, max: 1 }),
    topK: readNumber(options['top_k'], 'options.top_k', { integer: true, min: 1 }),
    maxOutputTokens: maxOutputTokens(options['num_predict']),
    stopSequences: stopSequences(options['stop'], 'options.stop'),
    seed: readNumber(options['seed'], 'options.seed', { integer: true, min: -(2 ** 31), max: 2 ** 31 - 1 }),
    presencePenalty: readNumber(options['presence_penalty'], 'options.presence_penalty', { min: -2, max: 2 }),
    frequencyPenalty: readNumber(options['frequency_penalty'], 'options.frequency_penalty', { min: -2, max: 2 }),
  };
}

/**
 * `options`, `format` and `think` of a chat or generate request. `schemaBudget` is the
 * request's, shared with the tools' schemas.
 */
export function generationSettings(body: Json, model: string, schemaBudget: SchemaBudget): GenerationSettings {
  const options = readObject(body['options'], 'options') ?? {};
  const thinkingConfig = thinking(body['think'], model);
  const config = compact({ ...sampling(options), ...format(body['format'], schemaBudget), thinkingConfig });
  return { config, includeThinking: thinkingConfig?.includeThoughts === true };
}

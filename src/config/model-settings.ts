/**
 * @module The settings about models: which are hidden, what the translated APIs add to a request
 * that says nothing (safety settings, thinking budgets), the models the images and speech APIs
 * call, and whether search sources are written into answers. Part of the settings table
 * (src/config/settings.ts).
 */

import { ConfigError } from './config-error.js';
import { parseBoolean, parseInteger, parseList, parseText, type RawValue } from './parse-value.js';
import type { SettingSpec } from './settings.js';

/** One of Gemini's `safetySettings` entries. */
export interface SafetySetting {
  readonly category: string;
  readonly threshold: string;
}

export interface ModelSettings {
  /** Model ids left out of every model list and refused with a 404. */
  hiddenModels: readonly string[];
  /** Added to a translated request that names no safety settings of its own. */
  safetySettings: readonly SafetySetting[];
  /** Model id → thinking budget, for a translated request that asks for no thinking setting. */
  thinkingBudgets: Readonly<Record<string, number>>;
  /** The model `/v1/images/*` calls when the request names none, or a non-Gemini image model. */
  imageModel: string;
  /** The model `/v1/audio/speech` calls when the request names a non-Gemini speech model. */
  speechModel: string;
  /** Append the list of search sources to a grounded answer's text. */
  searchSources: boolean;
}

const CATEGORY = /^HARM_CATEGORY_[A-Z_]+$/;
const THRESHOLDS = new Set([
  'BLOCK_NONE', 'BLOCK_ONLY_HIGH', 'BLOCK_MEDIUM_AND_ABOVE', 'BLOCK_LOW_AND_ABOVE', 'OFF', 'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
]);
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `[…]` or `{…}` as gemini-balance writes it, or undefined for the comma-list form. */
function jsonValue(field: string, raw: RawValue): unknown {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!text.startsWith('[') && !text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ConfigError.invalid(field, raw, 'valid JSON, or a comma list');
  }
}

/** `name=value` pairs of a comma list (or of a JSON object). */
function pairs(field: string, raw: RawValue, expected: string): [string, string][] {
  const json = jsonValue(field, raw);
  if (json !== undefined) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw ConfigError.invalid(field, raw, expected);
    return Object.entries(json).map(([name, value]) => [name, String(value)]);
  }
  return parseList(raw).map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw ConfigError.invalid(field, item, expected);
    return [item.slice(0, at).trim(), item.slice(at + 1).trim()];
  });
}

function modelId(field: string, name: string): string {
  const id = name.replace(/^models\//, '');
  if (!MODEL_ID.test(id)) throw ConfigError.invalid(field, name, 'a Gemini model id such as gemini-2.5-flash');
  return id;
}

/** `HARM_CATEGORY_X=THRESHOLD,…`, or gemini-balance's JSON list of `{category, threshold}`. */
export function parseSafetySettings(field: string, raw: RawValue): SafetySetting[] {
  const expected = 'HARM_CATEGORY_…=THRESHOLD pairs (BLOCK_NONE, BLOCK_ONLY_HIGH, BLOCK_MEDIUM_AND_ABOVE, BLOCK_LOW_AND_ABOVE, OFF)';
  const json = jsonValue(field, raw);
  const entries = Array.isArray(json)
    ? json.map((item: unknown) => {
      const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      return [String(entry['category'] ?? ''), String(entry['threshold'] ?? '')] as [string, string];
    })
    : pairs(field, raw, expected);
  if (entries.length === 0) throw ConfigError.invalid(field, raw, expected);
  return entries.map(([category, threshold]) => {
    const upper = { category: category.toUpperCase(), threshold: threshold.toUpperCase() };
    if (!CATEGORY.test(upper.category) || !THRESHOLDS.has(upper.threshold)) throw ConfigError.invalid(field, `${category}=${threshold}`, expected);
    return upper;
  });
}

/** `model=budget,…` (or a JSON object); a budget from -1 (dynamic) to 32768 tokens. */
export function parseThinkingBudgets(field: string, raw: RawValue): Record<string, number> {
  const expected = 'model=budget pairs, a budget from -1 (dynamic) to 32768';
  const budgets: Record<string, number> = {};
  for (const [name, value] of pairs(field, raw, expected)) budgets[modelId(field, name)] = parseInteger(`${field} ${name}`, value, -1, 32_768);
  return budgets;
}

function parseModelIds(field: string, raw: RawValue): string[] {
  return parseList(raw).map((name) => modelId(field, name));
}

export const MODEL_SETTINGS: { readonly [K in keyof ModelSettings]: SettingSpec<ModelSettings[K]> } = {
  hiddenModels: {
    flag: 'hidden-models', env: 'GEMINI_PROXY_HIDDEN_MODELS', valueName: 'list', defaultText: 'none', none: [],
    help: 'model ids left out of every model list and refused with a 404 (a comma list)',
    parse: parseModelIds,
  },
  safetySettings: {
    flag: 'safety-settings', env: 'GEMINI_PROXY_SAFETY_SETTINGS', valueName: 'list', defaultText: 'none', none: [],
    help: 'safety settings for translated requests that name none: HARM_CATEGORY_…=THRESHOLD pairs, or a JSON list',
    parse: parseSafetySettings,
  },
  thinkingBudgets: {
    flag: 'thinking-budgets', env: 'GEMINI_PROXY_THINKING_BUDGETS', valueName: 'map', defaultText: 'none', none: {},
    help: 'thinking budget per model for translated requests that ask for none: model=budget pairs, or a JSON object',
    parse: parseThinkingBudgets,
  },
  imageModel: {
    flag: 'image-model', env: 'GEMINI_PROXY_IMAGE_MODEL', valueName: 'model', defaultText: 'gemini-2.5-flash-image',
    help: 'the Gemini image model of /v1/images/* when the request names none (or dall-e-*, gpt-image-*, imagen-*)',
    parse: (field, raw) => modelId(field, parseText(field, raw)),
  },
  speechModel: {
    flag: 'speech-model', env: 'GEMINI_PROXY_SPEECH_MODEL', valueName: 'model', defaultText: 'gemini-2.5-flash-preview-tts',
    help: 'the Gemini TTS model of /v1/audio/speech for OpenAI\'s model names (tts-1, gpt-4o-mini-tts, …)',
    parse: (field, raw) => modelId(field, parseText(field, raw)),
  },
  searchSources: {
    flag: 'search-sources', env: 'GEMINI_PROXY_SEARCH_SOURCES', valueName: 'bool', defaultText: 'false', switch: true,
    help: 'also append the list of search sources to the text of a grounded answer (the annotations always carry them)',
    parse: parseBoolean,
  },
};

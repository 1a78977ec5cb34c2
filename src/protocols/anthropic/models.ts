/**
 * @module Claude model names → Gemini models, and Gemini's model list in Anthropic's shape
 * (wire-formats-2 §1.7, §1.8). Claude Code names Claude models (`claude-opus-4-8`,
 * `claude-haiku-4-5-20251001`, …) and keeps only listed ids that start with `claude` or
 * `anthropic`, so a built-in table maps the Claude families by name and the list offers Claude
 * names: Claude Code works with no alias set. Operator aliases (INI `[models]`) come first. Pure.
 */

import type { Model } from '../gemini/types.js';
import type { Json } from '../shared/json.js';
import type { ModelResolver } from '../shared/model-name.js';

/** Every other `claude-*` name (Sonnet, and families yet to come) goes to this model. */
export const CLAUDE_DEFAULT_MODEL = 'gemini-2.5-flash';

/**
 * The built-in map, by the family word a Claude name contains, first match wins: the small
 * model to the small one, the large to the large. Gemini 2.5 models: generally available,
 * thinking, and named the same on every key.
 */
export const CLAUDE_FAMILIES: readonly (readonly [family: string, model: string])[] = [
  ['haiku', 'gemini-2.5-flash-lite'],
  ['opus', 'gemini-2.5-pro'],
];

/**
 * The Claude names `/v1/models` offers in Anthropic's shape: the defaults of the newest
 * Claude Code releases recorded (`claude-opus-5-5`, `claude-opus-4-8`) and the current Sonnet
 * and Haiku names, one per family so a model picker shows each mapping. Any other Claude name
 * works too; these are only listed.
 */
export const LISTED_CLAUDE_MODELS: readonly (readonly [id: string, displayName: string])[] = [
  ['claude-opus-5-5', 'Claude Opus 5.5'],
  ['claude-opus-4-8', 'Claude Opus 4.8'],
  ['claude-sonnet-4-6', 'Claude Sonnet 4.6'],
  ['claude-haiku-4-5', 'Claude Haiku 4.5'],
];

/** The Gemini model a `claude*` name maps to by default; undefined for any other name. */
export function claudeModel(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (!lower.startsWith('claude')) return undefined;
  return CLAUDE_FAMILIES.find(([family]) => lower.includes(family))?.[1] ?? CLAUDE_DEFAULT_MODEL;
}

/** `resolve` (aliases, retired names), then the Claude default for a name still `claude*`. */
export function withClaudeDefaults(resolve: ModelResolver): ModelResolver {
  return (name) => {
    const resolved = resolve(name);
    return claudeModel(resolved) ?? resolved;
  };
}

/** Anthropic gives RFC 3339 dates; the proxy knows none, so every model shows the epoch. */
const CREATED_AT = '1970-01-01T00:00:00Z';

function idOf(name: string): string {
  return name.replace(/^models\//, '');
}

function limits(model: Model | undefined): Json {
  const input: unknown = model?.inputTokenLimit;
  const output: unknown = model?.outputTokenLimit;
  return {
    ...(typeof input === 'number' && { max_input_tokens: input }),
    ...(typeof output === 'number' && { max_tokens: output }),
  };
}

function entry(id: string, displayName: string, target: Model | undefined): Json {
  return { type: 'model', id, display_name: displayName, created_at: CREATED_AT, ...limits(target) };
}

/**
 * `GET /v1/models` in Anthropic's shape: the listed Claude names (each shown with the model it
 * reaches), then the operator's aliases, then Gemini's own models. An alias named like a Claude
 * name replaces it; one page holds everything.
 */
export function toAnthropicModels(models: readonly Model[], aliases: Readonly<Record<string, string>>): Json {
  const byId = new Map(models.map((model) => [idOf(model.name), model]));
  const target = (name: string): string => {
    const aliased = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
    return idOf(aliased ?? claudeModel(name) ?? name);
  };
  const listed = new Map<string, Json>();
  const add = (id: string, displayName: string, model: string): void => {
    if (!listed.has(id)) listed.set(id, entry(id, displayName, byId.get(model)));
  };
  for (const [id, name] of LISTED_CLAUDE_MODELS) add(id, `${name} (${target(id)})`, target(id));
  for (const alias of Object.keys(aliases)) add(alias, `${alias} (${target(alias)})`, target(alias));
  for (const [id, model] of byId) add(id, typeof model.displayName === 'string' ? model.displayName : id, id);
  const data = [...listed.values()];
  return { data, has_more: false, first_id: data[0]?.['id'] ?? null, last_id: data.at(-1)?.['id'] ?? null };
}

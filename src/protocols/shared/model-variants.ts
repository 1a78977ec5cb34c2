/**
 * @module What the translated APIs add to a Gemini request once it is translated: what the model
 * name's suffixes ask for (`-search`: grounding in Google Search, as gemini-balance's users
 * name it; `-non-thinking`: the least thinking the model allows), and the operator's defaults
 * for a request that names none (safety settings; a thinking budget per model). The suffixes
 * come off the name before it reaches Google. Also the model list the translated APIs show
 * (hidden models left out, `-search` variants added). Pure.
 */

import type { GenerateContentRequest, Model, ThinkingConfig, Tool } from '../gemini/types.js';
import { thinkingForEffort } from './thinking.js';

export interface GenerationDefaults {
  /** Added when the request names no safety settings: Gemini's `{category, threshold}` entries. */
  readonly safetySettings: readonly { readonly category: string; readonly threshold: string }[];
  /** Model id → thinking budget, when the request asks for no thinking budget or level. */
  readonly thinkingBudgets: Readonly<Record<string, number>>;
}

export const NO_DEFAULTS: GenerationDefaults = { safetySettings: [], thinkingBudgets: {} };

const SEARCH = '-search';
const NON_THINKING = '-non-thinking';

export interface ModelVariant {
  /** The model to call. */
  readonly model: string;
  readonly search: boolean;
  readonly nonThinking: boolean;
}

/** Splits the suffixes off a model id, in either order: `gemini-2.5-flash-search-non-thinking`. */
export function modelVariant(name: string): ModelVariant {
  let model = name;
  let search = false;
  let nonThinking = false;
  for (;;) {
    if (!search && model.endsWith(SEARCH) && model.length > SEARCH.length) {
      search = true;
      model = model.slice(0, -SEARCH.length);
    } else if (!nonThinking && model.endsWith(NON_THINKING) && model.length > NON_THINKING.length) {
      nonThinking = true;
      model = model.slice(0, -NON_THINKING.length);
    } else {
      return { model, search, nonThinking };
    }
  }
}

/**
 * Search goes beside no function: the translators drop a client's search tool beside function
 * tools too (src/protocols/openai/responses/tools.ts), as Gemini 2.5 refuses the two together.
 */
function withSearch(tools: readonly Tool[] | undefined): Tool[] | undefined {
  if (tools?.some((tool) => tool.functionDeclarations !== undefined || tool.googleSearch !== undefined)) return [...tools];
  return [...(tools ?? []), { googleSearch: {} }];
}

function asksForThinking(config: ThinkingConfig | undefined): boolean {
  return config?.thinkingBudget !== undefined || config?.thinkingLevel !== undefined;
}

function thinking(variant: ModelVariant, config: ThinkingConfig | undefined, budgets: GenerationDefaults['thinkingBudgets']): ThinkingConfig | undefined {
  const kept = config?.includeThoughts === undefined ? {} : { includeThoughts: config.includeThoughts };
  // The name is the client's explicit ask: it wins over whatever the request's fields say.
  if (variant.nonThinking) return { ...kept, ...thinkingForEffort('none', variant.model) };
  if (asksForThinking(config)) return config;
  const budget = Object.hasOwn(budgets, variant.model) ? budgets[variant.model] : undefined;
  return budget === undefined ? config : { ...kept, thinkingBudget: budget };
}

/** The model to call and the body to send for a translated generation on `name`. */
export function applyModelOptions(name: string, body: GenerateContentRequest, defaults: GenerationDefaults): { model: string; body: GenerateContentRequest } {
  const variant = modelVariant(name);
  const config = body.generationConfig;
  const thinkingConfig = thinking(variant, config?.thinkingConfig, defaults.thinkingBudgets);
  const safety = (body.safetySettings ?? []).length === 0 && defaults.safetySettings.length > 0;
  if (!variant.search && thinkingConfig === config?.thinkingConfig && !safety && variant.model === name) return { model: name, body };
  const tools = variant.search ? withSearch(body.tools) : body.tools;
  return {
    model: variant.model,
    body: {
      ...body,
      ...(tools !== undefined && { tools }),
      ...(safety && { safetySettings: defaults.safetySettings.map((setting) => ({ ...setting })) }),
      ...(thinkingConfig !== undefined && { generationConfig: { ...config, thinkingConfig } }),
    },
  };
}

/** Models Google Search grounding does not serve: media generation, speech, embeddings, Live. */
const NO_SEARCH = /(?:image|tts|embedding|live|audio)/;

function modelId(model: Model): string {
  return model.name.replace(/^models\//, '');
}

/** Whether a listed model is one a `-search` variant is offered for. */
function searchable(model: Model): boolean {
  const id = modelId(model);
  return id.startsWith('gemini-') && !NO_SEARCH.test(id) && (model.supportedGenerationMethods?.includes('generateContent') ?? false);
}

/**
 * The model list the translated APIs show: hidden models (`--hidden-models`) left out, and a
 * `-search` variant after each model Google Search grounding serves.
 */
export function listedModels(models: readonly Model[], hidden: ReadonlySet<string>): Model[] {
  const listed: Model[] = [];
  for (const model of models) {
    const id = modelId(model);
    if (hidden.has(id)) continue;
    listed.push(model);
    if (!searchable(model) || hidden.has(`${id}${SEARCH}`)) continue;
    const displayName = `${model.displayName ?? id} with Google Search`;
    listed.push({ ...model, name: `models/${id}${SEARCH}`, displayName });
  }
  return listed;
}

/** Whether `model` (a `-search` or `-non-thinking` name too) is one the operator hid. */
export function isHidden(model: string, hidden: ReadonlySet<string>): boolean {
  return hidden.size > 0 && (hidden.has(model) || hidden.has(modelVariant(model).model));
}

/**
 * @module Reasoning effort → Gemini's thinking config, for every protocol that names an effort
 * (OpenAI's `reasoning_effort`, Ollama's `think`). Gemini 2.5 takes token budgets, Gemini 3
 * levels; the budgets follow the convention of Google's own OpenAI-compatible layer. Pure.
 */

import type { ThinkingConfig } from '../gemini/types.js';

type Level = NonNullable<ThinkingConfig['thinkingLevel']>;

export const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export type Effort = (typeof EFFORTS)[number];

/** Thinking budgets for 2.x models by effort. */
const BUDGETS: Readonly<Record<Effort, number>> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576, xhigh: 24576, max: 24576 };
/** Gemini 3 takes levels instead of budgets; it cannot turn thinking off (see supportedLevel). */
const LEVELS: Readonly<Record<Effort, Level>> = {
  none: 'MINIMAL', minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', xhigh: 'HIGH', max: 'HIGH',
};
const LEVEL_NAMES: ReadonlySet<string> = new Set(Object.values(LEVELS));

export function isEffort(value: string): value is Effort {
  return Object.hasOwn(BUDGETS, value);
}

export function isThinkingLevel(value: string): value is Level {
  return LEVEL_NAMES.has(value);
}

/** Whether `model` takes thinking levels (Gemini 3) rather than budgets. */
function takesLevels(model: string): boolean {
  return /gemini-3/.test(model);
}

/**
 * Gemini 3 Pro models (3 Pro, 3.1 Pro) have no MINIMAL level; Flash and Flash-Lite have. Google
 * refuses a level the model lacks after a key was used, so the least level it has goes instead.
 */
const WITHOUT_MINIMAL = /gemini-3(?:\.\d+)?-pro/;

/** `level` if `model` takes it, else the nearest level above that it does. */
export function supportedLevel(level: Level, model: string): Level {
  return level === 'MINIMAL' && WITHOUT_MINIMAL.test(model) ? 'LOW' : level;
}

/** The thinking config for `effort` on `model`. */
export function thinkingForEffort(effort: Effort, model: string): ThinkingConfig {
  if (takesLevels(model)) return { thinkingLevel: supportedLevel(LEVELS[effort], model) };
  // 2.5 Pro cannot stop thinking: "none" asks for its smallest budget instead.
  if (effort === 'none' && /2\.5-pro/.test(model)) return { thinkingBudget: 128 };
  return { thinkingBudget: BUDGETS[effort] };
}

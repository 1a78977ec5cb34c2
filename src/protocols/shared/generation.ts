/**
 * @module Pieces of Gemini's `generationConfig` that every protocol fills the same way. Pure.
 */

import type { GenerationConfig } from '../gemini/types.js';
import { badRequest, readArray } from './read.js';

/** Stop sequences: one non-empty string or a list of them; anything else is a 400 naming `param`. */
export function stopSequences(value: unknown, param: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? [value] : readArray(value, param);
  if (!list?.every((item) => typeof item === 'string' && item !== '')) {
    throw badRequest(param, `${param} must be a non-empty string or an array of non-empty strings`);
  }
  return list as string[];
}

/** The config without its unset fields: proto3 JSON leaves them out rather than sending nulls. */
export function compact(config: GenerationConfig): GenerationConfig {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)) as GenerationConfig;
}

/** @module Gemini's model list → OpenAI's, ids without `models/`, aliases listed too. Pure. */

import type { Model } from '../gemini/types.js';

export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export function toOpenAiModels(models: readonly Model[], aliases: Readonly<Record<string, string>>): OpenAiModel[] {
  const listed = models.map((model) => ({
    id: model.name.replace(/^models\//, ''),
    object: 'model' as const,
    created: 0,
    owned_by: 'google',
  }));
  const known = new Set(listed.map((model) => model.id));
  const aliased = Object.keys(aliases)
    .filter((alias) => !known.has(alias))
    .map((alias) => ({ id: alias, object: 'model' as const, created: 0, owned_by: 'gemini-proxy' }));
  return [...listed, ...aliased];
}

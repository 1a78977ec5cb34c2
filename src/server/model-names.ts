/**
 * @module The model resolver every route shares: a client's model name → the Gemini model to
 * call. The operator's word comes first, then the built-in table of retired names.
 */

import { currentModelFor } from '../protocols/shared/legacy-models.js';
import type { ModelResolver } from '../protocols/shared/model-name.js';

/**
 * Resolves a name (without `models/`) through, in order: the `[models]` aliases (own keys only,
 * so `constructor` is no alias), the retired-name table when `legacy` is on, the name itself.
 * An alias wins over the table, so an operator can send `gemini-pro` wherever they like.
 */
export function modelResolver(aliases: Readonly<Record<string, string>>, legacy: boolean): ModelResolver {
  return function resolveModel(name) {
    if (Object.hasOwn(aliases, name)) return aliases[name] ?? name;
    const current = legacy ? currentModelFor(name) : undefined;
    return current ?? name;
  };
}

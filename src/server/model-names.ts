/**
 * @module The model resolver every route shares: a client's model name → the Gemini model to
 * call. The operator's word comes first, then the built-in table of retired names.
 */

import { ProxyError } from '../errors.js';
import { currentModelFor } from '../protocols/shared/legacy-models.js';
import type { ModelResolver } from '../protocols/shared/model-name.js';
import { isHidden } from '../protocols/shared/model-variants.js';

/**
 * Resolves a name (without `models/`) through, in order: the `[models]` aliases (own keys only,
 * so `constructor` is no alias), the retired-name table when `legacy` is on, the name itself.
 * An alias wins over the table, so an operator can send `gemini-pro` wherever they like. A
 * model the operator hid (`--hidden-models`) does not exist, whatever name led to it.
 */
export function modelResolver(aliases: Readonly<Record<string, string>>, legacy: boolean, hidden: ReadonlySet<string> = new Set()): ModelResolver {
  return function resolveModel(name) {
    const resolved = Object.hasOwn(aliases, name) ? aliases[name] ?? name : (legacy ? currentModelFor(name) : undefined) ?? name;
    if (isHidden(resolved, hidden)) throw new ProxyError('GP_MODEL_NOT_FOUND', `The model \`${name}\` does not exist`, { param: 'model' });
    return resolved;
  };
}

/**
 * @module A model name from a client → the Gemini model id to call. The id becomes part of the
 * upstream path, so it is checked. Pure.
 */

import { badRequest, readString } from './read.js';

/** A model name from a client: `models/` prefix dropped, then the alias map applied. */
export type ModelResolver = (name: string) => string;

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** An Ollama-style `:tag` (`:latest`, `:8b`) at the end of a name. */
const TAG = /:[^:/]*$/;

export interface ModelNameOptions {
  /** Ollama's names end in a `:tag`: an alias may name it whole, otherwise it is dropped. */
  readonly tagged?: boolean;
  /** The request field holding the name, for its 400s; `model` unless said. */
  readonly param?: string;
}

/** Resolves and checks a model name (it becomes part of the upstream path). */
export function resolveModelName(value: unknown, resolve: ModelResolver, options: ModelNameOptions = {}): { model: string; requested: string } {
  const param = options.param ?? 'model';
  const requested = readString(value, param);
  if (!requested) throw badRequest(param, `${param} is required`);
  const name = requested.replace(/^models\//, '');
  const aliased = resolve(name);
  const model = options.tagged === true && aliased === name ? resolve(name.replace(TAG, '')) : aliased;
  if (!MODEL_NAME.test(model)) throw badRequest(param, `${param} must be a Gemini model id such as gemini-2.5-flash`);
  return { model, requested };
}

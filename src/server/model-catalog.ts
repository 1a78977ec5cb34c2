/**
 * @module The upstream's model list, fetched with a pool key and kept briefly, for the
 * translated APIs' model listings: hidden models left out, `-search` variants added.
 */

import type { ListModelsResponse, Model } from '../protocols/gemini/types.js';
import type { AttemptTrail, Dispatcher, UpstreamAnswer } from '../upstream/dispatch.js';
import { familyScope } from '../protocols/gemini/paths.js';
import { isListModelsResponse } from '../protocols/gemini/answers.js';
import { listedModels } from '../protocols/shared/model-variants.js';

const LIST_PATH = '/v1beta/models?pageSize=1000';

export type CatalogResult =
  | { kind: 'models'; models: readonly Model[] }
  | UpstreamAnswer;

export class ModelCatalog {
  readonly #dispatcher: Dispatcher;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #hidden: ReadonlySet<string>;
  #cached: { models: readonly Model[]; until: number } | undefined;

  constructor(dispatcher: Dispatcher, ttlMs: number, now: () => number, hidden: ReadonlySet<string> = new Set()) {
    this.#dispatcher = dispatcher;
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#hidden = hidden;
  }

  async list(signal: AbortSignal, trail: AttemptTrail[]): Promise<CatalogResult> {
    if (this.#cached !== undefined && this.#cached.until > this.#now()) return { kind: 'models', models: this.#cached.models };
    // Checked before it is kept: an answer that cannot be translated is never cached.
    const result = await this.#dispatcher.send(
      { method: 'GET', path: LIST_PATH, headers: {}, body: undefined, scope: familyScope('models'), clientPath: false, expect: isListModelsResponse },
      signal,
      trail,
    );
    if (result.kind === 'answer') return result;
    const models = listedModels((result.value as ListModelsResponse).models ?? [], this.#hidden);
    this.#cached = { models, until: this.#now() + this.#ttlMs };
    return { kind: 'models', models };
  }
}

/**
 * @module The upstream's model list, fetched with a pool key and kept briefly, for the
 * translated APIs' model listings.
 */

import type { ListModelsResponse, Model } from '../protocols/gemini/types.js';
import type { AttemptTrail, DispatchResult, Dispatcher } from '../upstream/dispatch.js';
import { readUpstreamJson } from './upstream-json.js';

const LIST_PATH = '/v1beta/models?pageSize=1000';

export type CatalogResult =
  | { kind: 'models'; models: readonly Model[] }
  | Extract<DispatchResult, { kind: 'answer' }>;

export class ModelCatalog {
  readonly #dispatcher: Dispatcher;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #cached: { models: readonly Model[]; until: number } | undefined;

  constructor(dispatcher: Dispatcher, ttlMs: number, now: () => number) {
    this.#dispatcher = dispatcher;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  async list(signal: AbortSignal, trail: AttemptTrail[]): Promise<CatalogResult> {
    if (this.#cached !== undefined && this.#cached.until > this.#now()) return { kind: 'models', models: this.#cached.models };
    const result = await this.#dispatcher.send(
      { method: 'GET', path: LIST_PATH, headers: {}, body: undefined, model: '' },
      signal,
      trail,
    );
    if (result.kind === 'answer') return result;
    const response = await readUpstreamJson<ListModelsResponse>(result.body);
    const models = response.models ?? [];
    this.#cached = { models, until: this.#now() + this.#ttlMs };
    return { kind: 'models', models };
  }
}

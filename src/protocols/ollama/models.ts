/**
 * @module Gemini's model list → Ollama's `/api/tags`, `/api/ps` and `/api/show` (wire-formats
 * §3.5, wire-formats-2 §6.2–6.3). Names carry Ollama's `:tag` (`gemini-2.5-flash:latest`);
 * aliases are listed as models of their own, with their target's details. Nothing is
 * downloaded, so sizes are 0; digests are the SHA-256 of the name, stable across calls. Pure.
 */

import { createHash } from 'node:crypto';

import type { Model } from '../gemini/types.js';
import type { Json } from '../shared/json.js';

/** What `/api/version` reports: clients parse it as dot-separated integers and enforce a minimum. */
export const OLLAMA_VERSION = '0.12.6';

/** How long `/api/ps` says a model stays loaded: Ollama's default keep_alive. */
const KEEP_ALIVE_MS = 5 * 60_000;

/** An Ollama `:tag` at the end of a name, as shared/model-name.ts reads it. */
const TAG = /:[^:/]*$/;

/** A model the client may name, with the name it is listed under. */
export interface FoundModel {
  readonly model: Model;
  readonly name: string;
}

function idOf(name: string): string {
  return name.replace(/^models\//, '');
}

function withTag(name: string): string {
  return TAG.test(name) ? name : `${name}:latest`;
}

function aliasTarget(aliases: Readonly<Record<string, string>>, name: string): string | undefined {
  // Own keys only: `constructor` is not an alias.
  return Object.hasOwn(aliases, name) ? aliases[name] : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function details(): Json {
  return { parent_model: '', format: 'gemini', family: 'gemini', families: ['gemini'], parameter_size: '', quantization_level: '' };
}

function digest(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function contextLength(model: Model): number {
  const limit: unknown = model.inputTokenLimit;
  return typeof limit === 'number' && Number.isFinite(limit) ? limit : 0;
}

/** Every model, then every alias whose target is listed; an alias replaces a model of its name. */
function listed(models: readonly Model[], aliases: Readonly<Record<string, string>>): FoundModel[] {
  const byId = new Map(models.map((model) => [idOf(model.name), model]));
  const byName = new Map<string, FoundModel>();
  const add = (name: string, model: Model | undefined): void => {
    if (model !== undefined) byName.set(withTag(name), { model, name: withTag(name) });
  };
  for (const model of models) add(idOf(model.name), model);
  for (const [alias, target] of Object.entries(aliases)) add(alias, byId.get(idOf(target)));
  return [...byName.values()];
}

/** The model a client's name means: an alias (whole, or without its tag), else the Gemini id without the tag. */
export function findOllamaModel(models: readonly Model[], aliases: Readonly<Record<string, string>>, name: string): FoundModel | undefined {
  const bare = idOf(name);
  const target = aliasTarget(aliases, bare) ?? aliasTarget(aliases, bare.replace(TAG, '')) ?? bare.replace(TAG, '');
  const model = models.find((candidate) => idOf(candidate.name) === idOf(target));
  return model === undefined ? undefined : { model, name: withTag(bare) };
}

/** `/api/tags`. */
export function toOllamaTags(models: readonly Model[], aliases: Readonly<Record<string, string>>, nowMs: number): Json {
  return {
    models: listed(models, aliases).map(({ name }) => ({ name, model: name, modified_at: iso(nowMs), size: 0, digest: digest(name), details: details() })),
  };
}

/** `/api/ps`: every model counts as loaded, for as long as Ollama keeps one by default. */
export function toOllamaPs(models: readonly Model[], aliases: Readonly<Record<string, string>>, nowMs: number): Json {
  return {
    models: listed(models, aliases).map(({ model, name }) => ({
      name, model: name, size: 0, digest: digest(name), details: details(),
      expires_at: iso(nowMs + KEEP_ALIVE_MS), size_vram: 0, context_length: contextLength(model),
    })),
  };
}

/**
 * What a model can do, from the methods Gemini lists. Gemini models that generate also take
 * tools and images; other generators (Gemma, …) may not, so they claim neither. Clients hide
 * models without `tools` from agents and without `vision` from image chats.
 */
export function capabilities(model: Model): string[] {
  const listedMethods: unknown = model.supportedGenerationMethods;
  const methods = new Set(Array.isArray(listedMethods) ? listedMethods : []);
  const found: string[] = [];
  if (methods.has('generateContent')) {
    found.push('completion');
    if (idOf(model.name).startsWith('gemini-')) found.push('tools', 'vision');
  }
  if (model.thinking === true) found.push('thinking');
  if (methods.has('embedContent') || methods.has('batchEmbedContents')) found.push('embedding');
  return found;
}

/** `/api/show`. `model_info` is always an object: VS Code hides a model whose `model_info` is null. */
export function toOllamaShow(found: FoundModel, nowMs: number): Json {
  const length = contextLength(found.model);
  return {
    modelfile: `# Served by gemini-proxy from Google's Gemini API\nFROM ${idOf(found.model.name)}\n`,
    parameters: '',
    template: '',
    details: details(),
    model_info: { 'general.architecture': 'gemini', ...(length > 0 && { 'gemini.context_length': length }) },
    capabilities: capabilities(found.model),
    modified_at: iso(nowMs),
  };
}

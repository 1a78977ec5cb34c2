/**
 * @module The Gemini resources that belong to the project that made them (wire-formats-2 §3.3):
 * files, caches, batches, tuned models, operations, search stores, interactions. Which of them a
 * request names (in its path or anywhere in its body) and which an answer creates, so the
 * dispatcher can send every later request about one with the key that made it. Pure.
 */

import { isObject } from '../shared/json.js';

/** Collections whose members live in one project; a key of another gets 403 or 404. */
export const OWNED_COLLECTIONS: readonly string[] = [
  'files', 'generatedFiles', 'cachedContents', 'batches', 'operations', 'tunedModels', 'fileSearchStores', 'corpora', 'interactions',
  // Ephemeral tokens for the Live API: a session opened with one uses the key that minted it.
  'auth_tokens',
];

/**
 * A resource name wherever it stands: `files/abc` in a path or a field, the tail of a file URI
 * (`https://…/v1beta/files/abc`). Ids are Google's (letters, digits, `-`, `_`); what follows
 * (`:download`, `/operations/…`) is not part of the name.
 */
const NAMED = new RegExp(`(?<![A-Za-z0-9_])(${OWNED_COLLECTIONS.join('|')})/([A-Za-z0-9_-]{1,128})(?![A-Za-z0-9_])`, 'g');

/** The Interactions API names the conversation it continues by bare id. */
const PREVIOUS_INTERACTION = /"previous_interaction_id"\s*:\s*"([A-Za-z0-9_-]{1,128})"/g;

/**
 * The resource a path is about: `/v1beta/files/abc`, `/download/v1beta/files/abc:download` →
 * `files/abc`; `/upload/v1beta/fileSearchStores/s:uploadToFileSearchStore` → the store. None for
 * a collection or a model.
 */
export function resourceOfPath(path: string): string | undefined {
  const match = /^(?:\/upload|\/download)?\/v1(?:beta|alpha)?\/([A-Za-z_]+)\/([A-Za-z0-9_-]{1,128})(?=$|[:/?])/.exec(path);
  if (match === null) return undefined;
  const [, collection = '', id = ''] = match;
  return OWNED_COLLECTIONS.includes(collection) ? `${collection}/${id}` : undefined;
}

/** Every owned resource a request body names, each once, in order of first mention. */
export function resourcesInText(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(NAMED)) names.add(`${match[1]}/${match[2]}`);
  for (const match of text.matchAll(PREVIOUS_INTERACTION)) names.add(`interactions/${match[1]}`);
  return [...names];
}

function ownedName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const collection = value.split('/', 1)[0] ?? '';
  return OWNED_COLLECTIONS.includes(collection) && resourceOfPath(`/v1/${value}`) !== undefined ? value.split('/').slice(0, 2).join('/') : undefined;
}

/**
 * The resources an answer says were made: `name` (a cache, batch, store, operation), `file.name`
 * (an upload), `metadata.tunedModel` (a tuning operation), `id` of an interaction (bare).
 */
export function createdResources(answer: unknown, interaction = false): string[] {
  if (!isObject(answer)) return [];
  const file = answer['file'];
  const metadata = answer['metadata'];
  const found = [
    ownedName(answer['name']),
    isObject(file) ? ownedName(file['name']) : undefined,
    isObject(metadata) ? ownedName(metadata['tunedModel']) : undefined,
    interaction && typeof answer['id'] === 'string' ? ownedName(`interactions/${answer['id']}`) : undefined,
  ];
  return [...new Set(found.filter((name): name is string => name !== undefined))];
}

/** Verbs on a model that answer with a new resource (a batch, a long-running operation). */
const CREATING_VERBS = new Set(['batchGenerateContent', 'asyncBatchEmbedContent', 'predictLongRunning']);

/** Whether a request makes a resource whose answer names it: a POST to an owned collection, or a creating verb. */
export function createsResource(method: string, path: string): boolean {
  if (method !== 'POST') return false;
  const match = /^\/v1(?:beta|alpha)?\/([A-Za-z_]+)(?:\/([^/?:]+))?(?::([A-Za-z]+))?(?:\?|$)/.exec(path);
  if (match === null) return false;
  const [, collection = '', id, verb = ''] = match;
  if (id === undefined) return OWNED_COLLECTIONS.includes(collection) && verb === '';
  return (collection === 'models' || collection === 'tunedModels') && CREATING_VERBS.has(verb);
}

/**
 * @module Which Gemini REST paths the proxy forwards, and how: the `/gemini` prefix removed,
 * every credential the client put in the query removed, the path checked so no client can steer
 * the request anywhere but the configured relay. Pure.
 */

import { ProxyError } from '../../errors.js';
import type { ModelResolver } from '../shared/model-name.js';

const GEMINI_PREFIX = '/gemini';
const DOWNLOAD_PREFIX = '/download';
const VERSIONS = new Set(['v1', 'v1beta', 'v1alpha']);

/** The resource collections of the Gemini API (wire-formats §1.2). */
const COLLECTIONS = new Set([
  'models',
  'tunedModels',
  'cachedContents',
  'files',
  'batches',
  'operations',
  'corpora',
  'fileSearchStores',
  'generatedFiles',
  'interactions',
  'auth_tokens',
]);

/** Path characters Gemini resource names and verbs use; `%` is out so nothing decodes later. */
const SAFE_PATH = /^[A-Za-z0-9._~:\-/]+$/;

/** What a resolved model id may be: it replaces one path segment, so no `/`, `:` or `..`. */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Query parameters that carry a credential or an identity (Google's system parameters, OAuth's
 * `access_token`, the names relays use), compared lower-cased. Forwarded beside the pool key they
 * would make Google answer 400/401/403 about a credential that is not the key's, or bill another
 * project.
 */
const CREDENTIAL_PARAMS = new Set([
  'key', 'api_key', 'apikey', 'access_token', 'oauth_token', 'bearer_token', 'token',
  'passwd', 'password', 'userproject', 'quotauser', 'httpmethod', 'httpheaders',
]);

/**
 * Google's system parameters (`$name`) the proxy forwards; every other one is dropped, since
 * some set what a header would (`$httpHeaders` sets any header, `$userProject` the billed
 * project), so they could carry what the header hygiene removes.
 */
const SYSTEM_PARAMS = new Set(['$alt', '$fields', '$prettyprint', '$.xgafv']);

/** Verbs that share the model's generation quota; other verbs have quotas of their own. */
const GENERATION_VERBS = new Set(['generateContent', 'streamGenerateContent']);
const EMBEDDING_VERBS = new Set(['embedContent', 'batchEmbedContents']);

export interface GeminiTarget {
  /** Path and query to send after the relay's base path. */
  readonly upstreamPath: string;
  /** `gemini-2.5-flash` for `models/gemini-2.5-flash:…`, `tunedModels/x` for tuned; '' for none. */
  readonly model: string;
  /** The model as the client's path named it, before the resolver; '' for none. */
  readonly requestedModel: string;
  /** What a 429 cools the key for (`quotaScope`). */
  readonly scope: string;
  /** The custom verb after `:` (`generateContent`, `streamGenerateContent`, …), or ''. */
  readonly verb: string;
}

/** `/v1/`, `/v1beta/`, `/v1alpha/`, with or without the `/gemini` prefix (no allocation: it runs per request). */
const GEMINI_NAMESPACE = /^(?:\/gemini)?(?:\/download)?\/v1(?:beta|alpha)?(?:\/|$)/;

/** Whether `pathname` is in the Gemini namespace at all (so errors take Gemini's shape). */
export function isGeminiPath(pathname: string): boolean {
  return GEMINI_NAMESPACE.test(pathname);
}

/**
 * Whether a `/v1/…` path names one of Gemini's resource collections (`/v1/models/…`,
 * `/v1/files/…`): the only `/v1/` paths a Gemini client sends. Any other is an OpenAI client's.
 */
export function isGeminiResourcePath(pathname: string): boolean {
  const collection = /^\/v1\/([^/:]+)/.exec(pathname)?.[1];
  return collection !== undefined && COLLECTIONS.has(collection);
}

/** The quota scope of a call without a model (model ids never hold `:`, so none collides). */
export function familyScope(collection: string): string {
  return `${collection}:*`;
}

/**
 * What a 429 cools a key for. Google's quotas are per model and per kind of call: generation
 * (`gemini-2.5-flash`), embedding (`…:embed`), any other verb (`…:countTokens`) or reading the
 * model (`…:get`); a call without a model counts against its resource family (`files:*`). So a
 * rate-limited token count or file listing never stops generation.
 */
export function quotaScope(model: string, verb: string, collection = 'models'): string {
  if (model === '') return familyScope(collection);
  if (GENERATION_VERBS.has(verb)) return model;
  if (EMBEDDING_VERBS.has(verb)) return `${model}:embed`;
  return `${model}:${verb || 'get'}`;
}

function modelOf(segments: readonly string[]): { model: string; scope: string; verb: string } {
  const [collection = '', id = ''] = segments;
  const [name = '', verb = ''] = id.split(':');
  const model = collection === 'models' ? name : collection === 'tunedModels' && name ? `tunedModels/${name}` : '';
  return { model, scope: quotaScope(model, verb, collection.split(':')[0] ?? collection), verb };
}

/**
 * The segments with the model of `models/{model}[:verb]` resolved (aliases, retired names), so
 * the request goes upstream, and is scoped, under the model actually called.
 */
function resolveSegments(segments: readonly string[], resolve: ModelResolver): readonly string[] {
  const [collection, id = '', ...rest] = segments;
  const name = id.split(':')[0] ?? '';
  if (collection !== 'models' || name === '') return segments;
  const model = resolve(name);
  if (model === name) return segments;
  if (!MODEL_ID.test(model)) throw new ProxyError('GP_BAD_PATH', 'the model resolves to a name Gemini paths never use');
  return [collection, model + id.slice(name.length), ...rest];
}

function isCredential(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.startsWith('$')) return !SYSTEM_PARAMS.has(lower);
  return CREDENTIAL_PARAMS.has(lower);
}

/** The query without credentials; parsed and re-encoded, so no encoding trick hides a name. */
function cleanQuery(search: URLSearchParams): string {
  if (search.size === 0) return '';
  let credentials = false;
  for (const name of search.keys()) credentials ||= isCredential(name);
  if (!credentials) return search.toString();
  const query = new URLSearchParams();
  for (const [name, value] of search) if (!isCredential(name)) query.append(name, value);
  return query.toString();
}

/** The resolver of a caller with no aliases: every name as it is. */
const asNamed: ModelResolver = (name) => name;

/**
 * Maps a client URL (`/gemini/v1beta/models/x:generateContent?alt=sse&key=…`) to the upstream
 * path (`/v1beta/models/x:generateContent?alt=sse`), the model resolved through `resolve`.
 * Throws GP_BAD_PATH or GP_NOT_FOUND.
 */
export function geminiTarget(pathname: string, search: URLSearchParams, resolve: ModelResolver = asNamed): GeminiTarget {
  const full = pathname.startsWith(`${GEMINI_PREFIX}/`) ? pathname.slice(GEMINI_PREFIX.length) : pathname;
  // Generated files' bytes (`/download/v1beta/files/x:download?alt=media`) sit beside the API.
  const download = full.startsWith(`${DOWNLOAD_PREFIX}/`) ? DOWNLOAD_PREFIX : '';
  const path = full.slice(download.length);
  if (!SAFE_PATH.test(path)) throw new ProxyError('GP_BAD_PATH', 'the path holds characters Gemini paths never use');
  const [, version = '', ...segments] = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ProxyError('GP_BAD_PATH', 'the path has an empty or relative segment');
  }
  if (!VERSIONS.has(version) || !COLLECTIONS.has((segments[0] ?? '').split(':')[0] ?? '')) {
    throw new ProxyError('GP_NOT_FOUND', `no Gemini API resource at ${path}`);
  }
  const resolved = resolveSegments(segments, resolve);
  const upstream = resolved === segments ? path : `/${version}/${resolved.join('/')}`;
  // The client's credentials stay here; the pool key travels in a header.
  const queryText = cleanQuery(search);
  const target = modelOf(resolved);
  const requestedModel = resolved === segments ? target.model : modelOf(segments).model;
  const upstreamPath = `${download}${upstream}${queryText ? `?${queryText}` : ''}`;
  return { upstreamPath, requestedModel, ...target };
}

/** Upload endpoints: files, and a file search store's (which belongs to the key that made it). */
const UPLOAD_PATH = /^(\/gemini)?\/upload(\/v1(?:beta|alpha)?\/(?:files|fileSearchStores\/[A-Za-z0-9_-]{1,128}:uploadToFileSearchStore))$/;

export interface UploadTarget {
  /** `/gemini` when the client used that prefix, else ''. */
  readonly prefix: string;
  /** The API path after `/upload` (`/v1beta/files`), for resource lookups. */
  readonly apiPath: string;
  /** Path and query to send upstream, the client's credentials removed. */
  readonly upstreamPath: string;
}

/** The upload endpoint a client path names, or undefined when it is none. */
export function uploadTarget(pathname: string, search: URLSearchParams): UploadTarget | undefined {
  const match = UPLOAD_PATH.exec(pathname);
  if (match === null) return undefined;
  const [, prefix = '', apiPath = ''] = match;
  const query = cleanQuery(search);
  return { prefix, apiPath, upstreamPath: `/upload${apiPath}${query ? `?${query}` : ''}` };
}

/**
 * Google's upload URL (`https://…/upload/v1beta/files?upload_id=…&upload_protocol=resumable`) →
 * the path and query to send after a relay's base path, any key Google echoed removed; undefined
 * when it is not an upload URL.
 */
export function upstreamUploadPath(uploadUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uploadUrl);
  } catch {
    return undefined;
  }
  if (!/^\/upload\/v1(?:beta|alpha)?\//.test(url.pathname) || !SAFE_PATH.test(url.pathname)) return undefined;
  const query = cleanQuery(url.searchParams);
  return query ? `${url.pathname}?${query}` : url.pathname;
}

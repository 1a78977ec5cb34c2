/**
 * @module Which Gemini REST paths the proxy forwards, and how: the `/gemini` prefix removed,
 * the client's `key` query parameter removed, the path checked so no client can steer the
 * request anywhere but the configured relay. Pure.
 */

import { ProxyError } from '../../errors.js';

const GEMINI_PREFIX = '/gemini';
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
]);

/** Path characters Gemini resource names and verbs use; `%` is out so nothing decodes later. */
const SAFE_PATH = /^[A-Za-z0-9._~:\-/]+$/;

export interface GeminiTarget {
  /** Path and query to send after the relay's base path. */
  readonly upstreamPath: string;
  /** `gemini-2.5-flash` for `models/gemini-2.5-flash:…`, `tunedModels/x` for tuned; '' for none. */
  readonly model: string;
  /** The custom verb after `:` (`generateContent`, `streamGenerateContent`, …), or ''. */
  readonly verb: string;
}

/** `/v1/`, `/v1beta/`, `/v1alpha/`, with or without the `/gemini` prefix (no allocation: it runs per request). */
const GEMINI_NAMESPACE = /^(?:\/gemini)?\/v1(?:beta|alpha)?(?:\/|$)/;

/** Whether `pathname` is in the Gemini namespace at all (so errors take Gemini's shape). */
export function isGeminiPath(pathname: string): boolean {
  return GEMINI_NAMESPACE.test(pathname);
}

function modelOf(segments: readonly string[]): { model: string; verb: string } {
  const [collection, id = ''] = segments;
  const [name = '', verb = ''] = id.split(':');
  if (collection === 'models') return { model: name, verb };
  if (collection === 'tunedModels') return { model: `tunedModels/${name}`, verb };
  return { model: '', verb };
}

/**
 * Maps a client URL (`/gemini/v1beta/models/x:generateContent?alt=sse&key=…`) to the upstream
 * path (`/v1beta/models/x:generateContent?alt=sse`). Throws GP_BAD_PATH or GP_NOT_FOUND.
 */
export function geminiTarget(pathname: string, search: URLSearchParams): GeminiTarget {
  const path = pathname.startsWith(`${GEMINI_PREFIX}/`) ? pathname.slice(GEMINI_PREFIX.length) : pathname;
  if (!SAFE_PATH.test(path)) throw new ProxyError('GP_BAD_PATH', 'the path holds characters Gemini paths never use');
  const [, version = '', ...segments] = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ProxyError('GP_BAD_PATH', 'the path has an empty or relative segment');
  }
  if (!VERSIONS.has(version) || !COLLECTIONS.has((segments[0] ?? '').split(':')[0] ?? '')) {
    throw new ProxyError('GP_NOT_FOUND', `no Gemini API resource at ${path}`);
  }
  let queryText = search.size === 0 ? '' : search.toString();
  if (search.has('key')) {
    const query = new URLSearchParams(search);
    query.delete('key'); // the client's credential; the pool key travels in a header
    queryText = query.toString();
  }
  return { upstreamPath: queryText ? `${path}?${queryText}` : path, ...modelOf(segments) };
}

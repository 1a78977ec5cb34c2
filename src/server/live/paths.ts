/**
 * @module The Live API's WebSocket paths (wire-formats-2 §4.1): which upgrade paths are served
 * and the one upstream path each maps to. Pure.
 */

/** The Live API's RPCs: an API key opens the first, an ephemeral token the second. */
export type LiveMethod = 'BidiGenerateContent' | 'BidiGenerateContentConstrained';

export interface LiveTarget {
  readonly version: 'v1beta' | 'v1alpha';
  readonly method: LiveMethod;
  /**
   * The path after the relay's base path, with one leading slash and no query: the Live RPC
   * reads no parameter but its credential (`key=` or `access_token=`), which is the client's
   * and stays here, so nothing of the client's query goes upstream.
   */
  readonly upstreamPath: string;
}

/**
 * `@google/genai` appends `/ws/…` to its base URL after `URL#toString()`, which ends a bare
 * origin with `/`: so a base of `http://host` asks for `//ws/…`, and `http://host/gemini/` for
 * `/gemini//ws/…`. One or two slashes, with or without the `/gemini` prefix.
 */
const LIVE_PATH =
  /^(?:\/gemini)?\/\/?ws\/google\.ai\.generativelanguage\.(v1beta|v1alpha)\.GenerativeService\.(BidiGenerateContent|BidiGenerateContentConstrained)$/;

/** The Live target of an upgrade path (without its query), or undefined for any other path. */
export function liveTarget(pathname: string): LiveTarget | undefined {
  const match = LIVE_PATH.exec(pathname);
  const version = match?.[1];
  const method = match?.[2];
  if ((version !== 'v1beta' && version !== 'v1alpha') || method === undefined) return undefined;
  const rpc = method === 'BidiGenerateContent' ? 'BidiGenerateContent' : 'BidiGenerateContentConstrained';
  return { version, method: rpc, upstreamPath: `/ws/google.ai.generativelanguage.${version}.GenerativeService.${rpc}` };
}

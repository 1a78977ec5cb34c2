/**
 * @module Client access: the proxy keys (`--proxy-key`) a client must present, checked in
 * constant time. A token is accepted wherever the client SDKs put their API key.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Every credential the request carries: Bearer token, API-key headers, `?key=`. */
function presentedTokens(headers: IncomingHttpHeaders, search: URLSearchParams): string[] {
  const tokens: string[] = [];
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) tokens.push(match[1].trim());
  }
  for (const name of ['x-goog-api-key', 'x-api-key', 'api-key'] as const) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') tokens.push(value.trim());
  }
  const key = search.get('key');
  if (key) tokens.push(key);
  return tokens;
}

export class ClientAuth {
  readonly #digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
  }

  /** Whether any proxy key is configured; without one, every client is let in. */
  get required(): boolean {
    return this.#digests.length > 0;
  }

  /**
   * Which configured token the request presents: its position in the configured list (the
   * client's identity for rate limits, never the token itself), or undefined for none. Both
   * sides are hashed first, so the comparison takes the same time whatever the length or
   * content of what was sent, and every configured token is compared (no early exit). When
   * several presented credentials match, the first presented wins.
   */
  identify(headers: IncomingHttpHeaders, search: URLSearchParams): number | undefined {
    let matched: number | undefined;
    for (const token of presentedTokens(headers, search)) {
      const presented = digest(token);
      for (let index = 0; index < this.#digests.length; index++) {
        const expected = this.#digests[index];
        const equal = expected !== undefined && timingSafeEqual(presented, expected);
        if (equal && matched === undefined) matched = index;
      }
    }
    return matched;
  }
}

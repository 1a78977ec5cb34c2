/** @module Removes secrets from free text (error messages, upstream error bodies). Pure. */

export const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each secret, and of its URL-encoded form, in `text`.
 * Structural redaction cannot see inside strings, and Google echoes keys inside messages
 * ("Consumer 'api_key:…' has been suspended", "Invalid API key: …").
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    result = result.replaceAll(secret, REDACTED);
    // The forms a secret takes in a URL: encodeURIComponent's and a query string's.
    for (const encoded of new Set([encodeURIComponent(secret), new URLSearchParams({ k: secret }).toString().slice(2)])) {
      if (encoded !== secret) result = result.replaceAll(encoded, REDACTED);
    }
  }
  return result;
}

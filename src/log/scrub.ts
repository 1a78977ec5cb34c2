/** @module Removes secrets from free text (error messages, upstream bodies and headers). Pure. */

export const REDACTED = '[redacted]';

/** A set of secrets made into one pattern, and the shortest text that could hold one of them. */
export interface Compiled {
  readonly shortest: number;
  readonly pattern: RegExp | undefined;
  /** The same secrets in any case: header names arrive lower-cased. */
  readonly anyCase: RegExp | undefined;
}

/**
 * Compiled once per collection of secrets (the daemon's set changes only on a reload), because
 * scrubbing runs on every upstream response header.
 */
const compiledSets = new WeakMap<object, Compiled>();

/** The forms a secret takes in text: raw, encodeURIComponent's and a query string's. */
function formsOf(secret: string): string[] {
  return [secret, encodeURIComponent(secret), new URLSearchParams({ k: secret }).toString().slice(2)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(secrets: Iterable<string>): Compiled {
  const forms = new Set<string>();
  for (const secret of secrets) if (secret.length > 0) for (const form of formsOf(secret)) forms.add(form);
  if (forms.size === 0) return { shortest: Number.POSITIVE_INFINITY, pattern: undefined, anyCase: undefined };
  // Longest first, so a secret that contains another is replaced whole.
  const source = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
  return {
    shortest: Math.min(...[...forms].map((form) => form.length)),
    pattern: new RegExp(source, 'g'),
    anyCase: new RegExp(source, 'i'),
  };
}

/** The compiled form of `secrets`, made once per collection. */
export function compiledFor(secrets: Iterable<string>): Compiled {
  let compiled = compiledSets.get(secrets);
  if (compiled === undefined) {
    compiled = compile(secrets);
    compiledSets.set(secrets, compiled);
  }
  return compiled;
}

/**
 * Replaces every occurrence of each secret, and of its URL-encoded forms, in `text`.
 * Structural redaction cannot see inside strings, and Google echoes keys inside messages
 * ("Consumer 'api_key:…' has been suspended", "Invalid API key: …"). Text shorter than the
 * shortest secret is returned at once.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  return scrubCompiled(text, compiledFor(secrets));
}

/** Whether `text` holds a secret in any letter case (a header name, which arrives lower-cased). */
export function holdsSecretAnyCase(text: string, { shortest, anyCase }: Compiled): boolean {
  return anyCase !== undefined && text.length >= shortest && anyCase.test(text);
}

/** `scrubSecrets` with the compiled secrets at hand (for many texts in a row). */
export function scrubCompiled(text: string, { shortest, pattern }: Compiled): string {
  if (pattern === undefined || text.length < shortest) return text;
  return text.replace(pattern, REDACTED);
}

/** `scrubSecrets` for one secret, without compiling anything (one attempt's own key). */
export function scrubSecret(text: string, secret: string): string {
  if (secret.length === 0 || text.length < secret.length) return text;
  let result = text;
  for (const form of formsOf(secret)) if (result.includes(form)) result = result.replaceAll(form, REDACTED);
  return result;
}

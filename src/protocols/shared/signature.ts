/**
 * @module Carrying Gemini 3's thought signatures through clients. Gemini wants the signature of
 * each function call back with the history; clients echo a tool call's id (OpenAI, Ollama) and
 * many drop fields they do not know, so the signature rides inside the id: `call_<random>` or
 * `call_<random>.ts.<base64url signature>`. A call that comes back without one gets Google's
 * documented stand-in. Pure.
 */

/** Google's documented stand-in when a function call in history has no signature of its own. */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

const MARK = '.ts.';

function toBase64Url(base64: string): string {
  // Padding is cut by hand: `/=+$/` is quadratic over a long run of `=` not at the end.
  let end = base64.length;
  while (base64[end - 1] === '=') end -= 1;
  return base64.slice(0, end).replaceAll('+', '-').replaceAll('/', '_');
}

function fromBase64Url(text: string): string {
  const base64 = text.replaceAll('-', '+').replaceAll('_', '/');
  return base64 + '='.repeat((4 - (base64.length % 4)) % 4);
}

/** A tool-call id from a fresh random token and, when Gemini sent one, the signature. */
export function encodeToolCallId(token: string, thoughtSignature: string | undefined): string {
  const id = `call_${token}`;
  return thoughtSignature ? `${id}${MARK}${toBase64Url(thoughtSignature)}` : id;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The thought signature inside a tool-call id, if it carries one. What follows the mark must be
 * base64url: anything else was not written by the proxy, and would only earn Google's 400.
 */
export function signatureFromToolCallId(id: string): string | undefined {
  const at = id.indexOf(MARK);
  const encoded = at === -1 ? '' : id.slice(at + MARK.length);
  return BASE64URL.test(encoded) ? fromBase64Url(encoded) : undefined;
}

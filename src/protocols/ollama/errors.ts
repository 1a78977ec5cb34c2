/**
 * @module Errors in Ollama's shape, `{"error": "<message>"}` (wire-formats-2 §6.5): the proxy's
 * own, and Google's translated. The HTTP status carries the kind. Pure.
 */

import type { ProxyError } from '../../errors.js';
import type { GoogleError } from '../gemini/google-error.js';
import type { Json } from '../shared/json.js';

export function ollamaErrorBody(error: ProxyError): string {
  return JSON.stringify({ error: error.message });
}

/**
 * Google's error answer in Ollama's shape. `_status` is taken for parity with the other
 * protocols' renderers; Ollama's body has no place for it (the response status says it).
 */
export function fromGoogleError(_status: number, error: GoogleError | undefined, fallback: string): Json {
  return { error: error?.message || fallback };
}

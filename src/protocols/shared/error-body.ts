/**
 * @module The plainest error shape, `{"error": "<message>"}`, which Ollama, the chat-session API
 * and the simple endpoint all use: the HTTP status says the kind. Pure.
 */

import type { ProxyError } from '../../errors.js';
import type { GoogleError } from '../gemini/google-error.js';

/** The proxy's own error. */
export function errorMessageBody(error: ProxyError): string {
  return JSON.stringify({ error: error.message });
}

/** Google's error answer; the status it came with goes on the response, not in the body. */
export function fromGoogleErrorMessage(_status: number, error: GoogleError | undefined, fallback: string): { error: string } {
  return { error: error?.message || fallback };
}

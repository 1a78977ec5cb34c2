/**
 * @module Errors in Anthropic's envelope `{"type": "error", "error": {type, message}}`: the
 * proxy's own, and Google's translated (wire-formats-2 §1.6). Pure.
 *
 * Which status the proxy answers Anthropic clients (anthropicStatus):
 * - every status as it is, with Anthropic's type for it: 400 (and 405, 415, every other 4xx)
 *   `invalid_request_error`, 401 `authentication_error`, 403 `permission_error`, 404
 *   `not_found_error`, 413 `request_too_large`, 429 `rate_limit_error`, 504 `timeout_error`,
 *   500 and every other 5xx `api_error`;
 * - except a 503 that means "over capacity, retry later", which is Anthropic's 529
 *   `overloaded_error`: the proxy's body budget full (GP_BUSY), or Google's own 503 UNAVAILABLE
 *   ("the model is overloaded"). No key usable at all (GP_NO_KEY_AVAILABLE) is a fault to fix,
 *   not a load: it stays 503 `api_error`. (The SDK retries 529 only without the proxy's
 *   `x-should-retry: false`, which every final 5xx but GP_BUSY carries.)
 * - Every key cooling (GP_KEYS_COOLING) stays 429 `rate_limit_error` with its `Retry-After`:
 *   that is a rate limit with a known end, which the SDK honours.
 */

import type { ProxyError } from '../../errors.js';
import type { GoogleError } from '../gemini/google-error.js';
import type { AnthropicError, AnthropicErrorType } from './types.js';

/** Anthropic's status for overload. */
export const OVERLOADED_STATUS = 529;

/** Codes (the proxy's, or Google's rpc status) whose 503 is Anthropic's 529. */
const OVERLOADED_CODES: ReadonlySet<string> = new Set(['GP_BUSY', 'UNAVAILABLE']);

const TYPES: Readonly<Record<number, AnthropicErrorType>> = {
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** The status an Anthropic client gets for the proxy's (or Google's) `status` and `code`. */
export function anthropicStatus(status: number, code?: string): number {
  return status === 503 && code !== undefined && OVERLOADED_CODES.has(code) ? OVERLOADED_STATUS : status;
}

/** Anthropic's error type for a status and code (see the module comment). */
export function errorType(status: number, code?: string): AnthropicErrorType {
  const answered = anthropicStatus(status, code);
  return TYPES[answered] ?? (answered >= 500 ? 'api_error' : 'invalid_request_error');
}

function envelope(type: AnthropicErrorType, message: string): AnthropicError {
  return { type: 'error', error: { type, message } };
}

/** The proxy's own error, as a body; send it with `anthropicStatus(error.status, error.code)`. */
export function anthropicErrorBody(error: ProxyError): string {
  return JSON.stringify(envelope(errorType(error.status, error.code), error.message));
}

/**
 * Google's error answer in Anthropic's envelope; send it with
 * `anthropicStatus(status, googleError?.status)`.
 */
export function fromGoogleError(status: number, googleError: GoogleError | undefined, fallback: string): AnthropicError {
  return envelope(errorType(status, googleError?.status), googleError?.message || fallback);
}

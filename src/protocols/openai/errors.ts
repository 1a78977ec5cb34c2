/**
 * @module Errors in OpenAI's envelope `{"error": {message, type, param, code}}`: the proxy's own,
 * and Google's translated (wire-formats §2.6). Pure.
 */

import type { ProxyError } from '../../errors.js';
import { sseEvent, type StreamFailure } from '../shared/stream.js';
import type { GoogleError } from '../gemini/google-error.js';

export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's error type for an HTTP status. */
export function typeFor(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

const CODES: Partial<Record<ProxyError['code'], string>> = {
  GP_UNAUTHORIZED: 'invalid_api_key',
  GP_MODEL_NOT_FOUND: 'model_not_found',
  GP_KEYS_COOLING: 'rate_limit_exceeded',
  GP_CLIENT_RATE_LIMITED: 'rate_limit_exceeded',
  GP_NO_KEY_AVAILABLE: 'no_available_keys',
  GP_CONTENT_REFUSED: 'content_policy_violation',
};

export function openAiErrorBody(error: ProxyError): string {
  const body: OpenAiError = {
    error: {
      message: error.message,
      type: typeFor(error.status),
      param: error.param ?? null,
      code: CODES[error.code] ?? error.code,
    },
  };
  return JSON.stringify(body);
}

/** Google's error answer, in OpenAI's envelope, with the status Google gave. */
export function fromGoogleError(status: number, error: GoogleError | undefined, fallback: string): OpenAiError {
  return {
    error: {
      message: error?.message || fallback,
      type: typeFor(status),
      param: null,
      code: status === 404 ? 'model_not_found' : error?.status || null,
    },
  };
}

/** The event that ends a failed stream, chat or completion alike. */
export function errorEvent({ message, code, status }: StreamFailure): string {
  return sseEvent({ error: { message, type: typeFor(status), param: null, code } });
}

/** An SSE comment: every SSE parser skips it. */
export const KEEP_ALIVE_COMMENT = ': keep-alive\n\n';

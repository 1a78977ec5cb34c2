/** @module The proxy's own errors in Google's error envelope. Pure. */

import type { ProxyError } from '../../errors.js';

/** google.rpc.Code names by HTTP status, as Google pairs them. */
const RPC_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * `{"error": {code, message, status, details}}` with an ErrorInfo carrying the proxy's stable
 * code (domain `gemini-proxy`) and, when the client should wait, a RetryInfo.
 */
export function geminiErrorBody(error: ProxyError): string {
  const details: Record<string, unknown>[] = [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: error.code, domain: 'gemini-proxy' },
  ];
  if (error.retryAfterSeconds !== undefined) {
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${error.retryAfterSeconds}s` });
  }
  return JSON.stringify({
    error: {
      code: error.status,
      message: error.message,
      status: RPC_STATUS[error.status] ?? 'UNKNOWN',
      details,
    },
  });
}

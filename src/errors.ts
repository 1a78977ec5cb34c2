/** @module The proxy's own error type and its registry of stable codes. */

/**
 * Every error the proxy produces itself carries one of these codes. Code branches on the
 * code, never on the message; protocol renderers map the code to their own error shape.
 */
export const ERROR_CODES = {
  GP_BAD_REQUEST: { status: 400, summary: 'the request is malformed' },
  GP_BAD_PATH: { status: 400, summary: 'the request path is not allowed' },
  GP_BAD_JSON: { status: 400, summary: 'the request body is not valid JSON' },
  GP_MODEL_NOT_FOUND: { status: 404, summary: 'no such model' },
  GP_UNAUTHORIZED: { status: 401, summary: 'a valid proxy key is required' },
  GP_FORBIDDEN: { status: 403, summary: 'this route does not answer this caller' },
  GP_NOT_FOUND: { status: 404, summary: 'no such route' },
  GP_UNKNOWN_USER: { status: 403, summary: 'user_id is not one of the valid users' },
  GP_CHAT_NOT_FOUND: { status: 404, summary: 'no such chat: it was never started, was ended, or was idle too long' },
  GP_TOO_MANY_CHATS: { status: 429, summary: 'this user holds as many open chats as one may; end one first' },
  GP_SESSIONS_FULL: { status: 503, summary: 'the proxy holds as many open chats as it may; retry later' },
  GP_UPLOAD_NOT_FOUND: { status: 404, summary: 'no such upload: it was never started here, finished, or waited longer than 24 hours for its next chunk' },
  GP_METHOD_NOT_ALLOWED: { status: 405, summary: 'method not allowed on this route' },
  /** Ollama's pull, push, create, copy, delete and blobs: the models are Google's, not the proxy's. */
  GP_MODEL_MANAGEMENT: {
    status: 403,
    summary: 'gemini-proxy serves Gemini models from upstream: models cannot be pulled, pushed, created, copied or deleted here',
  },
  GP_BODY_TOO_LARGE: { status: 413, summary: 'the request body is over the limit' },
  GP_UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'form bodies are not forwarded; the Gemini API takes JSON' },
  GP_KEYS_COOLING: { status: 429, summary: 'every usable key is rate-limited' },
  GP_CLIENT_RATE_LIMITED: { status: 429, summary: 'this client is over its request rate' },
  GP_UPSTREAM_UNREACHABLE: { status: 502, summary: 'no relay could be reached' },
  GP_UPSTREAM_BAD_ANSWER: { status: 502, summary: 'the upstream answer could not be read' },
  /** Every attempt got a 200 holding nothing: no candidate, no part, no finish reason. */
  GP_UPSTREAM_EMPTY_ANSWER: { status: 502, summary: 'the upstream answered with an empty answer on every attempt' },
  /** Google's 401 about a credential that is not a key's: the proxy's to fix, never the client's. */
  GP_UPSTREAM_AUTH: { status: 502, summary: 'the upstream refused the credentials the proxy sent' },
  /** A relay answered a 4xx without Google's error body (its own page): the request, as it saw it. */
  GP_UPSTREAM_REJECTED: { status: 400, summary: 'the upstream refused the request without an API error' },
  /** Shared state (Redis) a request needs is unreachable: a session that lives there, an exact limit. */
  GP_STATE_UNAVAILABLE: { status: 503, summary: 'the shared state this request needs is unavailable' },
  /** The model refused the request's content (a blocked prompt, a safety finish reason): another key would be refused too. */
  GP_CONTENT_REFUSED: { status: 400, summary: 'the model refused this input' },
  GP_UPSTREAM_NOT_FOUND: { status: 404, summary: 'the upstream serves nothing at this path' },
  GP_NO_KEY_AVAILABLE: { status: 503, summary: 'no API key is usable' },
  /** A request names resources made by two keys: Google keeps each in its own project. */
  GP_RESOURCE_CONFLICT: { status: 400, summary: 'the request names resources made with different keys' },
  /** The key that made a resource the request names is disabled or gone; no other key may serve it. */
  GP_RESOURCE_KEY_UNAVAILABLE: { status: 503, summary: 'the key that made this resource cannot be used now' },
  GP_SHUTTING_DOWN: { status: 503, summary: 'the proxy is shutting down' },
  GP_BUSY: { status: 503, summary: 'the proxy holds as many request bodies as it may; retry shortly' },
  GP_DEADLINE_EXCEEDED: { status: 504, summary: 'the request deadline passed' },
  GP_INTERNAL: { status: 500, summary: 'internal proxy error' },
  /** Never sent: the client went away. 499 follows nginx's convention in logs. */
  GP_CLIENT_CLOSED: { status: 499, summary: 'the client closed the request' },
} as const;

export type ProxyErrorCode = keyof typeof ERROR_CODES;

export interface ProxyErrorOptions {
  /** Seconds the client should wait before retrying; becomes `Retry-After`. */
  retryAfterSeconds?: number;
  /** The request field at fault (`messages[2].content`), for protocols that report one. */
  param?: string;
  cause?: unknown;
}

/** An error with a stable code and the HTTP status its code implies. */
export class ProxyError extends Error {
  readonly code: ProxyErrorCode;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly param: string | undefined;

  constructor(code: ProxyErrorCode, message?: string, options: ProxyErrorOptions = {}) {
    super(message ?? ERROR_CODES[code].summary, { cause: options.cause });
    this.name = 'ProxyError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.param = options.param;
  }
}

export function isProxyError(value: unknown): value is ProxyError {
  return value instanceof ProxyError;
}

/** The `code` of a Node or undici error (`ECONNREFUSED`, `UND_ERR_SOCKET`, …), or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

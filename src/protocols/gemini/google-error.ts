/**
 * @module Reads Google's error envelope (`{"error": {code, message, status, details}}`, also
 * array-wrapped) into the few fields the error policy needs. Pure; tolerant of any input.
 */

import { isObject, type Json } from '../shared/json.js';

/** What the policy needs from a Google error body. */
export interface GoogleError {
  readonly code: number | undefined;
  /** google.rpc.Code name: INVALID_ARGUMENT, RESOURCE_EXHAUSTED, … */
  readonly status: string;
  readonly message: string;
  /** `ErrorInfo.reason` values: API_KEY_INVALID, CONSUMER_SUSPENDED, … */
  readonly reasons: readonly string[];
  /** `QuotaFailure.violations[].quotaId` values. */
  readonly quotaIds: readonly string[];
  /** `RetryInfo.retryDelay`, in milliseconds. */
  readonly retryDelayMs: number | undefined;
  /**
   * The Google Cloud project the key belongs to, as `projects/NNN`: from `ErrorInfo.metadata
   * .consumer` or a `QuotaFailure` violation's `subject`. Absent when the body names none.
   */
  readonly project?: string;
}

/**
 * How Google names the consumer: `projects/123`, `project:123`, `project_number:123`. Digits
 * only, so what is kept can never be a key (a consumer may also read `api_key:AIza…`).
 */
const CONSUMER_PROJECT = /^(?:projects\/|project:|project_number:)(\d{1,30})$/;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Parses a protobuf Duration in JSON form: `"37s"`, `"0.5s"`; also tolerates `"900ms"`. */
export function parseRetryDelay(value: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text(value).trim());
  if (!match?.[1]) return undefined;
  const amount = Number(match[1]);
  return Math.round(match[2] === 'ms' ? amount : amount * 1000);
}

function detailsOf(error: Json): Json[] {
  const details = error['details'];
  return Array.isArray(details) ? details.filter(isObject) : [];
}

function typeOf(detail: Json): string {
  return text(detail['@type']).replace(/^type\.googleapis\.com\//, '');
}

/** `projects/NNN` when `value` is one of the consumer forms, else undefined. */
export function consumerProject(value: unknown): string | undefined {
  const match = CONSUMER_PROJECT.exec(text(value));
  return match?.[1] === undefined ? undefined : `projects/${match[1]}`;
}

function collect(details: Json[]): Pick<GoogleError, 'reasons' | 'quotaIds' | 'retryDelayMs' | 'project'> {
  const reasons: string[] = [];
  const quotaIds: string[] = [];
  let retryDelayMs: number | undefined;
  let project: string | undefined;
  for (const detail of details) {
    const type = typeOf(detail);
    if (type === 'google.rpc.ErrorInfo' && text(detail['reason'])) reasons.push(text(detail['reason']));
    if (type === 'google.rpc.ErrorInfo' && isObject(detail['metadata'])) project ??= consumerProject(detail['metadata']['consumer']);
    if (type === 'google.rpc.RetryInfo') retryDelayMs = parseRetryDelay(detail['retryDelay']);
    if (type === 'google.rpc.QuotaFailure' && Array.isArray(detail['violations'])) {
      for (const violation of detail['violations']) {
        if (!isObject(violation)) continue;
        if (text(violation['quotaId'])) quotaIds.push(text(violation['quotaId']));
        project ??= consumerProject(violation['subject']);
      }
    }
  }
  return { reasons, quotaIds, retryDelayMs, ...(project !== undefined && { project }) };
}

/** google.rpc.Code names: a Google error envelope always carries one. */
const RPC_CODES = new Set([
  'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
]);

/**
 * The error of a whole HTTP answer, only when it is Google's own: its `code` is the HTTP status
 * and its `status` a google.rpc.Code name. A relay's JSON page (`{"error": {"message": "too
 * many"}}`) is not, so the policy treats it as the relay's, never as Google's word on a key.
 */
export function googleAnswerError(body: string, httpStatus: number): GoogleError | undefined {
  const error = parseGoogleError(body);
  return error !== undefined && error.code === httpStatus && RPC_CODES.has(error.status) ? error : undefined;
}

/** Returns the parsed error, or undefined when the body is not Google's error envelope. */
export function parseGoogleError(body: string): GoogleError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const envelope = Array.isArray(parsed) ? parsed[0] : parsed;
  const error = isObject(envelope) ? envelope['error'] : undefined;
  if (!isObject(error) || (typeof error['message'] !== 'string' && typeof error['status'] !== 'string')) {
    return undefined;
  }
  return {
    code: typeof error['code'] === 'number' ? error['code'] : undefined,
    status: text(error['status']),
    message: text(error['message']),
    ...collect(detailsOf(error)),
  };
}

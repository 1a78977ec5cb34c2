/**
 * @module What Google's error answers say about the key and the egress, as the error policy
 * reads them (https://ai.google.dev/gemini-api/docs/troubleshooting,
 * shared/reference/wire-formats.md §1.10): structured reasons first, then a few fixed whole
 * messages. Pure.
 */

import type { GoogleError } from '../protocols/gemini/google-error.js';

/**
 * ErrorInfo reasons that say the key itself (or its project) cannot be used. Structured fields
 * are Google's own: no text of the client's ever lands in them. (The client cannot add a
 * credential of its own to be blamed for either: every one is stripped before sending.)
 */
const KEY_REASONS = new Set([
  'API_KEY_INVALID',
  'API_KEY_EXPIRED',
  'API_KEY_SERVICE_BLOCKED',
  'API_KEY_HTTP_REFERRER_BLOCKED',
  'API_KEY_IP_ADDRESS_BLOCKED',
  'API_KEY_ANDROID_APP_BLOCKED',
  'API_KEY_IOS_APP_BLOCKED',
  'CONSUMER_SUSPENDED',
  'CONSUMER_INVALID',
  'SERVICE_DISABLED',
  'BILLING_DISABLED',
  'ACCESS_TOKEN_TYPE_UNSUPPORTED',
]);

/**
 * Key problems Google reports by message alone (catalogue A and B), each with its status. Every
 * pattern matches Google's WHOLE message, anchored at both ends, so it is safe: Google echoes a
 * client's text (an unknown field's name, a query parameter) only inside messages of other forms
 * ("Invalid JSON payload received. Unknown name …", "Invalid value at …"), never as a whole
 * message of these. The one variable part, the consumer, is Google's id for the key, already
 * scrubbed to `[redacted]` when it holds a key, and may hold no space or quote.
 */
const KEY_MESSAGES: readonly { readonly status: number; readonly pattern: RegExp }[] = [
  { status: 400, pattern: /^API key not valid\. Please pass a valid API key\.$/ },
  { status: 400, pattern: /^API Key not found\. Please pass a valid API key\.$/ },
  { status: 400, pattern: /^API key expired\. Please renew the API key\.$/ },
  { status: 403, pattern: /^Your API key was reported as leaked\. Please use another API key\.$/ },
  { status: 403, pattern: /^Permission denied: Consumer '[^'\s]+' has been suspended\.$/ },
  { status: 403, pattern: /^Your project has been denied access\. Please contact support\.$/ },
];

/**
 * 400 FAILED_PRECONDITION about where the request came from: the egress, not the key (F).
 * Anchored at the start like KEY_MESSAGES, so no client text can make a relay look misplaced:
 * a message that opens with Google's own sentence is that message.
 */
const LOCATION_MESSAGES = [
  /^User location is not supported for the API use\.?$/,
  /^Gemini API free tier is not available in your country\./,
];

export function keyReason(error: GoogleError | undefined): string | undefined {
  return error?.reasons.find((reason) => KEY_REASONS.has(reason));
}

/** Only Google's structured reason, or one of its fixed whole messages, condemns a key. */
export function isKeyProblem(status: number, error: GoogleError): boolean {
  if (keyReason(error) !== undefined) return true;
  return KEY_MESSAGES.some((rule) => rule.status === status && rule.pattern.test(error.message));
}

/**
 * Reasons that are the project's, not one key's: its service, its billing, the project itself.
 * Every key of the project would be refused alike.
 */
const PROJECT_REASONS = new Set(['CONSUMER_SUSPENDED', 'CONSUMER_INVALID', 'SERVICE_DISABLED', 'BILLING_DISABLED']);

export function isProjectReason(reason: string): boolean {
  return PROJECT_REASONS.has(reason);
}

/** 400 FAILED_PRECONDITION about where the request came from (catalogue F). */
export function isLocationRefusal(error: GoogleError): boolean {
  return error.status === 'FAILED_PRECONDITION' && LOCATION_MESSAGES.some((pattern) => pattern.test(error.message));
}

/**
 * What every part of the project-scoped fake Gemini (fake-projects.ts) shares: who is asking,
 * Google's error bodies, and the small JSON, header and paging helpers the routes answer with.
 */

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ErrorFixture } from '../fixtures/gemini-errors.js';
import type { Recorded } from './fake-gemini.js';

/** Who is asking: the key of the request and the project it belongs to. */
export interface Caller {
  readonly key: string;
  readonly project: string;
}

/** A resource that belongs to one project. */
export interface Owned {
  readonly name: string;
  readonly project: string;
}

/** The API versions a route answers on, for route patterns. */
export const VERSION = '(?:v1beta|v1alpha|v1)';

export function googleError(code: number, status: string, message: string): ErrorFixture {
  return { status: code, body: { error: { code, message, status } } };
}

/** Google's answers about project-scoped resources (ids without their `files/`-style prefix). */
export const PROJECT_ERRORS = {
  file: (id: string): ErrorFixture =>
    googleError(403, 'PERMISSION_DENIED', `You do not have permission to access the File ${id} or it may not exist.`),
  cache: (): ErrorFixture => googleError(403, 'PERMISSION_DENIED', 'CachedContent not found (or permission denied)'),
  /** UNCONFIRMED wording (wire-formats-2.md §7.2): modelled on the File one. */
  batch: (id: string): ErrorFixture =>
    googleError(403, 'PERMISSION_DENIED', `You do not have permission to access the BatchJob ${id} or it may not exist.`),
  /** A chunk sent with a key of another project than the session's. */
  uploadForbidden: (): ErrorFixture => googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission'),
  uploadNotFound: (): ErrorFixture => googleError(404, 'NOT_FOUND', 'Upload session not found.'),
  badOffset: (expected: number, got: string): ErrorFixture =>
    googleError(400, 'INVALID_ARGUMENT', `Invalid upload offset ${got}: ${expected} bytes were received so far.`),
  uploadClosed: (status: string): ErrorFixture => googleError(400, 'FAILED_PRECONDITION', `The upload session is ${status}.`),
  badRequest: (message: string): ErrorFixture => googleError(400, 'INVALID_ARGUMENT', message),
  unregistered: (): ErrorFixture => googleError(403, 'PERMISSION_DENIED',
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."),
} as const;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function sendError(res: ServerResponse, fixture: ErrorFixture): void {
  sendJson(res, fixture.status, fixture.body);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request body as JSON, or undefined when it is not. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function stringField(value: unknown, ...names: string[]): string | undefined {
  if (!isRecord(value)) return undefined;
  for (const name of names) {
    const field = value[name];
    if (typeof field === 'string') return field;
  }
  return undefined;
}

/** A lowercase alphanumeric id like Google's. */
export function randomId(length = 12): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length] ?? 'a').join('');
}

export function header(request: Recorded, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** One page of `items`, with Google's opaque `pageToken` (here: the offset, base64url). */
function paginate<T>(items: readonly T[], query: URLSearchParams, defaultSize: number, maxSize: number): { page: T[]; nextPageToken: string | undefined } {
  const asked = Number(query.get('pageSize') ?? defaultSize);
  const size = Number.isInteger(asked) && asked > 0 ? Math.min(asked, maxSize) : defaultSize;
  const token = query.get('pageToken');
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) || 0 : 0;
  const end = start + size;
  return { page: items.slice(start, end), nextPageToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

/** How a list route shows its resources: under `field`, at most `maxSize` a page (10 by default). */
export interface Listing<T> {
  readonly field: string;
  readonly maxSize: number;
  readonly show: (item: T) => unknown;
}

/** Answers a list route with one page of the caller's project's `items` ({} when the page is empty). */
export function sendOwnedPage<T extends Owned>(request: Recorded, res: ServerResponse, caller: Caller, items: Iterable<T>, listing: Listing<T>): void {
  const mine = [...items].filter((item) => item.project === caller.project);
  const { page, nextPageToken } = paginate(mine, request.query, 10, listing.maxSize);
  sendJson(res, 200, page.length === 0 ? {} : { [listing.field]: page.map(listing.show), ...(nextPageToken && { nextPageToken }) });
}

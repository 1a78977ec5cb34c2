/** Helpers for the dashboard's tests: its API called as the page calls it, and its expected headers. */

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { rawRequest, type RawResponse } from '../support/http.js';

export const PROXY_KEY = 'dashboard-proxy-key-0001';

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
  + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export interface UiAnswer extends RawResponse {
  /** The body, parsed when it is JSON. */
  readonly json: Record<string, unknown>;
}

/** A call of the dashboard's API with `token` as its bearer (none: no Authorization header). */
export async function uiCall(
  base: string,
  path: string,
  options: { method?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<UiAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  const response = await rawRequest(base, { method: options.method ?? 'GET', path, headers });
  const json = /^application\/json/.test(response.headers['content-type'] ?? '') ? JSON.parse(response.body) as Record<string, unknown> : {};
  return { ...response, json };
}

/** A dashboard error: its status, the operator routes' JSON shape, and the dashboard's headers. */
export function expectUiError(answer: UiAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: (answer.json['error'] as { code?: string } | undefined)?.code }).toEqual({ status, code });
  expectUiHeaders(answer);
}

export function expectUiHeaders(answer: RawResponse): void {
  expect(answer.headers['content-security-policy']).toBe(CSP);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['cache-control']).toBe('no-store');
}

/** One key of `GET /ui/api/state`. */
export interface UiKey {
  id: string;
  state: string;
  reason?: string;
  manual?: boolean;
  coolingUntil?: Record<string, string>;
  attempts: number;
  failures: number;
}

export async function uiKeys(base: string, token: string | undefined = PROXY_KEY): Promise<UiKey[]> {
  const answer = await uiCall(base, '/ui/api/state', token === undefined ? {} : { token });
  expect(answer.status).toBe(200);
  return answer.json['keys'] as UiKey[];
}

/** Debian's Chromium (the `chromium` package; scripts/preflight.mjs and .ci/run check for it). */
export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  // Chromium's sandbox refuses to start as root (CI containers): off there, and only there.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** A page that records every request it makes, and every CSP violation or script error. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; requested: string[]; problems: string[] }> {
  const page = await context.newPage();
  const requested: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  return { page, requested, problems };
}

/** Opens the dashboard at `base` and signs in with `token`, as an operator would. */
export async function signIn(page: Page, base: string, token = PROXY_KEY): Promise<void> {
  await page.goto(`${base}/ui`);
  await page.locator('#token').fill(token);
  await page.locator('#signin button[type=submit]').click();
}

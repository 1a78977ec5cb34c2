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

/**
 * For each chart (the id of its holder): how many pixels of its canvas are painted, and how many
 * are of each colour asked for (`#rrggbb`, give or take the antialiasing's rounding).
 */
export async function chartPixels(page: Page, colors: Record<string, string[]>): Promise<Record<string, Record<string, number>>> {
  const result: Record<string, Record<string, number>> = {};
  for (const [id, hexes] of Object.entries(colors)) {
    result[id] = await page.locator(`#${id} canvas`).evaluate((canvas, wanted) => {
      const rgb = (hex: string): number[] => [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
      const { width, height } = canvas as unknown as { width: number; height: number };
      const context = (canvas as unknown as { getContext(kind: '2d'): { getImageData(...box: number[]): { data: Uint8ClampedArray } } }).getContext('2d');
      const { data } = context.getImageData(0, 0, width, height);
      const counts: Record<string, number> = { painted: 0, ...Object.fromEntries(wanted.map((hex) => [hex, 0])) };
      for (let i = 0; i < data.length; i += 4) {
        if ((data[i + 3] ?? 0) === 0) continue;
        counts['painted'] = (counts['painted'] ?? 0) + 1;
        for (const hex of wanted) {
          if (rgb(hex).every((value, channel) => Math.abs(value - (data[i + channel] ?? 0)) <= 12)) counts[hex] = (counts[hex] ?? 0) + 1;
        }
      }
      return counts;
    }, hexes);
  }
  return result;
}

/**
 * The dashboard in a real browser (issue 16): Debian's Chromium, headless, driven by
 * playwright-core. It signs in, reads the key states the fake upstream caused, disables a key
 * from the page and sees the proxy stop using it, sees the traffic charts drawn and a failed
 * request in the recent failures, and the page fetches nothing from elsewhere. The screenshot
 * goes to the test's temporary folder (and to docs/dashboard.png, see below).
 */

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { generate } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { chartPixels, launchChromium, PROXY_KEY, signIn, watchedPage } from './support.js';

const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));

const [RATE, DEAD, SPARE, OTHER, LAST] = ['browser-key-rate-0001', 'browser-key-dead-0002', 'browser-key-spare-003', 'browser-key-other-004', 'browser-key-last-0005'];
const KEY_LINES = [`${RATE} project=alpha`, `${DEAD} project=beta`, `${SPARE} project=beta`, OTHER, LAST];

const badge = (page: Page, secret: string) => page.locator(`tr[data-id="${keyId(secret)}"] .badge`);

describe('the dashboard in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let upstream: FakeGemini;
  let proxy: TestProxy;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser.close();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-browser-'));
    upstream = await FakeGemini.start();
    proxy = await startProxy({ keys: KEY_LINES, relays: [upstream.url], settings: { proxyKeys: [PROXY_KEY] } });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });

  afterEach(async () => {
    await context.close();
    await proxy.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const keysUsed = async (count: number): Promise<(string | undefined)[]> => {
    const before = upstream.requests.length;
    for (let i = 0; i < count; i++) expect((await generate(proxy.url, { authorization: `Bearer ${PROXY_KEY}` })).status).toBe(200);
    return upstream.requests.slice(before).map((request) => request.key);
  };

  it('signs in, shows the key states, disables a key the proxy then stops using, and loads nothing from elsewhere', async () => {
    // One request: RATE answers 429, DEAD's key is refused, OTHER serves (another project than DEAD's).
    upstream.forKey(RATE, fail('quotaPerMinute', '90s')).forKey(DEAD, fail('apiKeyInvalid'));
    expect(await keysUsed(1)).toEqual([RATE, DEAD, OTHER]);

    const { page, requested, problems } = await watchedPage(context);
    await page.goto(`${proxy.url}/ui`);
    await page.locator('#token').fill('not-the-proxy-key');
    await page.locator('#signin button[type=submit]').click();
    await expect.poll(() => page.locator('#signin-error').textContent()).toContain('refused');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);

    await page.locator('#token').fill(PROXY_KEY);
    await page.locator('#signin button[type=submit]').click();
    await page.locator(`tr[data-id="${keyId(LAST)}"]`).waitFor();
    expect(await badge(page, RATE).textContent()).toBe('cooling');
    expect(await page.locator(`tr[data-id="${keyId(RATE)}"] td`).nth(3).textContent()).toMatch(/^gemini-2\.5-flash: in \d+ s$/);
    expect(await badge(page, DEAD).textContent()).toBe('disabled');
    expect(await page.locator(`tr[data-id="${keyId(DEAD)}"] td`).nth(4).textContent()).toBe('API_KEY_INVALID');
    expect(await badge(page, SPARE).textContent()).toBe('active');
    expect(await page.locator('#key-summary').textContent()).toBe('5 keys: 3 active, 1 cooling, 1 disabled (0 by hand)');

    await page.locator(`tr[data-id="${keyId(OTHER)}"] button[data-action=disable]`).click();
    await badge(page, OTHER).filter({ hasText: 'disabled by hand' }).waitFor();
    expect(await page.locator('#notice').textContent()).toBe(`${keyId(OTHER)} is disabled by hand`);
    expect(new Set(await keysUsed(4))).toEqual(new Set([SPARE, LAST]));

    // A request that fails: one key rate-limited, the next one's answer Google's 400.
    upstream.next(fail('quotaPerMinute'), fail('invalidArgument'));
    const failed = await generate(proxy.url, { authorization: `Bearer ${PROXY_KEY}` });
    expect(failed.status).toBe(400);
    const requestId = String(failed.headers['x-request-id']);

    // The key stays in this tab only: a reload needs no sign-in; no cookie was ever set.
    await page.reload();
    await badge(page, OTHER).filter({ hasText: 'disabled by hand' }).waitFor();
    const failure = page.locator(`#failures-body tr[data-request="${requestId}"]`);
    await failure.waitFor();
    expect(await failure.locator('td').nth(1).textContent()).toBe(requestId);
    expect(await failure.locator('.verdict').allTextContents()).toEqual(['rate-limited', 'client-error']);
    expect(await failure.locator('td').last().textContent()).toBe('INVALID_ARGUMENT');
    // The charts are drawn: each has a canvas with pixels painted, in its series' colours.
    await page.locator('#chart-latency canvas').waitFor();
    const pixels = await chartPixels(page, {
      'chart-protocol': ['#1a73e8'], 'chart-status': ['#1a7f37', '#c77c02'],
      'chart-verdict': ['#1a7f37', '#5b3cc4', '#c77c02'], 'chart-latency': ['#1a73e8', '#b42318'],
    });
    for (const [chart, counts] of Object.entries(pixels)) {
      expect({ chart, painted: (counts['painted'] ?? 0) > 100 }).toEqual({ chart, painted: true });
      for (const [color, count] of Object.entries(counts)) expect({ chart, color, drawn: count > 0 }).toEqual({ chart, color, drawn: true });
    }
    expect(await page.locator('#signin-view').isHidden()).toBe(true);
    expect(await context.cookies()).toEqual([]);
    const shown = await page.content();
    for (const secret of [RATE, DEAD, SPARE, OTHER, LAST, PROXY_KEY]) expect(shown).not.toContain(secret);

    await page.screenshot({ path: join(dir, 'dashboard.png'), fullPage: true });
    expect(existsSync(join(dir, 'dashboard.png'))).toBe(true);
    // The README's picture: written when missing or asked for (UPDATE_SCREENSHOT=1), so that a
    // test run does not rewrite a committed file every time.
    if (process.env['UPDATE_SCREENSHOT'] === '1' || !existsSync(DOCS_SCREENSHOT)) {
      mkdirSync(join(DOCS_SCREENSHOT, '..'), { recursive: true });
      copyFileSync(join(dir, 'dashboard.png'), DOCS_SCREENSHOT);
    }

    const origin = new URL(proxy.url).origin;
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(requested).toContain(`${origin}/ui/app.js`);
    expect(requested).toContain(`${origin}/ui/api/traffic`);
    expect(problems).toEqual([]);
  }, 60_000);

  it('sorts and filters the keys table, and enables a key from the page', async () => {
    const { page, problems } = await watchedPage(context);
    await signIn(page, proxy.url);
    await page.locator(`tr[data-id="${keyId(LAST)}"] button[data-action=disable]`).click();
    await badge(page, LAST).filter({ hasText: 'disabled by hand' }).waitFor();

    const ids = () => page.locator('#keys-body tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
    await page.locator('th[data-sort=state]').click();
    await page.locator('th[data-sort=state]').click();
    expect((await ids())[0]).toBe(keyId(LAST));
    expect(await page.locator('th[data-sort=state]').getAttribute('aria-sort')).toBe('descending');

    await page.locator('#filter').fill('beta');
    expect(await ids()).toEqual([keyId(DEAD), keyId(SPARE)]);
    await page.locator('#filter').fill('');
    await page.locator('#state-filter').selectOption('manual');
    expect(await ids()).toEqual([keyId(LAST)]);

    await page.locator(`tr[data-id="${keyId(LAST)}"] button[data-action=enable]`).click();
    await page.locator('#keys-body td.empty').waitFor();
    expect(proxy.daemon.rotator.keys.every((record) => record.disabled === undefined)).toBe(true);
    expect(proxy.logs.events('key-enabled')).toMatchObject([{ keyId: keyId(LAST), via: 'ui' }]);
    expect(problems).toEqual([]);
  }, 60_000);

  it('stays usable with 1,000 keys: every row drawn, filtering narrows them', async () => {
    await proxy.close();
    const many = Array.from({ length: 1000 }, (_, index) => `browser-many-key-${String(index).padStart(4, '0')}`);
    proxy = await startProxy({ keys: many, relays: [upstream.url], settings: { proxyKeys: [PROXY_KEY] } });
    const { page, problems } = await watchedPage(context);
    await signIn(page, proxy.url);
    await page.locator(`tr[data-id="${keyId(many[999] ?? '')}"]`).waitFor();
    expect(await page.locator('#keys-body tr').count()).toBe(1000);
    await page.locator('#filter').fill(keyId(many[500] ?? ''));
    expect(await page.locator('#keys-body tr').count()).toBe(1);
    expect(problems).toEqual([]);
  }, 60_000);
});

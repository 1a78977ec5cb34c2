/**
 * The dashboard as shipped: the built CLI (dist/gemini-proxy.cjs, the file the single executable
 * is made of) serves the page it embedded at build time, and Chromium runs it. Nothing is read
 * from disk at run time: the CLI runs in a scratch folder with only its key and relay files.
 */

import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { assertBundleFresh, cleanUp, startCli, Workspace } from '../cli/support.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { rawRequest } from '../support/http.js';
import { CSP, launchChromium, PROXY_KEY, signIn, watchedPage } from './support.js';

const KEY = 'AIzaBundleDashboardKey0001';

describe('the dashboard in the built bundle', () => {
  let browser: Browser;
  let upstream: FakeGemini;

  beforeAll(async () => {
    assertBundleFresh();
    upstream = await FakeGemini.start();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await upstream.close();
  });

  afterEach(cleanUp);

  it('serves the embedded page, which signs in and shows the keys', async () => {
    const ws = new Workspace();
    ws.write('api_keys.txt', `${KEY}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    const base = await startCli(['--port', '0', '--proxy-key', PROXY_KEY], { cwd: ws.dir }).ready();
    const script = await rawRequest(base, { path: '/ui/app.js' });
    expect([script.status, script.headers['content-security-policy']]).toEqual([200, CSP]);

    const context = await browser.newContext();
    const { page, requested, problems } = await watchedPage(context);
    await signIn(page, base);
    await page.locator(`tr[data-id="${keyId(KEY)}"] .badge`, { hasText: 'active' }).waitFor();
    expect(requested.every((url) => new URL(url).origin === base)).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});

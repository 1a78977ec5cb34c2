/**
 * The CLI tests' common set-up: the bundle checked fresh once; for each test a fresh fake upstream
 * and workspace (given `keys`, an api_keys.txt of them and a proxy_urls.txt naming the upstream),
 * and every CLI process and workspace cleaned up after it. Read `upstream` and `ws` inside tests.
 */

import { afterEach, beforeAll, beforeEach } from 'vitest';
import { FakeGemini } from '../support/fake-gemini.js';
import { assertBundleFresh, cleanUp, Workspace } from './support.js';

export interface CliFixture {
  readonly upstream: FakeGemini;
  readonly ws: Workspace;
}

export function cliFixture(keys?: readonly string[]): CliFixture {
  let current: CliFixture | undefined;
  beforeAll(() => assertBundleFresh());
  beforeEach(async () => {
    const upstream = await FakeGemini.start();
    const ws = new Workspace();
    if (keys !== undefined) {
      ws.write('api_keys.txt', keys.map((key) => `${key}\n`).join(''));
      ws.write('proxy_urls.txt', `${upstream.url}\n`);
    }
    current = { upstream, ws };
  });
  afterEach(async () => {
    await cleanUp();
    await current?.upstream.close();
    current = undefined;
  });
  const now = (): CliFixture => {
    if (current === undefined) throw new Error('the CLI fixture is read outside a test');
    return current;
  };
  return {
    get upstream() {
      return now().upstream;
    },
    get ws() {
      return now().ws;
    },
  };
}

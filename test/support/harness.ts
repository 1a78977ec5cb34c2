/**
 * Fake upstreams and the daemon in front of them, fresh for every test of the `describe` that
 * calls `withProxy`: started before each test, closed after it. A test that needs other settings
 * calls `restart`.
 */

import { afterEach, beforeEach } from 'vitest';
import { FakeGemini } from './fake-gemini.js';
import { startProxy, type ProxyOptions, type TestProxy } from './proxy.js';

export interface Harness {
  /** The first upstream (the only one, unless more were asked for). */
  readonly upstream: FakeGemini;
  /** Every upstream, in the order the daemon lists them as relays. */
  readonly upstreams: readonly FakeGemini[];
  readonly proxy: TestProxy;
  /** Closes the daemon and starts another in front of the same upstreams, with `options` added. */
  restart(options?: Partial<Omit<ProxyOptions, 'relays'>> & { relays?: readonly string[] }): Promise<TestProxy>;
}

export function withProxy(options: Omit<ProxyOptions, 'relays'> & { upstreams?: number }): Harness {
  const { upstreams: count = 1, ...base } = options;
  let upstreams: FakeGemini[] = [];
  let proxy: TestProxy | undefined;
  const harness: Harness = {
    get upstream() {
      const first = upstreams[0];
      if (first === undefined) throw new Error('no upstream: withProxy is set up in beforeEach');
      return first;
    },
    get upstreams() {
      return upstreams;
    },
    get proxy() {
      if (proxy === undefined) throw new Error('no proxy: withProxy is set up in beforeEach');
      return proxy;
    },
    async restart(extra = {}) {
      await proxy?.close();
      proxy = await startProxy({ ...base, relays: upstreams.map((upstream) => upstream.url), ...extra });
      return proxy;
    },
  };
  beforeEach(async () => {
    upstreams = await Promise.all(Array.from({ length: count }, () => FakeGemini.start()));
    proxy = await startProxy({ ...base, relays: upstreams.map((upstream) => upstream.url) });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  });
  return harness;
}

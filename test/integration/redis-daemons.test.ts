/**
 * Two daemons with the same `--redis` act as one (issue 15), against a real redis-server started
 * by the test: a key cooling or disabled on one is so on the other, a chat and a user's message
 * rate live in Redis, an upload started on one continues on the other. Redis stopped mid-run:
 * both keep serving on their own state, what needs Redis answers 503; Redis back: what was
 * learned meanwhile reaches the other. No key secret is ever written to Redis.
 */

import '../support/node-fetch.js';
import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { RedisLink, type RedisLinkEvent } from '../../src/state/redis.js';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { FakeProjects, projectsOf } from '../support/fake-projects.js';
import { finishUpload, startUpload } from '../support/resumable.js';
import { generate, rawRequest } from '../support/http.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { RedisServer } from '../support/redis-server.js';
import { expectChatAcross, postJson } from '../support/chat-pair.js';

const [ALPHA, BETA] = ['redis-daemon-key-alpha-7f3e', 'redis-daemon-key-beta-0c9d'] as const;
const LIMITS = { maxChats: 100, maxChatsPerUser: 10, idleTimeoutMs: 60_000 };

/** Resolves once `check` holds, looking every few milliseconds, for at most 5 s. */
async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 5_000; waited += 10) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

let server: RedisServer;
let prefixes = 0;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server.close();
});

describe('two daemons on one Redis', () => {
  let upstream: FakeGemini;
  let one: TestProxy;
  let two: TestProxy;
  let prefix: string;

  /**
   * A daemon whose link to Redis is up before it starts listening, and which catches up each time
   * the link comes back, as `gemini-proxy --redis` does (src/cli/state-link.ts).
   */
  async function daemon(name: string): Promise<TestProxy> {
    let up: () => void = () => undefined;
    const connected = new Promise<void>((resolve) => {
      up = resolve;
    });
    let proxy: TestProxy | undefined;
    const onEvent = (event: RedisLinkEvent): void => {
      if (event.type !== 'up') return;
      up();
      void proxy?.daemon.resync();
    };
    const link = new RedisLink({ url: server.url, prefix, instanceId: name, now: Date.now, sessions: LIMITS, onEvent, reconnectMaxMs: 100 });
    await connected;
    proxy = await startProxy({ keys: [ALPHA, BETA], relays: [upstream.url], users: ['alice'], link, settings: { userRate: { requests: 2, perMs: 60_000 } } });
    return proxy;
  }

  const stateOf = async (proxy: TestProxy, secret: string) => (await proxy.status()).keys.find((key) => key.id === keyId(secret))?.state;

  beforeEach(async () => {
    prefix = `daemons${++prefixes}:`;
    upstream = await FakeGemini.start();
    one = await daemon('one');
    two = await daemon('two');
  });

  afterEach(async () => {
    await server.start(); // a test may have stopped it
    await Promise.all([one.close(), two.close()]);
    await upstream.close();
  });

  it('a 429 on one cools the key on the other, and a disabled key is disabled for both', async () => {
    upstream.forKey(ALPHA, fail('quotaPerMinute', '30s'));
    expect((await generate(one.url)).status).toBe(200);
    await until(async () => (await stateOf(two, ALPHA)) === 'cooling', 'the cooling reached two');
    for (let i = 0; i < 3; i++) expect((await generate(two.url)).status).toBe(200);
    expect(upstream.withKey(ALPHA)).toHaveLength(1);
    upstream.forKey(BETA, fail('apiKeyInvalid', BETA));
    await generate(two.url);
    await until(async () => (await stateOf(one, BETA)) === 'disabled', 'the disabled key reached one');
    expect((await one.status() as unknown as { sharedState: unknown }).sharedState).toMatchObject({ kind: 'redis', connected: true });
  });

  it('a chat goes on through either daemon, and the user\'s rate holds across both', async () => {
    await expectChatAcross(one, two, upstream);
  });

  it('Redis stopped: both keep serving on their own state, a chat answers 503; Redis back: what was learned reaches the other', async () => {
    const chatId = (await postJson(one, '/start_chat', { user_id: 'alice' })).json['chat_id'];
    await server.stop();
    for (const proxy of [one, two]) expect((await generate(proxy.url)).status).toBe(200);
    const refused = await postJson(two, '/send_message', { chat_id: chatId, message: 'hello?' });
    expect(refused.status).toBe(503);
    expect(refused.json['error']).toBe('the shared state this request needs is unavailable');
    upstream.forKey(ALPHA, fail('quotaPerMinute', '30s'));
    // Round-robin: one of two requests starts with the limited key.
    for (let i = 0; i < 2; i++) await generate(one.url);
    expect(await stateOf(one, ALPHA)).toBe('cooling');
    expect(await stateOf(two, ALPHA)).toBe('active');
    await server.start();
    await until(async () => (await stateOf(two, ALPHA)) === 'cooling', 'the cooling learned meanwhile reached two');
    // This test's Redis keeps nothing on disk: the chat went with it; a new one works again.
    const again = (await postJson(two, '/start_chat', { user_id: 'alice' })).json['chat_id'];
    expect((await postJson(one, '/send_message', { chat_id: again, message: 'back' })).status).toBe(200);
  });

  it('an upload started on one continues on the other, and its file is asked for with its key through either', async () => {
    const fake = new FakeProjects(projectsOf({ [ALPHA]: 'alpha', [BETA]: 'beta' }));
    upstream.setDefault(fake.behaviour);
    const bytes = Buffer.from('bytes through two instances');
    const path = await startUpload(one.url, bytes, 'shared.txt');
    // The upload's key travels through Redis: wait until two knows the upload, then finish it there.
    let finished = await finishUpload(two.url, path, bytes);
    await until(async () => finished.status === 200 || (finished = await finishUpload(two.url, path, bytes)).status === 200, 'two finished the upload');
    const name = (JSON.parse(finished.body) as { file: { name: string } }).file.name;
    for (const proxy of [two, one, two]) {
      await until(async () => (await rawRequest(proxy.url, { path: `/v1beta/${name}` })).status === 200, `${name} through ${proxy.url}`);
    }
    const asked = upstream.requests.filter((request) => request.pathname.endsWith(name));
    expect(asked.every((request) => fake.projectOf(request.key ?? '') === fake.ownerOf(name))).toBe(true);
  });

  it('holds key ids in Redis, never a key', async () => {
    upstream.forKey(ALPHA, fail('quotaPerMinute', '30s'));
    await generate(one.url);
    await postJson(one, '/start_chat', { user_id: 'alice' });
    const inspect = createClient({ url: server.url });
    await inspect.connect();
    try {
      const names = await inspect.keys(`${prefix}*`);
      const values = await Promise.all(names.map(async (name) => (await inspect.type(name)) === 'string' ? inspect.get(name) : JSON.stringify(await inspect.dump(name))));
      const all = JSON.stringify([names, values]);
      expect(all).toContain(keyId(ALPHA));
      for (const secret of [ALPHA, BETA]) expect(all).not.toContain(secret);
    } finally {
      inspect.destroy();
    }
  });
});

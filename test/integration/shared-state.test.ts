/**
 * Two daemons on one state link act as one (issue 15): what one learns (a key cooling or
 * disabled, a relay down, which key made a resource, an upload in progress) the other applies,
 * and the exact state (a user's message rate, the chats) is the link's. The link here is an
 * in-memory bus (test/support/link-pair.ts); the Redis and cluster links are tested on their own.
 */

import '../support/node-fetch.js';
import { GoogleGenAI } from '@google/genai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { FakeProjects, projectsOf } from '../support/fake-projects.js';
import { closedPort, generate } from '../support/http.js';
import { expectChatAcross } from '../support/chat-pair.js';
import { LinkBus } from '../support/link-pair.js';
import { finishUpload, startUpload } from '../support/resumable.js';
import { startProxy, type ProxyOptions, type TestProxy } from '../support/proxy.js';

const [ALPHA, BETA] = ['shared-key-alpha-0001', 'shared-key-beta-00002'] as const;
const KEYS = [ALPHA, BETA];

describe('two daemons on one state link', () => {
  let upstream: FakeGemini;
  let bus: LinkBus;
  let one: TestProxy;
  let two: TestProxy;
  let clock: number;

  const startPair = async (options: Partial<ProxyOptions> = {}): Promise<void> => {
    const base = { keys: KEYS, relays: [upstream.url], now: () => clock, ...options };
    one = await startProxy({ ...base, link: bus.link() });
    two = await startProxy({ ...base, link: bus.link() });
  };

  beforeEach(async () => {
    clock = 1_780_000_000_000;
    upstream = await FakeGemini.start();
    bus = new LinkBus();
  });

  afterEach(async () => {
    await Promise.all([one.close(), two.close()]);
    await upstream.close();
  });

  const stateOf = async (proxy: TestProxy, secret: string) => (await proxy.status()).keys.find((key) => key.id === keyId(secret))?.state;

  it('a 429 one daemon met cools the key for the other: the quota key is asked once, not twice', async () => {
    await startPair();
    upstream.forKey(ALPHA, fail('quotaPerMinute', '30s'));
    expect((await generate(one.url)).status).toBe(200);
    expect(await stateOf(two, ALPHA)).toBe('cooling');
    for (let i = 0; i < 3; i++) expect((await generate(two.url)).status).toBe(200);
    expect(upstream.withKey(ALPHA)).toHaveLength(1);
    expect(bus.published.map((entry) => entry.change.type)).toEqual(['key-cooling']);
  });

  it('a disabled key and an unhealthy relay are disabled and unhealthy for both', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await startPair({ relays: [dead, upstream.url] });
    upstream.forKey(ALPHA, fail('apiKeyInvalid', ALPHA));
    // The first meets the dead relay with one key, then the other key serves; the second meets
    // the invalid key's answer.
    for (let i = 0; i < 2; i++) expect((await generate(one.url)).status).toBe(200);
    expect(await stateOf(two, ALPHA)).toBe('disabled');
    expect((await two.status()).relays.map((relay) => relay.state)).toEqual(['unhealthy', 'healthy']);
    const before = upstream.requests.length;
    for (let i = 0; i < 2; i++) expect((await generate(two.url)).status).toBe(200);
    expect(upstream.requests.slice(before).map((request) => request.key)).toEqual([BETA, BETA]);
  });

  it('an upload started through one continues through the other, and its file is used with its key through either', async () => {
    const fake = new FakeProjects(projectsOf({ [ALPHA]: 'alpha', [BETA]: 'beta' }));
    upstream.setDefault(fake.behaviour);
    await startPair();
    const bytes = Buffer.from('shared upload bytes');
    const path = await startUpload(one.url, bytes, 'shared.txt');
    const finished = await finishUpload(two.url, path, bytes);
    expect(finished.status).toBe(200);
    const name = (JSON.parse(finished.body) as { file: { name: string } }).file.name;
    const owner = fake.ownerOf(name);
    for (const proxy of [one, two, one, two]) {
      const ai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: proxy.url } });
      expect((await ai.files.get({ name })).name).toBe(name);
    }
    const asked = upstream.requests.filter((request) => request.pathname.includes(name.replace('files/', '')));
    expect(asked.every((request) => fake.projectOf(request.key ?? '') === owner)).toBe(true);
  });

  it('a chat started through one continues through the other; the user\'s message rate holds across both', async () => {
    await startPair({ users: ['alice'], settings: { userRate: { requests: 2, perMs: 1_000 } } });
    await expectChatAcross(one, two, upstream);
  });
});

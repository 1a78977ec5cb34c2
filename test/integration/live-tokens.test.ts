/**
 * Ephemeral tokens (ai.authTokens.create) through the pool, and a Live session opened with one:
 * it goes out with the key that minted the token (the only key whose project knows it), and the
 * token admits its holder in place of the proxy key. Two keys rotate, so without affinity the
 * session would go out with the other key and be refused.
 */

import '../support/node-fetch.js';
import { GoogleGenAI, type LiveServerMessage } from '@google/genai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeLive } from '../support/fake-live.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const KEYS = ['live-token-key-a-31f0', 'live-token-key-b-8c2e'];
const CLIENT_TOKEN = 'live-token-client-9a7d';
const MODEL = 'gemini-live-2.5-flash-preview';

/** Opens a session; resolves with its first message, rejects on the SDK's error callback. */
function firstMessage(ai: GoogleGenAI): Promise<LiveServerMessage> {
  return new Promise((resolve, reject) => {
    ai.live.connect({
      model: MODEL,
      callbacks: {
        onmessage: (message) => resolve(message),
        onerror: (event) => reject(new Error(`live error: ${String((event as { message?: string }).message)}`)),
        onclose: (event) => reject(new Error(`closed: ${event.code} ${event.reason}`)),
      },
    }).then((session) => session.sendClientContent({ turns: 'hi', turnComplete: true }), reject);
  });
}

describe('ephemeral tokens and the Live API', () => {
  let upstream: FakeLive;
  let proxy: TestProxy;

  beforeEach(async () => {
    upstream = await FakeLive.start(KEYS);
    proxy = await startProxy({ keys: KEYS, relays: [upstream.url], settings: { proxyKeys: [CLIENT_TOKEN] } });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('a session opened with a token minted through the proxy goes out with the minting key', async () => {
    const minter = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: proxy.url, apiVersion: 'v1alpha' } });
    const token = await minter.authTokens.create({ config: { uses: 1 } });
    expect(token.name).toMatch(/^auth_tokens\//);
    for (let i = 0; i < 2; i++) {
      const holder = new GoogleGenAI({ apiKey: token.name ?? '', httpOptions: { baseUrl: proxy.url, apiVersion: 'v1alpha' } });
      await firstMessage(holder);
    }
    const used = upstream.connections.map((connection) => connection.key);
    expect(used).toHaveLength(2);
    expect(new Set(used).size).toBe(1);
    expect(upstream.connections[0]?.url).toContain(`access_token=${token.name ?? ''}`);
    for (const key of KEYS) expect(JSON.stringify(proxy.logs.lines)).not.toContain(key);
  });

  it('a token the proxy never saw minted does not stand in for the proxy key', async () => {
    const holder = new GoogleGenAI({ apiKey: 'auth_tokens/made-elsewhere', httpOptions: { baseUrl: proxy.url, apiVersion: 'v1alpha' } });
    await expect(firstMessage(holder)).rejects.toThrow();
    expect(upstream.connections).toHaveLength(0);
  });
});

/**
 * `@google/genai`'s `ai.live.connect`, with only its base URL pointed at the proxy (so it asks
 * for `//ws/…?key=<proxy key>`), against the fake Live upstream.
 */

import { GoogleGenAI, Modality, type LiveServerMessage, type Session } from '@google/genai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeLive, INVALID_KEY, RATE_LIMITED } from '../support/fake-live.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const POOL_KEY = 'live-pool-key-4b1e9c';
const SECOND_KEY = 'live-second-key-77d0a2';
const CLIENT_TOKEN = 'live-client-token-5e3f';
const MODEL = 'gemini-live-2.5-flash-preview';
const LIVE_PATH = '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';

/** Messages in arrival order; `next` waits for the next one. */
class Inbox<T> {
  readonly #items: T[] = [];
  #waiters: ((item: T) => void)[] = [];

  readonly push = (item: T): void => {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#items.push(item);
    else waiter(item);
  };

  next(): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

interface Closed {
  readonly code: number;
  readonly reason: string;
}

interface Connected {
  readonly session: Session;
  readonly inbox: Inbox<LiveServerMessage>;
  readonly closed: Promise<Closed>;
}

/** Closes from the client's side and waits until the session is over. */
async function hangUp({ session, closed }: Connected): Promise<Closed> {
  session.close();
  return closed;
}

async function connect(ai: GoogleGenAI): Promise<Connected> {
  const inbox = new Inbox<LiveServerMessage>();
  let onClose: (closed: Closed) => void = () => undefined;
  const closed = new Promise<Closed>((resolve) => {
    onClose = resolve;
  });
  // connect() never settles when the upgrade is refused: its error callback says so at once.
  let onError: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    onError = reject;
  });
  const session = await Promise.race([
    ai.live.connect({
      model: MODEL,
      config: { responseModalities: [Modality.TEXT] },
      callbacks: {
        onmessage: inbox.push,
        onerror: (event) => onError(new Error(`the session failed: ${String(event.message)}`)),
        onclose: (event) => onClose({ code: event.code, reason: event.reason }),
      },
    }),
    failed,
  ]);
  return { session, inbox, closed };
}

describe('ai.live.connect through the proxy', () => {
  let upstream: FakeLive;
  let proxy: TestProxy;
  let ai: GoogleGenAI;

  async function restart(keys: readonly string[], settings = {}): Promise<void> {
    await proxy.close();
    proxy = await startProxy({ keys, relays: [upstream.url], settings: { proxyKeys: [CLIENT_TOKEN], ...settings } });
    ai = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: proxy.url } });
  }

  beforeEach(async () => {
    upstream = await FakeLive.start([POOL_KEY, SECOND_KEY]);
    proxy = await startProxy({ keys: [POOL_KEY], relays: [upstream.url], settings: { proxyKeys: [CLIENT_TOKEN] } });
    ai = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: proxy.url } });
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('sets up a session with a pool key in the header, never the client token', async () => {
    const connected = await connect(ai);
    const { inbox } = connected;
    expect((await inbox.next()).setupComplete).toEqual({});
    const connection = await upstream.connection();
    expect(connection.key).toBe(POOL_KEY);
    // One slash upstream, whatever the client sent, and no credential in the query.
    expect(connection.url).toBe(LIVE_PATH);
    expect(JSON.stringify(connection.headers)).not.toContain(CLIENT_TOKEN);
    expect(connection.headers['user-agent']).toMatch(/google-genai-sdk/);
    const [setup] = connection.received;
    expect(setup?.binary).toBe(false);
    expect(JSON.parse(setup?.text ?? '{}')).toMatchObject({ setup: { model: `models/${MODEL}` } });
    await hangUp(connected);
  });

  it('answers a text turn', async () => {
    const connected = await connect(ai);
    const { session, inbox } = connected;
    await inbox.next();
    session.sendClientContent({ turns: 'hello there', turnComplete: true });
    const answer = await inbox.next();
    expect(answer.serverContent?.modelTurn?.parts?.[0]?.text).toBe('echo: hello there');
    expect(answer.serverContent?.turnComplete).toBe(true);
    await hangUp(connected);
  });

  it('passes on a message the server sends by itself', async () => {
    const connected = await connect(ai);
    const { inbox } = connected;
    await inbox.next();
    (await upstream.connection()).push({ goAway: { timeLeft: '10s' } });
    expect((await inbox.next()).goAway).toEqual({ timeLeft: '10s' });
    await hangUp(connected);
  });

  it('closes upstream when the client closes (no code given, none invented)', async () => {
    const connected = await connect(ai);
    await connected.inbox.next();
    const connection = await upstream.connection();
    expect((await hangUp(connected)).code).toBe(1005);
    expect(await connection.closed).toEqual({ code: 1005, reason: '' });
    const line = await proxy.logs.waitFor((entry) => entry['event'] === 'live-session');
    expect(line).toMatchObject({ status: 101, closedBy: 'client', clientCode: 1005, framesToUpstream: 1, framesToClient: 1 });
  });

  it('closes the client when the server closes, with its code and reason', async () => {
    const { inbox, closed } = await connect(ai);
    await inbox.next();
    (await upstream.connection()).close(1008, 'Requested entity was not found.');
    expect(await closed).toEqual({ code: 1008, reason: 'Requested entity was not found.' });
    const line = await proxy.logs.waitFor((entry) => entry['event'] === 'live-session');
    expect(line).toMatchObject({ closedBy: 'upstream', upstreamCode: 1008, upstreamReason: 'Requested entity was not found.' });
  });

  it('serves the /gemini prefix, with and without a trailing slash in the base URL', async () => {
    for (const baseUrl of [`${proxy.url}/gemini`, `${proxy.url}/gemini/`]) {
      const prefixed = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl } });
      const connected = await connect(prefixed);
      expect((await connected.inbox.next()).setupComplete).toEqual({});
      await hangUp(connected);
    }
    expect(upstream.connections.map((connection) => connection.url)).toEqual([LIVE_PATH, LIVE_PATH]);
  });

  it.each([
    { refusal: INVALID_KEY, state: 'disabled' },
    { refusal: RATE_LIMITED, state: 'cooling' },
  ])('takes the next key when the handshake is refused $refusal.status, and the first is $state', async ({ refusal, state }) => {
    const refusedKey = 'live-refused-key-90ab';
    upstream.refuseKey(refusedKey, refusal);
    await restart([refusedKey, SECOND_KEY]);
    const connected = await connect(ai);
    const { inbox } = connected;
    expect((await inbox.next()).setupComplete).toEqual({});
    expect(upstream.refused).toEqual([{ key: refusedKey, status: refusal.status }]);
    expect((await upstream.connection()).key).toBe(SECOND_KEY);
    const status = await proxy.status({ 'x-goog-api-key': CLIENT_TOKEN });
    expect(status.keys.map((key) => key.state)).toEqual([state, 'active']);
    await hangUp(connected);
  });

  it('never changes keys once the session has started', async () => {
    await restart([POOL_KEY, SECOND_KEY]);
    const { inbox, closed } = await connect(ai);
    await inbox.next();
    (await upstream.connection()).close(1007, 'API key expired. Please renew the API key.');
    expect(await closed).toEqual({ code: 1007, reason: 'API key expired. Please renew the API key.' });
    await proxy.logs.waitFor((entry) => entry['event'] === 'live-session');
    expect(upstream.connections).toHaveLength(1);
    expect(upstream.refused).toEqual([]);
  });

  it('refuses a wrong proxy key with 401 before any upstream handshake', async () => {
    const stranger = new GoogleGenAI({ apiKey: 'not-the-token', httpOptions: { baseUrl: proxy.url } });
    const failed = new Promise<string>((resolve) => {
      // The SDK never settles connect() for a refused upgrade: its callbacks tell.
      void stranger.live.connect({
        model: MODEL,
        callbacks: { onmessage: () => undefined, onerror: (event) => resolve(String(event.message)) },
      });
    });
    expect(await failed).toContain('401');
    const line = await proxy.logs.waitFor((entry) => entry['event'] === 'live-session');
    expect(line).toMatchObject({ status: 401, code: 'GP_UNAUTHORIZED', attempts: [] });
    expect(upstream.refused).toEqual([]);
    expect(upstream.connections).toEqual([]);
  });
});

/**
 * The soak's menus: what a hostile or broken client sends, and what a broken upstream answers.
 * None of the upstream faults is a key's fault (no 429, no invalid key), so after the soak
 * every key must still be active.
 */

import { chunk, fail, gemini, html, reset } from '../support/behaviours.js';
import type { Behaviour } from '../support/fake-gemini.js';

/** A seeded generator (mulberry32): the same seed gives the same soak. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('empty menu');
  return item;
}

const answer = (status: number, body: string): Behaviour => (_request, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
};

/** Google echoing a client's field names, as it does for unknown fields. */
const echoNames: Behaviour = (request, res) => {
  const names = request.body.slice(0, 200).replace(/[^a-z ]/gi, ' ');
  answer(400, JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message: `Invalid JSON payload received. Unknown name "${names}": Cannot find field.` } }))(request, res);
};

const cutStream: Behaviour = (_request, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`data: ${JSON.stringify(chunk('partial'))}\r\n\r\n`);
  setImmediate(() => res.socket?.destroy());
};

/** Upstream behaviours, weighted by repetition: mostly Gemini, then every kind of fault. */
export const UPSTREAM: readonly Behaviour[] = [
  gemini(), gemini(), gemini(), gemini(), gemini(), gemini(),
  fail('internal'), fail('overloaded'), fail('deadlineExceeded'),
  fail('invalidArgument'), fail('modelNotFound'), fail('fileOfAnotherProject'), echoNames,
  html(502), html(404), html(400), html(413), reset(), cutStream,
  answer(200, 'null'), answer(200, '{"candidates":[null]}'), answer(200, '<html>'),
];

export interface ClientRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Hang up as soon as the response starts (or before, when the upstream is slow). */
  readonly abort?: boolean;
}

const CHAT = '/v1/chat/completions';
const GENERATE = '/v1beta/models/gemini-2.5-flash:generateContent';
const STREAM = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
const JSON_TYPE = { 'content-type': 'application/json' };

const chat = (extra: Record<string, unknown> = {}, stream = false): string =>
  JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], stream, ...extra });

/** `$ref` chains and fan-out that would blow up an unbounded schema inliner. */
function hostileSchema(random: () => number): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (let i = 0; i < 30; i++) defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
  const properties = Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 50) }, (_, i) => [`p${i}`, { $ref: '#/$defs/d0' }]));
  return { type: 'object', properties, $defs: defs };
}

/** Client requests, good and bad; `token` is the proxy key, sometimes wrong on purpose. */
export function clientRequest(random: () => number, token: string): ClientRequest {
  const auth = { authorization: `Bearer ${token}` };
  const menu: (() => ClientRequest)[] = [
    () => ({ method: 'POST', path: GENERATE, headers: { ...JSON_TYPE, ...auth }, body: '{"contents":[{"parts":[{"text":"hi"}]}]}' }),
    () => ({ method: 'POST', path: STREAM, headers: { ...JSON_TYPE, ...auth }, body: '{"contents":[{"parts":[{"text":"hi"}]}]}' }),
    () => ({ method: 'POST', path: CHAT, headers: { ...JSON_TYPE, ...auth }, body: chat() }),
    () => ({ method: 'POST', path: CHAT, headers: { ...JSON_TYPE, ...auth }, body: chat({}, true) }),
    () => ({ method: 'POST', path: '/v1/embeddings', headers: { ...JSON_TYPE, ...auth }, body: JSON.stringify({ model: 'gemini-embedding-001', input: ['a', 'b', 'c'] }) }),
    () => ({ method: 'GET', path: '/v1/models', headers: auth }),
    // Hostile or broken clients.
    () => ({ method: 'POST', path: GENERATE, headers: { ...JSON_TYPE, ...auth }, body: '{"contents":[], "reported as leaked": 1, "has been suspended": 2}' }),
    () => ({ method: 'GET', path: '/v1beta/models?has%20been%20suspended=1&access_token=ya29.x&%24key=k', headers: auth }),
    () => ({ method: 'POST', path: GENERATE, headers: { ...JSON_TYPE, ...auth, referer: 'https://evil.example/', 'x-android-package': 'evil' }, body: '{}' }),
    () => ({ method: 'POST', path: CHAT, headers: { ...JSON_TYPE, ...auth }, body: '{"model": "gemini-2.5-flash", "messages": [' }),
    () => ({ method: 'POST', path: CHAT, headers: { ...JSON_TYPE, ...auth }, body: chat({ tools: [{ type: 'function', function: { name: 'f', parameters: hostileSchema(random) } }] }) }),
    () => ({ method: 'POST', path: CHAT, headers: { ...JSON_TYPE, ...auth }, body: 'x'.repeat(70 * 1024) }),
    () => ({ method: 'POST', path: '/v1/embeddings', headers: { ...JSON_TYPE, ...auth }, body: JSON.stringify({ model: 'm', input: Array.from({ length: 2100 }, () => 'a') }) }),
    () => ({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:noSuchVerb', headers: { ...JSON_TYPE, ...auth }, body: '{}' }),
    () => ({ method: 'GET', path: '/v1beta/../admin', headers: auth }),
    () => ({ method: 'POST', path: GENERATE, headers: { ...JSON_TYPE, authorization: 'Bearer wrong' }, body: '{}' }),
    () => ({ method: 'POST', path: STREAM, headers: { ...JSON_TYPE, ...auth }, body: '{"contents":[{"parts":[{"text":"hi"}]}]}', abort: true }),
    () => ({ method: 'POST', path: CHAT, headers: { ...JSON_TYPE, ...auth }, body: chat(), abort: true }),
  ];
  return pick(random, menu)();
}

/**
 * Usage counting through real clients: @google/genai on the pass-through (generateContent, the SSE
 * stream and the JSON-array stream) and the openai SDK on a translated path, against the fake
 * upstream. Each key's hour and day in /status, the /metrics families, the state file across a
 * restart, and no key anywhere.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import type { UsageTotals } from '../../src/upstream/usage.js';
import { fail } from '../support/behaviours.js';
import { canary, forms } from '../support/canary.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { countedAnswers, usageOf } from '../support/usage-behaviours.js';

const TOKEN = 'usage-client-token';
const MODEL = 'gemini-2.5-flash';
const FINAL = usageOf(120, 30, 7, 50);

interface KeyUsage {
  id: string;
  usage: { hour: UsageTotals; day: UsageTotals };
}

const none = { requests: 0, failures: {}, promptTokens: 0, candidatesTokens: 0, thoughtsTokens: 0, cachedTokens: 0 };
/** `n` answered requests, each costing FINAL. */
const answered = (n: number) => ({ requests: n, failures: {}, promptTokens: 120 * n, candidatesTokens: 30 * n, thoughtsTokens: 7 * n, cachedTokens: 50 * n });

describe('usage counting', () => {
  let upstream: FakeGemini;
  let proxy: TestProxy | undefined;
  let dir: string;
  const keys = [canary(), canary()];

  const start = (settings: Record<string, unknown> = {}): Promise<TestProxy> =>
    startProxy({ keys, relays: [upstream.url], settings: { proxyKeys: [TOKEN], ...settings } });
  const usage = async (target: TestProxy): Promise<KeyUsage[]> => {
    const response = await fetch(`${target.url}/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return ((await response.json()) as { keys: KeyUsage[] }).keys;
  };
  const genai = (target: TestProxy): GoogleGenAI => new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: target.url } });

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    upstream.setDefault(countedAnswers(FINAL));
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-usage-'));
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a generateContent pass-through: its key, one request, every kind of token', async () => {
    proxy = await start();
    const response = await genai(proxy).models.generateContent({ model: MODEL, contents: 'count me' });
    expect(response.usageMetadata?.promptTokenCount).toBe(120);
    const used = keyId(upstream.requests[0]?.key ?? '');
    const status = await usage(proxy);
    expect(status.find((key) => key.id === used)?.usage).toEqual({ hour: answered(1), day: answered(1) });
    expect(status.find((key) => key.id !== used)?.usage).toEqual({ hour: none, day: none });
  });

  it('counts an SSE stream by its last event, whose usage came cut across many chunks', async () => {
    proxy = await start();
    const texts: string[] = [];
    for await (const item of await genai(proxy).models.generateContentStream({ model: MODEL, contents: 'stream me' })) texts.push(item.text ?? '');
    expect(texts.join('')).toBe('one two three');
    const total = (await usage(proxy)).map((key) => key.usage.day);
    expect(total.filter((day) => day.requests > 0)).toEqual([answered(1)]);
  });

  it('counts a JSON-array stream (no alt) by its last element', async () => {
    proxy = await start();
    const response = await fetch(`${proxy.url}/v1beta/models/${MODEL}:streamGenerateContent`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TOKEN },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'array' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(await response.text())).toHaveLength(3);
    const days = (await usage(proxy)).map((key) => key.usage.day).filter((day) => day.requests > 0);
    expect(days).toEqual([answered(1)]);
  });

  it('counts translated answers, whole and streamed, through the openai SDK', async () => {
    proxy = await start();
    const client = new OpenAI({ apiKey: TOKEN, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.usage?.prompt_tokens).toBe(120);
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const _part of stream) { /* read to the end */ }
    const days = (await usage(proxy)).map((key) => key.usage.day);
    expect(sum(days)).toEqual(answered(2));
  });

  it('counts a failed attempt against its key, by verdict, and the tokens against the key that answered', async () => {
    proxy = await start();
    upstream.next(fail('quotaPerMinute', '60s'));
    await genai(proxy).models.generateContent({ model: MODEL, contents: 'retry me' });
    const [limited, answering] = upstream.requests.map((request) => keyId(request.key ?? ''));
    const status = await usage(proxy);
    expect(status.find((key) => key.id === limited)?.usage.hour).toEqual({ ...none, requests: 1, failures: { 'rate-limited': 1 } });
    expect(status.find((key) => key.id === answering)?.usage.hour).toEqual(answered(1));
  });

  it('an answer without usage counts the request and no tokens', async () => {
    proxy = await start();
    upstream.next((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'free' }] }, finishReason: 'STOP', index: 0 }] }));
    });
    await genai(proxy).models.generateContent({ model: MODEL, contents: 'free?' });
    expect(sum((await usage(proxy)).map((key) => key.usage.day))).toEqual({ ...none, requests: 1 });
  });

  it('shows tokens by model and kind in /metrics, without a key label', async () => {
    proxy = await start();
    await genai(proxy).models.generateContent({ model: MODEL, contents: 'metrics' });
    const text = await (await fetch(`${proxy.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(text).toContain(`gemini_proxy_usage_requests_total{model="${MODEL}"} 1`);
    for (const [kind, count] of [['prompt', 120], ['candidates', 30], ['thoughts', 7], ['cached', 50]] as const) {
      expect(text).toContain(`gemini_proxy_usage_tokens_total{model="${MODEL}",kind="${kind}"} ${count}`);
    }
    for (const key of keys) expect(text).not.toContain(keyId(key));
  });

  it('keeps the counts in the state file across a restart, by key id only', async () => {
    const stateFile = join(dir, 'state.json');
    proxy = await start({ stateFile });
    await genai(proxy).models.generateContent({ model: MODEL, contents: 'keep me' });
    await proxy.close();
    const text = readFileSync(stateFile, 'utf8');
    for (const key of keys) for (const form of forms(key)) expect(text).not.toContain(form);
    proxy = await start({ stateFile });
    expect(sum((await usage(proxy)).map((key) => key.usage.day))).toEqual(answered(1));
    await genai(proxy).models.generateContent({ model: MODEL, contents: 'and me' });
    expect(sum((await usage(proxy)).map((key) => key.usage.day))).toEqual(answered(2));
  });

  it('shows no key secret in /status or its logs', async () => {
    proxy = await start();
    await genai(proxy).models.generateContent({ model: MODEL, contents: 'canary' });
    const body = JSON.stringify(await usage(proxy));
    for (const key of keys) for (const form of forms(key)) expect(body).not.toContain(form);
    expect(body).toContain(keyId(keys[0] ?? ''));
  });
});

/** The totals of several keys together. */
function sum(totals: readonly UsageTotals[]): UsageTotals {
  const all: UsageTotals = { ...none, failures: {} };
  for (const item of totals) {
    all.requests += item.requests;
    all.promptTokens += item.promptTokens;
    all.candidatesTokens += item.candidatesTokens;
    all.thoughtsTokens += item.thoughtsTokens;
    all.cachedTokens += item.cachedTokens;
    for (const [verdict, count] of Object.entries(item.failures)) all.failures[verdict] = (all.failures[verdict] ?? 0) + count;
  }
  return all;
}

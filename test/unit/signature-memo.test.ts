/** The memo of tool-call signatures: bounds, expiry on an injected clock, the size cap, LRU order, and its keys. */

import { describe, expect, it } from 'vitest';
import type { Content } from '../../src/protocols/gemini/types.js';
import { translateOllamaChat } from '../../src/protocols/ollama/request.js';
import type { CallKey } from '../../src/protocols/ollama/types.js';
import { DEFAULT_MEMO_LIMITS, SignatureMemo, type MemoLimits } from '../../src/server/signature-memo.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';
import { growth, measureWork } from '../support/work-meter.js';

const HOUR = 3_600_000;

/** A memo on a clock the test moves. */
function memoAt(limits: Partial<MemoLimits> = {}): { memo: SignatureMemo; clock: { at: number } } {
  const clock = { at: 1_000 };
  return { memo: new SignatureMemo(() => clock.at, limits), clock };
}

const HI: Content = { role: 'user', parts: [{ text: 'Weather in Paris?' }] };

function key(fields: Partial<CallKey> = {}): CallKey {
  return { model: 'gemini-3-pro-preview', contentsBefore: [HI], name: 'get_weather', args: { city: 'Paris' }, ...fields };
}

/** Remembers in one request, looks up in another, as the route does. */
function roundTrip(memo: SignatureMemo, kept: CallKey, asked: CallKey): string | undefined {
  memo.hooks().remember(kept, 'sig');
  return memo.hooks().signatureFor(asked);
}

describe('SignatureMemo: the map', () => {
  it('keeps 10,000 calls for an hour, signatures up to 64 KiB and 32 MiB in all, by default', () => {
    expect(DEFAULT_MEMO_LIMITS).toEqual({ maxEntries: 10_000, ttlMs: HOUR, maxSignatureBytes: 65_536, maxTotalBytes: 32 * 1024 * 1024 });
    const { memo } = memoAt();
    for (let i = 0; i <= 10_000; i++) memo.set(`k${i}`, 's');
    expect(memo.size).toBe(10_000);
    expect([memo.get('k0'), memo.get('k1'), memo.get('k10000')]).toEqual([undefined, 's', 's']);
  });

  it('a signature lives its ttl from when it was stored; using it does not extend it', () => {
    const { memo, clock } = memoAt({ ttlMs: 100 });
    memo.set('a', 'sig-a');
    clock.at += 99;
    expect(memo.get('a')).toBe('sig-a');
    clock.at += 1;
    expect(memo.get('a')).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('storing again replaces the signature and restarts its ttl', () => {
    const { memo, clock } = memoAt({ ttlMs: 100 });
    memo.set('a', 'old');
    clock.at += 60;
    memo.set('a', 'new');
    clock.at += 60;
    expect(memo.get('a')).toBe('new');
  });

  it('at the cap, the least recently used goes: a lookup counts as a use', () => {
    const { memo } = memoAt({ maxEntries: 3 });
    memo.set('a', '1');
    memo.set('b', '2');
    memo.set('c', '3');
    expect(memo.get('a')).toBe('1');
    memo.set('d', '4');
    expect([memo.get('a'), memo.get('b'), memo.get('c'), memo.get('d')]).toEqual(['1', undefined, '3', '4']);
    expect(memo.size).toBe(3);
  });

  it('past the total byte cap, the least recently used go until the rest fits', () => {
    const { memo } = memoAt({ maxTotalBytes: 10 });
    memo.set('a', '1234');
    memo.set('b', '1234');
    expect(memo.get('a')).toBe('1234');
    memo.set('c', '1234');
    expect([memo.get('a'), memo.get('b'), memo.get('c')]).toEqual(['1234', undefined, '1234']);
    memo.set('c', '12');
    memo.set('d', '1234');
    expect(memo.size).toBe(3);
  });

  it('expired entries at the least recently used end are dropped when one is stored', () => {
    const { memo, clock } = memoAt({ ttlMs: 100 });
    memo.set('a', '1');
    memo.set('b', '2');
    clock.at += 100;
    memo.set('c', '3');
    expect(memo.size).toBe(1);
  });

  it('a signature over the size cap is not kept, and drops the stale one under its key', () => {
    const { memo } = memoAt({ maxSignatureBytes: 8 });
    memo.set('a', '12345678');
    expect(memo.get('a')).toBe('12345678');
    memo.set('a', '123456789');
    expect(memo.get('a')).toBeUndefined();
    memo.set('b', 'ééééé'); // 10 bytes in UTF-8
    expect(memo.size).toBe(0);
  });
});

describe('SignatureMemo: the key ties a call to its conversation', () => {
  it('the same model, contents before and call find the signature, in another request', () => {
    const { memo } = memoAt();
    expect(roundTrip(memo, key(), key({ contentsBefore: [structuredClone(HI)] }))).toBe('sig');
  });

  it.each<[string, Partial<CallKey>]>([
    ['another conversation before the call', { contentsBefore: [{ role: 'user', parts: [{ text: 'Weather in Lyon?' }] }] }],
    ['no conversation before the call', { contentsBefore: [] }],
    ['another model', { model: 'gemini-3-flash-preview' }],
    ['another function', { name: 'get_time' }],
    ['other arguments', { args: { city: 'Lyon' } }],
  ])('%s: nothing found', (_name, fields) => {
    const { memo } = memoAt();
    expect(roundTrip(memo, key(), key(fields))).toBeUndefined();
  });

  it('object keys in any order, in the arguments and in the contents, make the same key', () => {
    const { memo } = memoAt();
    const before: Content[] = [HI, { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1, b: { c: 2, d: 3 } } }, thoughtSignature: 's1' }] }];
    const reordered: Content[] = [{ parts: HI.parts ?? [], role: 'user' }, { parts: [{ thoughtSignature: 's1', functionCall: { args: { b: { d: 3, c: 2 }, a: 1 }, name: 'f' } }], role: 'model' }];
    const kept = key({ contentsBefore: before, args: { city: 'Paris', units: { temp: 'C', wind: 'kmh' } } });
    const asked = key({ contentsBefore: reordered, args: { units: { wind: 'kmh', temp: 'C' }, city: 'Paris' } });
    expect(roundTrip(memo, kept, asked)).toBe('sig');
  });

  it('a `__proto__` key counts like any other', () => {
    const { memo } = memoAt();
    const args = JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    expect(roundTrip(memo, key({ args }), key({ args: {} }))).toBeUndefined();
    expect(memo.hooks().signatureFor(key({ args: JSON.parse('{"__proto__": {"x": 1}}') as unknown }))).toBe('sig');
  });

  it('a growing list is hashed as it grows, to the same key as the whole list hashed at once', () => {
    const { memo } = memoAt();
    const growing: Content[] = [];
    const hooks = memo.hooks();
    const turns: Content[] = [HI, { role: 'model', parts: [{ text: 'Let me look.' }] }, { role: 'user', parts: [{ text: 'Thanks.' }] }];
    for (const turn of turns) {
      hooks.signatureFor(key({ contentsBefore: growing }));
      growing.push({ role: turn.role, parts: [] });
      for (const part of turn.parts ?? []) {
        growing.at(-1)?.parts?.push(part);
        hooks.signatureFor(key({ contentsBefore: growing }));
      }
    }
    hooks.remember(key({ contentsBefore: growing }), 'sig');
    expect(memo.hooks().signatureFor(key({ contentsBefore: structuredClone(turns) }))).toBe('sig');
    expect(memo.hooks().signatureFor(key({ contentsBefore: turns.slice(0, 2) }))).toBeUndefined();
  });

  it('one request\'s keys cost linear work: each part is hashed once, not once per later call', () => {
    const call = { role: 'assistant', content: '', tool_calls: [{ function: { name: 'step', arguments: { n: 1 } } }] };
    const chain = (n: number): Record<string, unknown> => ({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Go.' }, ...Array.from({ length: n }, () => [call, { role: 'tool', content: '{"ok":true}' }]).flat()],
    });
    expect(growth((n) => {
      const body = chain(n);
      const { memo } = memoAt();
      return measureWork(() => translateOllamaChat(body, resolve, memo.hooks().signatureFor));
    }, 200)).toBeLessThan(10);
  });

  it('arguments nesting too deep are neither remembered nor found; nothing throws', () => {
    const { memo } = memoAt();
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { deep };
    memo.hooks().remember(key({ args: deep }), 'sig');
    expect(memo.size).toBe(0);
    expect(memo.hooks().signatureFor(key({ args: deep }))).toBeUndefined();
  });
});

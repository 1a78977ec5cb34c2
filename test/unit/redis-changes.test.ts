/**
 * What each shared change writes in Redis, how it is read back, and the names it lives under:
 * pure functions, no server.
 */

import { describe, expect, it } from 'vitest';
import type { SharedChange } from '../../src/state/link.js';
import { expired } from '../../src/state/entries.js';
import { parseChange, rebuild, stateWrite } from '../../src/state/redis-changes.js';
import { RedisKeys } from '../../src/state/redis-keys.js';

const keys = new RedisKeys('gp:');
const NOW = 1_000_000;

describe('stateWrite', () => {
  it('keeps a state with a time to live that ends with it, or for good, or removes it', () => {
    const cooling: SharedChange = { type: 'key-cooling', keyId: 'k1', scope: 'model:x', untilMs: NOW + 1_500.2, reason: 'quota' };
    expect(stateWrite(keys, cooling, NOW)).toEqual({ op: 'set', key: 'gp:state:cooling:k1:model%3Ax', value: JSON.stringify(cooling), ttlMs: 1_501 });
    expect(stateWrite(keys, { type: 'key-uncooled', keyId: 'k1', scope: 'model:x' }, NOW)).toEqual({ op: 'del', key: 'gp:state:cooling:k1:model%3Ax' });
    const disabled: SharedChange = { type: 'key-disabled', keyId: 'k2', reason: 'dead', sinceMs: NOW };
    expect(stateWrite(keys, disabled, NOW)).toMatchObject({ op: 'set', key: 'gp:state:disabled:k2', ttlMs: undefined });
    expect(stateWrite(keys, { type: 'key-enabled', keyId: 'k2' }, NOW)).toEqual({ op: 'del', key: 'gp:state:disabled:k2' });
    expect(stateWrite(keys, { type: 'key-project', keyId: 'k2', learned: 'projects/1' }, NOW)).toMatchObject({ op: 'set', ttlMs: undefined });
    expect(stateWrite(keys, { type: 'resource', name: 'files/a', keyId: 'k1', untilMs: NOW + 10 }, NOW)).toMatchObject({ key: 'gp:state:resource:files%2Fa', ttlMs: 10 });
    expect(stateWrite(keys, { type: 'resource-forgotten', name: 'files/a' }, NOW)).toEqual({ op: 'del', key: 'gp:state:resource:files%2Fa' });
    expect(stateWrite(keys, { type: 'upload', id: 'u1', keyId: 'k1', upstreamPath: '/u', untilMs: NOW + 5 }, NOW)).toMatchObject({ key: 'gp:state:upload:u1', ttlMs: 5 });
  });

  it('removes a state whose end is already past, and a path healthy again', () => {
    expect(stateWrite(keys, { type: 'key-cooling', keyId: 'k1', scope: 's', untilMs: NOW, reason: 'quota' }, NOW)).toEqual({ op: 'del', key: 'gp:state:cooling:k1:s' });
    const healthy: SharedChange = { type: 'path-health', path: 'relay', id: 'r1', unhealthyUntilMs: 0, consecutiveFailures: 0 };
    expect(stateWrite(keys, healthy, NOW)).toEqual({ op: 'del', key: 'gp:state:path:relay:r1' });
    expect(stateWrite(keys, { ...healthy, unhealthyUntilMs: NOW + 7 }, NOW)).toMatchObject({ op: 'set', ttlMs: 7 });
  });

  it('gives parts that contain the separator names of their own', () => {
    const a = stateWrite(keys, { type: 'key-uncooled', keyId: 'a:b', scope: 'c' }, NOW);
    const b = stateWrite(keys, { type: 'key-uncooled', keyId: 'a', scope: 'b:c' }, NOW);
    expect(a.key).not.toBe(b.key);
  });
});

describe('expired', () => {
  it('is true once a timed state has run out, never for lasting ones or a path healthy again', () => {
    expect(expired({ type: 'resource', name: 'n', keyId: 'k', untilMs: NOW }, NOW)).toBe(true);
    expect(expired({ type: 'resource', name: 'n', keyId: 'k', untilMs: NOW + 1 }, NOW)).toBe(false);
    expect(expired({ type: 'path-health', path: 'egress', id: 'e', unhealthyUntilMs: 0, consecutiveFailures: 0 }, NOW)).toBe(false);
    expect(expired({ type: 'key-disabled', keyId: 'k', reason: 'r', sinceMs: 0 }, NOW)).toBe(false);
  });
});

describe('rebuild', () => {
  const cooling: SharedChange = { type: 'key-cooling', keyId: 'k1', scope: 's', untilMs: 5, reason: 'quota' };

  it('moves the end to now + the remaining time, keeps lasting states, skips what is gone', () => {
    expect(rebuild(JSON.stringify(cooling), 1_000, NOW)).toEqual({ ...cooling, untilMs: NOW + 1_000 });
    const path: SharedChange = { type: 'path-health', path: 'relay', id: 'r', unhealthyUntilMs: 5, consecutiveFailures: 1, reason: 'x' };
    expect(rebuild(JSON.stringify(path), 10, NOW)).toEqual({ ...path, unhealthyUntilMs: NOW + 10 });
    const project: SharedChange = { type: 'key-project', keyId: 'k', learned: 'projects/9' };
    expect(rebuild(JSON.stringify(project), -1, NOW)).toEqual(project);
    expect(rebuild(JSON.stringify(cooling), -2, NOW)).toBeUndefined();
    expect(rebuild(null, 100, NOW)).toBeUndefined();
    expect(rebuild('{"broken', 100, NOW)).toBeUndefined();
  });
});

describe('parseChange', () => {
  it('takes a well-formed change with only its own fields', () => {
    expect(parseChange({ type: 'key-enabled', keyId: 'k', extra: 'dropped' })).toEqual({ type: 'key-enabled', keyId: 'k' });
    expect(parseChange({ type: 'path-health', path: 'egress', id: 'e', unhealthyUntilMs: 1, consecutiveFailures: 2 }))
      .toEqual({ type: 'path-health', path: 'egress', id: 'e', unhealthyUntilMs: 1, consecutiveFailures: 2 });
  });

  it.each([
    ['not an object', 'key-enabled'],
    ['no type', { keyId: 'k' }],
    ['an unknown type', { type: 'key-stolen', keyId: 'k' }],
    ['a type from the prototype', { type: 'toString' }],
    ['a missing field', { type: 'key-cooling', keyId: 'k', scope: 's', reason: 'r' }],
    ['a number that is not finite', { type: 'resource', name: 'n', keyId: 'k', untilMs: null }],
    ['a string where a number goes', { type: 'key-disabled', keyId: 'k', reason: 'r', sinceMs: '1' }],
    ['an unknown path kind', { type: 'path-health', path: 'moon', id: 'e', unhealthyUntilMs: 1, consecutiveFailures: 2 }],
    ['an optional field of the wrong kind', { type: 'path-health', path: 'relay', id: 'e', unhealthyUntilMs: 1, consecutiveFailures: 2, reason: 3 }],
  ])('drops %s', (_case, value) => {
    expect(parseChange(value)).toBeUndefined();
  });
});

describe('RedisKeys', () => {
  it('starts every name with the prefix, and matches only its own state entries', () => {
    const odd = new RedisKeys('a*b?[c]\\:');
    expect(odd.channel).toBe('a*b?[c]\\:changes');
    expect(odd.statePattern).toBe('a\\*b\\?\\[c\\]\\\\:state:*');
    expect(keys.messages('al:ice')).toBe('gp:rate:al%3Aice');
    expect(keys.chat('c1')).toBe('gp:chat:c1');
    expect(keys.userChats('bob')).toBe('gp:chats:user:bob');
    expect(keys.allChats).toBe('gp:chats:all');
  });
});

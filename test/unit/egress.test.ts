/** Egress proxies: the file's lines, keys' `proxy=` labels, the hash ring, health, and the walk over them. */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toEgress } from '../../src/config/egress-line.js';
import { keyId, loadLists, type ApiKey, type Relay } from '../../src/config/lists.js';
import { EgressProxies, EgressRing, type EgressChange } from '../../src/upstream/egress.js';
import { classify } from '../../src/upstream/policy.js';
import { Rotator, type StateChange } from '../../src/upstream/rotator.js';
import { Walk } from '../../src/upstream/walk.js';
import { configError } from '../support/config-error.js';

const T0 = 1_780_000_000_000;
const PROXY_PATH = { clientPath: false };

describe('an egress proxies file line', () => {
  it.each([
    ['http://127.0.0.1:3128', { id: '127.0.0.1:3128', kind: 'http', host: '127.0.0.1', port: 3128 }],
    ['http://proxy.example', { id: 'proxy.example:80', kind: 'http', host: 'proxy.example', port: 80 }],
    ['https://proxy.example/', { id: 'proxy.example:443', kind: 'https', host: 'proxy.example', port: 443 }],
    ['socks5://10.0.0.5', { id: '10.0.0.5:1080', kind: 'socks5', host: '10.0.0.5', port: 1080 }],
    ['socks5h://10.0.0.5:9050', { id: '10.0.0.5:9050', kind: 'socks5', host: '10.0.0.5', port: 9050 }],
    ['socks5://[::1]:1080', { id: '[::1]:1080', kind: 'socks5', host: '::1', port: 1080 }],
  ])('%s', (line, expected) => {
    expect(toEgress(line, 'f:1')).toStrictEqual(expected);
  });

  it('credentials are kept apart from the id, percent-decoded', () => {
    expect(toEgress('http://us%40er:p%3Ass@p.example:8080', 'f:1')).toStrictEqual({
      id: 'p.example:8080', kind: 'http', host: 'p.example', port: 8080, auth: { username: 'us@er', password: 'p:ss' },
    });
  });

  it.each([
    ['socks4://user:SECRET@p.example:1080', 'an http://, https:// or socks5:// proxy'],
    ['ftp://p.example', 'an http://, https:// or socks5:// proxy'],
    ['http://user:SECRET@p.example:8080/path', 'without path, query or fragment'],
    ['http://user:SECRET@p.example:8080?x=1', 'without path, query or fragment'],
    ['http://:SECRET@p.example:8080', 'user:password with a user'],
    ['user:SECRET@p.example:8080', 'http://, https:// or socks5://'],
    ['http://user:%E0SECRET@p.example', 'percent-encoded'],
  ])('%s is refused, never echoing a credential', (line, message) => {
    const error = configError(() => toEgress(line, 'egress_proxies.txt:3'));
    expect(error.field).toBe('egress_proxies.txt:3');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('SECRET');
  });
});

describe('the lists with egress proxies', () => {
  let dir: string;
  const load = (keys: string, egress: string) => {
    const apiKeysFile = join(dir, 'api_keys.txt');
    const egressProxiesFile = join(dir, 'egress_proxies.txt');
    writeFileSync(apiKeysFile, keys);
    writeFileSync(egressProxiesFile, egress);
    return loadLists({ apiKeysFile, apiKeysFileExplicit: true, proxyUrlsFile: join(dir, 'none.txt'), egressProxiesFile, envKeys: [], usersFile: '' });
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-egress-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the proxies, drops a second line for one host:port, and reads keys\' proxy= labels', () => {
    const lists = load('AIza-a proxy=10.0.0.5:1080\nAIza-b proxy=direct\nAIza-c\n', '# tokyo\nsocks5://u:SECRET@10.0.0.5\nhttp://10.0.0.6:3128\nsocks5://other:SECRET2@10.0.0.5:1080\n');
    expect(lists.egress.map((proxy) => proxy.id)).toEqual(['10.0.0.5:1080', '10.0.0.6:3128']);
    expect(lists.warnings).toEqual([`${join(dir, 'egress_proxies.txt')}:4: the same proxy as an earlier line, dropped`]);
    expect(lists.keys.map((key) => key.egress)).toEqual(['10.0.0.5:1080', 'direct', undefined]);
  });

  it('a missing file means no proxies; so does no file setting', () => {
    const apiKeysFile = join(dir, 'api_keys.txt');
    writeFileSync(apiKeysFile, 'AIza-a\n');
    const sources = { apiKeysFile, apiKeysFileExplicit: true, proxyUrlsFile: join(dir, 'none.txt'), envKeys: [], usersFile: '' };
    expect(loadLists({ ...sources, egressProxiesFile: join(dir, 'none.txt') }).egress).toEqual([]);
    expect(loadLists(sources).egress).toEqual([]);
  });

  it('a key pinned to a proxy the file does not list is an error naming the key by id', () => {
    const error = configError(() => load('AIza-SECRET-a proxy=10.0.0.9:1080\n', 'socks5://10.0.0.5\n'));
    expect(error.message).toContain(`${keyId('AIza-SECRET-a')} has proxy=10.0.0.9:1080`);
    expect(error.message).not.toContain('AIza');
  });

  it.each([
    ['an empty proxy label', 'AIza-a proxy=\n', 'expected proxy=HOST:PORT'],
    ['a proxy label with credentials', 'AIza-a proxy=http://u:SECRET@h:1\n', 'expected proxy=HOST:PORT'],
  ])('%s is an error naming the line, never the value', (_label, keys, message) => {
    const error = configError(() => load(keys, 'socks5://10.0.0.5\n'));
    expect(error.field).toMatch(/api_keys\.txt:1$/);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('SECRET');
  });
});

const ids = (n: number, prefix = 'p'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}.example:1080`);
const keyIds = Array.from({ length: 1000 }, (_, i) => `key_${i.toString(16).padStart(8, '0')}`);

describe('the hash ring', () => {
  it('gives every key every proxy once, the same order every time and in every process', () => {
    const ring = new EgressRing(ids(4));
    for (const id of keyIds.slice(0, 50)) {
      const order = ring.order(id);
      expect([...order].sort()).toEqual(ids(4));
      expect(new EgressRing(ids(4).reverse()).order(id)).toEqual(order);
    }
  });

  it('spreads keys over the proxies', () => {
    const ring = new EgressRing(ids(4));
    const counts = new Map<string, number>();
    for (const id of keyIds) counts.set(ring.order(id)[0] ?? '', (counts.get(ring.order(id)[0] ?? '') ?? 0) + 1);
    expect(counts.size).toBe(4);
    for (const count of counts.values()) expect(count).toBeGreaterThan(150);
  });

  it('adding a proxy moves only keys to it, about a fifth of them; removing one moves only its own', () => {
    const before = new EgressRing(ids(4));
    const after = new EgressRing(ids(5));
    const moved = keyIds.filter((id) => before.order(id)[0] !== after.order(id)[0]);
    expect(moved.every((id) => after.order(id)[0] === 'p4.example:1080')).toBe(true);
    expect(moved.length).toBeGreaterThan(100);
    expect(moved.length).toBeLessThan(300);
    const removed = keyIds.filter((id) => after.order(id)[0] !== before.order(id)[0]);
    expect(removed).toEqual(moved);
  });

  it('has no order with no proxies', () => {
    expect(new EgressRing([]).order('key_1')).toEqual([]);
  });
});

describe('egress proxy health and choice', () => {
  let now: number;
  let changes: EgressChange[];
  const proxies = ids(3).map((id) => toEgress(`socks5://${id}`, 'test'));
  const make = () => new EgressProxies(proxies, { now: () => now, onChange: (change) => changes.push(change) });
  const key = (id: string, egress?: string): ApiKey => ({ id, secret: `s-${id}`, ...(egress && { egress }) });
  const NONE: ReadonlySet<string> = new Set();

  beforeEach(() => {
    now = T0;
    changes = [];
  });

  const pickId = (egress: EgressProxies, apiKey: ApiKey, tried = NONE): string => {
    const pick = egress.pick(apiKey, tried);
    return typeof pick === 'string' ? pick : pick.proxy.id;
  };

  it('a key leaves through its home; while it is unhealthy, through the next on the ring; then home again', () => {
    const egress = make();
    const k = key('key_a');
    const order = new EgressRing(ids(3)).order('key_a');
    expect(pickId(egress, k)).toBe(order[0]);
    const home = [...egress.records].find((record) => record.proxy.id === order[0]);
    if (home === undefined) throw new Error('no home');
    egress.failed(home, 'GP_EGRESS_UNREACHABLE');
    expect(changes).toEqual([{ type: 'egress-unhealthy', egressId: order[0], untilMs: T0 + 1_000, failures: 1, reason: 'GP_EGRESS_UNREACHABLE' }]);
    expect(pickId(egress, k)).toBe(order[1]);
    now = T0 + 1_000;
    expect(pickId(egress, k)).toBe(order[0]);
    egress.served(home);
    expect(changes.at(-1)).toEqual({ type: 'egress-healthy', egressId: order[0] });
  });

  it('the proxies a request tried are skipped; when every one is unhealthy, the first to recover is used', () => {
    const egress = make();
    const order = new EgressRing(ids(3)).order('key_a');
    expect(pickId(egress, key('key_a'), new Set(order.slice(0, 2)))).toBe(order[2]);
    expect(pickId(egress, key('key_a'), new Set(order))).toBe('none');
    for (const record of egress.records) egress.failed(record, 'x');
    const last = [...egress.records].find((record) => record.proxy.id === order[2]);
    if (last === undefined) throw new Error('no record');
    last.unhealthyUntilMs = T0 + 10; // recovers first
    expect(pickId(egress, key('key_a'))).toBe(order[2]);
  });

  it('a pinned key leaves only through its proxy, healthy or not; proxy=direct and no proxies mean straight', () => {
    const egress = make();
    const pinned = key('key_a', 'p2.example:1080');
    for (const record of egress.records) if (record.proxy.id === 'p2.example:1080') egress.failed(record, 'x');
    expect(pickId(egress, pinned)).toBe('p2.example:1080');
    expect(pickId(egress, pinned, new Set(['p2.example:1080']))).toBe('none');
    expect(pickId(egress, key('key_b', 'direct'))).toBe('direct');
    expect(pickId(new EgressProxies([], { now: () => now, onChange: () => undefined }), key('key_c'))).toBe('direct');
  });

  it('a reload keeps the health of proxies still listed and the homes of keys whose proxy stays', () => {
    const egress = make();
    for (const record of egress.records) egress.failed(record, 'x');
    egress.replace([...proxies, toEgress('socks5://p9.example:1080', 'test')]);
    const kept = [...egress.records].filter((record) => record.unhealthyUntilMs > now).map((record) => record.proxy.id);
    expect(kept).toEqual(ids(3));
  });
});

describe('the error policy and the walk with egress proxies', () => {
  const relay: Relay = { id: 'relay.example', origin: 'https://relay.example', basePath: '' };

  it.each(['GP_EGRESS_UNREACHABLE', 'GP_EGRESS_AUTH', 'GP_EGRESS_REFUSED'])('%s: the proxy, not the relay nor the key', (code) => {
    expect(classify({ kind: 'network', code }, PROXY_PATH, T0)).toMatchObject({
      name: 'egress-failure', key: 'keep', relay: 'keep', egress: 'unhealthy', next: 'next-egress', sameKey: true, reason: code,
    });
  });

  it('a proxy that cannot reach the relay blames the relay', () => {
    expect(classify({ kind: 'network', code: 'GP_EGRESS_TARGET_UNREACHABLE' }, PROXY_PATH, T0)).toMatchObject({
      name: 'relay-failure', relay: 'unhealthy', next: 'next-relay',
    });
  });

  function walkOver(keys: ApiKey[]) {
    const changes: StateChange[] = [];
    const rotator = new Rotator(keys, [relay], { now: () => T0, onChange: (change) => changes.push(change) },
      ids(3).map((id) => toEgress(`socks5://${id}`, 'test')));
    return { rotator, changes, walk: new Walk({ rotator, now: () => T0 }, 'm', undefined) };
  }

  it('after an egress failure the same key goes through the next proxy; after every proxy failed, none is left', () => {
    const { walk, changes } = walkOver([{ id: 'key_a', secret: 'a' }, { id: 'key_b', secret: 'b' }]);
    const order = new EgressRing(ids(3)).order('key_a');
    const seen: string[] = [];
    for (;;) {
      const step = walk.next();
      if (!step.ok) {
        expect(step.why).toBe('no-relay');
        break;
      }
      expect(step.key.key.id).toBe('key_a');
      seen.push(step.egress?.proxy.id ?? 'direct');
      walk.judge({ kind: 'network', code: 'GP_EGRESS_UNREACHABLE' }, PROXY_PATH, step, []);
    }
    expect(seen).toEqual(order);
    expect(changes.filter((change) => change.type === 'egress-unhealthy')).toHaveLength(3);
    expect(changes.some((change) => change.type.startsWith('key-') || change.type.startsWith('relay-'))).toBe(false);
  });

  it('a key pinned to a proxy that failed is passed over for another key', () => {
    const { walk } = walkOver([{ id: 'key_a', secret: 'a', egress: 'p0.example:1080' }, { id: 'key_b', secret: 'b', egress: 'p1.example:1080' }]);
    const first = walk.next();
    if (!first.ok) throw new Error('no step');
    expect([first.key.key.id, first.egress?.proxy.id]).toEqual(['key_a', 'p0.example:1080']);
    walk.judge({ kind: 'network', code: 'GP_EGRESS_REFUSED' }, PROXY_PATH, first, []);
    const second = walk.next();
    if (!second.ok) throw new Error('no step');
    expect([second.key.key.id, second.egress?.proxy.id]).toEqual(['key_b', 'p1.example:1080']);
  });
});

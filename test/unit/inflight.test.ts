/** The requests in flight (src/server/inflight.ts): what shutdown and the stream count go through. */

import { describe, expect, it } from 'vitest';
import { InflightList } from '../../src/server/inflight.js';

const item = (name: string) => ({ name, inflightSlot: -1 });

describe('InflightList', () => {
  it('holds what was added until it is deleted, in any order', () => {
    const list = new InflightList<ReturnType<typeof item>>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item) as [ReturnType<typeof item>, ReturnType<typeof item>, ReturnType<typeof item>, ReturnType<typeof item>];
    for (const each of [a, b, c, d]) list.add(each);
    list.delete(b);
    expect(list.size).toBe(3);
    expect(list.items().map((each) => each.name).sort()).toEqual(['a', 'c', 'd']);
    list.delete(a);
    list.delete(d);
    expect(list.items()).toEqual([c]);
    expect(c.inflightSlot).toBe(0);
    list.delete(c);
    expect(list.size).toBe(0);
    expect([a, b, c, d].every((each) => each.inflightSlot === -1)).toBe(true);
  });

  it('ignores a second delete and an item it never held', () => {
    const list = new InflightList<ReturnType<typeof item>>();
    const [a, b] = [item('a'), item('b')];
    list.add(a);
    list.add(b);
    list.delete(a);
    list.delete(a);
    list.delete(item('stranger'));
    const other = new InflightList<ReturnType<typeof item>>();
    const foreign = item('foreign');
    other.add(foreign);
    list.delete(foreign); // slot 0 here holds b, not this one
    expect(list.items()).toEqual([b]);
    expect(other.items()).toEqual([foreign]);
  });

  it('gives a copy, so deleting while going through it misses nothing', () => {
    const list = new InflightList<ReturnType<typeof item>>();
    const all = ['a', 'b', 'c'].map(item);
    for (const each of all) list.add(each);
    const seen: string[] = [];
    for (const each of list.items()) {
      seen.push(each.name);
      list.delete(each);
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    expect(list.size).toBe(0);
  });
});

/** The body budget: holds reserve within one process-wide limit and give everything back once. */

import { describe, expect, it } from 'vitest';
import { BodyBudget } from '../../src/server/body-budget.js';

describe('BodyBudget', () => {
  it('reserves up to its limit across holds, and refuses what would go over', () => {
    const budget = new BodyBudget(100);
    const first = budget.open();
    const second = budget.open();
    expect(first.reserve(60)).toBe(true);
    expect(second.reserve(40)).toBe(true);
    expect(budget.used).toBe(100);
    expect(second.reserve(1)).toBe(false);
    expect(second.bytes).toBe(40);
    expect(budget.used).toBe(100);
  });

  it('fits tells whether a body would fit now, reserving nothing', () => {
    const budget = new BodyBudget(100);
    const hold = budget.open();
    hold.reserve(30);
    expect(hold.fits(70)).toBe(true);
    expect(hold.fits(71)).toBe(false);
    expect(budget.used).toBe(30);
  });

  it('release gives back everything a hold reserved, once', () => {
    const budget = new BodyBudget(100);
    const first = budget.open();
    const second = budget.open();
    first.reserve(50);
    first.reserve(20);
    second.reserve(30);
    first.release();
    expect(budget.used).toBe(30);
    first.release();
    expect(budget.used).toBe(30);
    second.release();
    expect(budget.used).toBe(0);
  });

  it('a released hold counts nothing more (its request is over, its buffers are garbage)', () => {
    const budget = new BodyBudget(10);
    const hold = budget.open();
    hold.release();
    expect(hold.reserve(1_000)).toBe(true);
    expect(hold.fits(1_000)).toBe(true);
    expect(budget.used).toBe(0);
  });
});

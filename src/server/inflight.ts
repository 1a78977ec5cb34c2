/**
 * @module The requests in flight, in an array rather than a Set. V8 leaves each table a Set
 * outgrows or shrinks pointing at its successor and still holding its old entries, so under
 * churn every finished request stayed reachable from the first table in old space until the
 * next full collection: at 50 connections ~0.9 MB of them were promoted per scavenge
 * (`--trace-gc-nvp`; 3.2 KB per request, 0.5 KB with the array). Pass-through: +10 % requests/s,
 * −12 % CPU per request (bench/ab.sh, 8 rounds, every pair won).
 */

/** An item the list can find again in O(1): its position, -1 when not in a list. */
export interface Slotted {
  inflightSlot: number;
}

export class InflightList<T extends Slotted> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    item.inflightSlot = this.#items.push(item) - 1;
  }

  /** Moves the last item into the freed position: O(1), order not kept. */
  delete(item: T): void {
    const slot = item.inflightSlot;
    if (slot < 0 || this.#items[slot] !== item) return;
    const last = this.#items.pop();
    if (last !== undefined && last !== item) {
      this.#items[slot] = last;
      last.inflightSlot = slot;
    }
    item.inflightSlot = -1;
  }

  /** A copy: callers may end requests, and so delete items, while they go through it. */
  items(): T[] {
    return this.#items.slice();
  }
}

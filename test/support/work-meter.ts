/**
 * A work meter for complexity tests: while `measureWork` runs a synchronous function, the
 * builtins that walk arrays, strings and objects count the elements they touch. The count does
 * not depend on the machine or its load, so a test can assert how work grows with the input
 * (work(8n) / work(n) near 8 for linear, near 64 for quadratic) without timing anything.
 *
 * Replacing `Array.prototype[Symbol.iterator]` also sends spreads (`[...a, ...b]`), `for…of`
 * and destructuring through the counted iterator: V8 takes its fast paths only while the
 * original is in place. Object spreads (`{...o}`), string `+` and regular expressions cannot
 * be counted; keep those out of loops by review.
 */

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Cost = (self: unknown, args: unknown[], result: unknown) => number;

function lengthOf(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  return value instanceof Map || value instanceof Set ? value.size : 0;
}
/** Scans the whole receiver (an upper bound for searches that stop early). */
const ofSelf: Cost = (self) => lengthOf(self);
/** Builds a result of this length. */
const ofResult: Cost = (_self, _args, result) => lengthOf(result);
const ofSelfAndResult: Cost = (self, _args, result) => lengthOf(self) + lengthOf(result);
const one: Cost = () => 1;

const ARRAY_COSTS: Readonly<Record<string, Cost>> = {
  concat: ofResult, slice: ofResult, map: ofSelf, filter: ofSelfAndResult, forEach: ofSelf,
  flatMap: ofSelfAndResult, flat: ofSelfAndResult, indexOf: ofSelf, lastIndexOf: ofSelf,
  includes: ofSelf, join: ofSelfAndResult, find: ofSelf, findIndex: ofSelf, findLast: ofSelf,
  findLastIndex: ofSelf, some: ofSelf, every: ofSelf, reduce: ofSelf, reduceRight: ofSelf,
  fill: ofSelf, reverse: ofSelf, sort: ofSelf, toSorted: ofSelf, toReversed: ofSelf, with: ofSelf,
  keys: ofSelf, values: ofSelf, entries: ofSelf, at: one,
  push: (_self, args) => Math.max(1, args.length),
  unshift: (self, args) => lengthOf(self) + args.length,
  shift: ofSelf,
  splice: (self, args) => lengthOf(self) + Math.max(0, args.length - 2),
};

const ARRAY_STATIC_COSTS: Readonly<Record<string, Cost>> = { from: ofResult, of: ofResult };

const COLLECTION_COSTS: Readonly<Record<string, Cost>> = { keys: ofSelf, values: ofSelf, entries: ofSelf, forEach: ofSelf };

const STRING_COSTS: Readonly<Record<string, Cost>> = {
  slice: ofResult, substring: ofResult, substr: ofResult, indexOf: ofSelf, lastIndexOf: ofSelf,
  includes: ofSelf, startsWith: (_self, args) => lengthOf(args[0]), endsWith: (_self, args) => lengthOf(args[0]),
  split: ofSelf, replace: ofSelf, replaceAll: ofSelf, repeat: ofResult, trim: ofSelf, trimStart: ofSelf,
  trimEnd: ofSelf, toLowerCase: ofSelf, toUpperCase: ofSelf, padStart: ofResult, padEnd: ofResult,
  concat: ofResult, normalize: ofSelf, localeCompare: ofSelf, match: ofSelf, matchAll: ofSelf,
};

const OBJECT_COSTS: Readonly<Record<string, Cost>> = {
  keys: ofResult, values: ofResult, entries: ofResult, assign: one,
  fromEntries: (_self, args) => lengthOf(args[0]) || 1,
};

const JSON_COSTS: Readonly<Record<string, Cost>> = {
  parse: (_self, args) => lengthOf(args[0]),
  stringify: ofResult,
};

interface Patch {
  readonly target: object;
  readonly key: PropertyKey;
  readonly original: unknown;
}

let work = 0;
let measuring = false;

function patchMethods(target: object, costs: Readonly<Record<string, Cost>>, patches: Patch[]): void {
  for (const [name, cost] of Object.entries(costs)) {
    const original = Reflect.get(target, name) as Method | undefined;
    if (typeof original !== 'function') continue;
    patches.push({ target, key: name, original });
    const counted = function (this: unknown, ...args: unknown[]): unknown {
      const result = Reflect.apply(original, this, args);
      work += cost(this, args, result);
      return result;
    };
    Reflect.set(target, name, counted);
  }
}

/** Counts each step of every iterator made by `target[Symbol.iterator]`. */
function patchIterator(target: object, patches: Patch[]): void {
  const original = Reflect.get(target, Symbol.iterator) as Method;
  patches.push({ target, key: Symbol.iterator, original });
  Reflect.set(target, Symbol.iterator, function (this: unknown): Iterator<unknown> {
    const inner = Reflect.apply(original, this, []) as Iterator<unknown>;
    const counted: Iterator<unknown> & { [Symbol.iterator](): Iterator<unknown> } = {
      next: () => {
        work += 1;
        return inner.next();
      },
      [Symbol.iterator]: () => counted,
    };
    return counted;
  });
}

/**
 * Runs `run` with the builtins counted and returns how many elements they touched. The
 * builtins are restored before it returns, whatever `run` does; `run` must be synchronous.
 */
export function measureWork(run: () => unknown): number {
  if (measuring) throw new Error('measureWork does not nest');
  const patches: Patch[] = [];
  measuring = true;
  try {
    patchMethods(Array.prototype, ARRAY_COSTS, patches);
    patchMethods(Array, ARRAY_STATIC_COSTS, patches);
    patchMethods(Map.prototype, COLLECTION_COSTS, patches);
    patchMethods(Set.prototype, COLLECTION_COSTS, patches);
    patchMethods(String.prototype, STRING_COSTS, patches);
    patchMethods(Object, OBJECT_COSTS, patches);
    patchMethods(JSON, JSON_COSTS, patches);
    for (const target of [Array.prototype, Map.prototype, Set.prototype]) patchIterator(target, patches);
    work = 0;
    const result = run();
    if (result instanceof Promise) throw new Error('measureWork takes a synchronous function');
    return work;
  } finally {
    // Restored in reverse, so a key patched twice ends with its first original.
    for (let index = patches.length - 1; index >= 0; index -= 1) {
      const patch = patches[index];
      if (patch !== undefined) Reflect.set(patch.target, patch.key, patch.original);
    }
    measuring = false;
  }
}

/** How work grows from `n` to `8n`: about 8 when linear, about 64 when quadratic. */
export function growth(workAt: (n: number) => number, n: number): number {
  return workAt(8 * n) / workAt(n);
}

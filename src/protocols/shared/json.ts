/** @module Plain JSON helpers shared by the protocol translators. Pure. */

export type Json = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` nests no deeper than `max` objects and arrays (checked without recursion). */
export function withinDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() ?? [undefined, 0];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return false;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

/**
 * About how many bytes `value` takes as JSON (escapes aside), counted without recursion. The
 * count stops soon after it passes `limit`, so sizing costs at most about `limit` steps whatever
 * the value: a caller charging sizes against a budget never pays for more than it allows.
 */
export function jsonSize(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= limit) {
    const node = stack.pop();
    if (typeof node === 'string') size += node.length + 2;
    else if (typeof node === 'number') size += String(node).length;
    else if (typeof node !== 'object') size += 5; // true, false (and nothing JSON holds besides)
    else if (node === null) size += 4;
    else size += Array.isArray(node) ? pushItems(node, stack, limit - size) : pushValues(node, stack, limit - size);
  }
  return size;
}

/** Queues an array's items: brackets and a comma each; stops once `limit` is passed. */
function pushItems(node: readonly unknown[], stack: unknown[], limit: number): number {
  let size = 2;
  for (let index = 0; index < node.length && size <= limit; index += 1) {
    stack.push(node[index]);
    size += 1;
  }
  return size;
}

/** Queues an object's values: braces, and each key with its quotes, colon and comma. */
function pushValues(node: object, stack: unknown[], limit: number): number {
  let size = 2;
  for (const key in node) {
    if (size > limit) break;
    if (!Object.hasOwn(node, key)) continue;
    stack.push((node as Json)[key]);
    size += key.length + 4;
  }
  return size;
}

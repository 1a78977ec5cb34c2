/**
 * @module Finding the keys of Google's answers in raw bytes, without parsing: cheap enough to run
 * on every held chunk. Sound because inside a JSON string every quote is escaped: an unescaped
 * `"finishReason"` followed by a colon is a key, never text that mentions it. (A key of that name
 * inside a function call's arguments can only be there when a part is, which says something
 * too.) Pure.
 */

const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const SPACES = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Keys whose presence alone makes an answer say something (wire-formats §1.7). */
export const FINISH = Buffer.from('"finishReason"');
const BLOCK = Buffer.from('"blockReason"');
/** Says something when its list holds an element: `"parts": [{`. */
const PARTS = Buffer.from('"parts"');

/** The first byte at or after `at` that is not JSON whitespace (its index). */
function skipSpaces(bytes: Buffer, at: number): number {
  let next = at;
  while (next < bytes.length && SPACES.has(bytes[next] ?? 0)) next++;
  return next;
}

/**
 * Where the value of the first occurrence of `key` (as a key) at or after `from` starts in
 * `bytes`, and where to search for the next one; undefined when there is none.
 */
function valueOf(bytes: Buffer, key: Buffer, from: number): { value: number; next: number } | undefined {
  for (let at = bytes.indexOf(key, from); at !== -1; at = bytes.indexOf(key, at + 1)) {
    if (at > 0 && bytes[at - 1] === BACKSLASH) continue;
    const colon = skipSpaces(bytes, at + key.length);
    if (bytes[colon] === COLON) return { value: skipSpaces(bytes, colon + 1), next: at + 1 };
  }
  return undefined;
}

/** Whether `bytes` hold `key` as a key. */
export function hasKey(bytes: Buffer, key: Buffer): boolean {
  return valueOf(bytes, key, 0) !== undefined;
}

/** Whether `bytes` hold a finish reason, a block reason or a part: content, seen without parsing. */
export function showsContent(bytes: Buffer): boolean {
  if (hasKey(bytes, FINISH) || hasKey(bytes, BLOCK)) return true;
  for (let found = valueOf(bytes, PARTS, 0); found !== undefined; found = valueOf(bytes, PARTS, found.next)) {
    if (bytes[found.value] === OPEN_BRACKET && bytes[skipSpaces(bytes, found.value + 1)] === OPEN_BRACE) return true;
  }
  return false;
}

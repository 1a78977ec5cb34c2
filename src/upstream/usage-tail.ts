/**
 * @module Reading what Google counted for an answer (`usageMetadata`) from a passed-through body
 * without parsing the body: the usage comes at the end of a JSON answer, of a JSON-array stream's
 * last element and of an `alt=sse` stream's last event. The last chunks are kept (references, no
 * copies), and once the body has ended only the object after the last `"usageMetadata"` key is
 * parsed. Sound for the reason json-keys.ts gives: inside a JSON string every quote is escaped,
 * so the unescaped key followed by a colon is a key, never text that mentions it. A request of
 * several calls (a completion of several prompts) adds their usages up. Pure.
 */

import { isObject } from '../protocols/shared/json.js';
import { TailWindow } from '../protocols/shared/tail-window.js';
import type { UsageMetadata } from '../protocols/gemini/types.js';
import { tokenCount } from './usage.js';

const KEY = Buffer.from('"usageMetadata"');
/**
 * Kept from the body's end. After the usage an answer holds only its model version and ids, and
 * the usage itself (with its per-modality details) is well under this.
 */
const WINDOW = 16 * 1024;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const SPACES = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipSpaces(bytes: Buffer, at: number): number {
  let next = at;
  while (next < bytes.length && SPACES.has(bytes[next] ?? 0)) next++;
  return next;
}

/** The index just past the object that opens at `start`, or -1 when the bytes end inside it. */
function objectEnd(bytes: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let at = start; at < bytes.length; at++) {
    const byte = bytes[at];
    if (inString) {
      if (byte === BACKSLASH) at++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN) {
      depth++;
    } else if (byte === CLOSE && --depth === 0) {
      return at + 1;
    }
  }
  return -1;
}

/**
 * Where the object value of the last `"usageMetadata"` key before `before` starts in `bytes`, and
 * where the key itself is (to search before it next); undefined when there is none.
 */
function usageBefore(bytes: Buffer, before: number): { start: number; key: number } | undefined {
  for (let at = before < 0 ? -1 : bytes.lastIndexOf(KEY, before); at !== -1; at = at === 0 ? -1 : bytes.lastIndexOf(KEY, at - 1)) {
    if (at > 0 && bytes[at - 1] === BACKSLASH) continue;
    const colon = skipSpaces(bytes, at + KEY.length);
    if (bytes[colon] !== COLON) continue;
    const value = skipSpaces(bytes, colon + 1);
    if (bytes[value] === OPEN) return { start: value, key: at };
  }
  return undefined;
}

/**
 * The last whole usage in `bytes` (only that object is parsed), or undefined when there is none:
 * a body cut inside its last usage gives the one before.
 */
export function usageIn(bytes: Buffer): UsageMetadata | undefined {
  for (let found = usageBefore(bytes, bytes.length); found !== undefined; found = usageBefore(bytes, found.key - 1)) {
    const end = objectEnd(bytes, found.start);
    if (end === -1) continue;
    try {
      const value: unknown = JSON.parse(bytes.toString('utf8', found.start, end));
      // Its counts are checked one by one where they are counted (usage.ts).
      return isObject(value) ? value as UsageMetadata : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The answer's usage in `window` (a body's end), read once the body has ended or broke. */
export function usageInWindow(window: TailWindow): UsageMetadata | undefined {
  const last = window.last();
  if (last === undefined) return undefined;
  // Usually the last chunk holds the whole last event: nothing is joined then.
  const found = usageIn(last);
  return found !== undefined || window.size === 1 ? found : usageIn(window.bytes());
}

/** The end of one body whose finish nothing else keeps (a plain JSON answer), for its usage. */
export class UsageTail {
  readonly #window = new TailWindow(WINDOW);

  push(chunk: Buffer): void {
    this.#window.push(chunk);
  }

  /** The answer's usage, read once the body has ended (or broke: the last whole usage then). */
  read(): UsageMetadata | undefined {
    return usageInWindow(this.#window);
  }
}

/**
 * What a request's answers counted so far: `answer`'s usage added to `previous` (a request of
 * several calls, such as a completion of several prompts). No copy for the first.
 */
export function addUsage(previous: UsageMetadata | undefined, answer: unknown): UsageMetadata | undefined {
  const usage = isObject(answer) ? answer['usageMetadata'] : undefined;
  if (!isObject(usage)) return previous;
  const next = usage as UsageMetadata;
  if (previous === undefined) return next;
  return {
    promptTokenCount: tokenCount(previous.promptTokenCount) + tokenCount(next.promptTokenCount),
    candidatesTokenCount: tokenCount(previous.candidatesTokenCount) + tokenCount(next.candidatesTokenCount),
    thoughtsTokenCount: tokenCount(previous.thoughtsTokenCount) + tokenCount(next.thoughtsTokenCount),
    cachedContentTokenCount: tokenCount(previous.cachedContentTokenCount) + tokenCount(next.cachedContentTokenCount),
  };
}

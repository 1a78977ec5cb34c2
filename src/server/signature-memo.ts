/**
 * @module The thought signatures of recent tool calls, for Ollama clients that drop the tool-call
 * id the signature rides in (ollama-python's models have no `id`). A bounded LRU map from a
 * call's key to its signature: at most 10,000 calls, each kept at most an hour, in this process
 * only. The key ties a call to its conversation, so a signature is only ever found again by a
 * request that repeats the conversation that produced it.
 *
 * The key is the SHA-256 of the canonical JSON (object keys sorted, at every depth: a client may
 * reorder them) of `[model, prefix, name, args]`, where `prefix` is the SHA-256 of the contents
 * before the call, one canonical JSON line `[role, part]` per part. Hashing the contents part by
 * part lets one request's calls share the work: each part is hashed once, not once per call after
 * it, which would be quadratic in a long agent conversation.
 *
 * The calls of one answer share their prefix and differ by name or arguments. Two identical calls
 * in one answer share a key, so both come back with one signature: Gemini signs only the first
 * call of a step, so the signature kept is that one's. A signature restored from here is part of
 * the contents of the request that sent it, and so of the prefix its answer's calls are kept
 * under; the next request restores it again, and finds them.
 */

import { createHash, type Hash } from 'node:crypto';
import type { Content } from '../protocols/gemini/types.js';
import { isObject, withinDepth } from '../protocols/shared/json.js';
import type { CallKey, SignatureLookup, SignatureRecorder } from '../protocols/ollama/types.js';

export interface MemoLimits {
  /** Calls remembered at most; one more forgets the least recently used. */
  readonly maxEntries: number;
  /** How long a signature is kept after Gemini sent it, in ms; using it does not extend it. */
  readonly ttlMs: number;
  /** Larger signatures (UTF-8 bytes) are not kept. */
  readonly maxSignatureBytes: number;
  /** Bytes of signatures held in all; one more forgets the least recently used. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_MEMO_LIMITS: MemoLimits = {
  maxEntries: 10_000, ttlMs: 60 * 60_000, maxSignatureBytes: 64 * 1024, maxTotalBytes: 32 * 1024 * 1024,
};

/**
 * Values nesting deeper are not keyed (their calls are neither remembered nor found). A client's
 * body is refused past 64 levels; this bounds the recursion below for what Gemini sends too.
 */
const MAX_KEY_DEPTH = 128;

/** The functions one request's translators are given. */
export interface SignatureHooks {
  readonly signatureFor: SignatureLookup;
  readonly remember: SignatureRecorder;
}

interface Entry {
  readonly signature: string;
  /** The signature's UTF-8 size, counted against `maxTotalBytes`. */
  readonly bytes: number;
  readonly expiresAt: number;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isObject(value)) return value;
  // fromEntries keeps a `__proto__` key as a key of its own.
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys(value[key])]));
}

/** JSON with every object's keys sorted; undefined for a value nesting too deep to walk. */
function canonicalJson(value: unknown): string | undefined {
  return withinDepth(value, MAX_KEY_DEPTH) ? JSON.stringify(sortedKeys(value)) : undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The digest of one request's contents as the translators build them: the list only grows (new
 * turns, new parts at the end of the last turn), so a cursor marks the next part to hash. A
 * different list starts over.
 */
class ContentsDigest {
  #hash: Hash = createHash('sha256');
  #contents: readonly Content[] | undefined;
  /** The next part to hash: its turn, and its index in that turn. */
  #turn = 0;
  #part = 0;
  /** The digest of the parts hashed so far, once asked for. */
  #digest: string | undefined;
  /** A part nested too deep: this request's contents have no digest. */
  #unkeyable = false;

  of(contents: readonly Content[]): string | undefined {
    if (contents !== this.#contents) this.#restart(contents);
    this.#advance(contents);
    if (this.#unkeyable) return undefined;
    // copy(): the hash goes on with the parts still to come.
    this.#digest ??= this.#hash.copy().digest('hex');
    return this.#digest;
  }

  #restart(contents: readonly Content[]): void {
    this.#hash = createHash('sha256');
    this.#contents = contents;
    this.#turn = 0;
    this.#part = 0;
    this.#digest = undefined;
    this.#unkeyable = false;
  }

  #advance(contents: readonly Content[]): void {
    for (let turn = contents[this.#turn]; turn !== undefined; turn = contents[this.#turn]) {
      const parts = turn.parts ?? [];
      for (; this.#part < parts.length; this.#part += 1) this.#add(turn.role, parts[this.#part]);
      // The last turn may still grow: the cursor stays in it.
      if (this.#turn >= contents.length - 1) return;
      this.#turn += 1;
      this.#part = 0;
    }
  }

  #add(role: string | undefined, part: unknown): void {
    const line = canonicalJson([role ?? null, part]);
    if (line === undefined) this.#unkeyable = true;
    else this.#hash.update(`${line}\n`);
    this.#digest = undefined;
  }
}

/**
 * Signatures by call key, in order of last use (the first entry is the least recently used). An
 * entry lives `ttlMs` from when it was stored; expired entries are dropped when met, and from the
 * least recently used end whenever one is stored.
 */
export class SignatureMemo {
  readonly #now: () => number;
  readonly #limits: MemoLimits;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(now: () => number, limits: Partial<MemoLimits> = {}) {
    this.#now = now;
    this.#limits = { ...DEFAULT_MEMO_LIMITS, ...limits };
  }

  /**
   * The hooks for one request: `signatureFor` for its messages, `remember` for its answer. They
   * share one digest of the request's contents, so every part is hashed once per request.
   */
  hooks(): SignatureHooks {
    // Made when first needed: most chats have no tool call to key.
    let digest: ContentsDigest | undefined;
    const keyOf = ({ model, contentsBefore, name, args }: CallKey): string | undefined => {
      digest ??= new ContentsDigest();
      const prefix = digest.of(contentsBefore);
      const call = prefix === undefined ? undefined : canonicalJson([model, prefix, name, args]);
      return call === undefined ? undefined : sha256(call);
    };
    return {
      signatureFor: (key) => {
        const memoKey = keyOf(key);
        return memoKey === undefined ? undefined : this.get(memoKey);
      },
      remember: (key, signature) => {
        const memoKey = keyOf(key);
        if (memoKey !== undefined) this.set(memoKey, signature);
      },
    };
  }

  /** The signature stored under `key` (a digest), unless it expired; it becomes the most recently used. */
  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#drop(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#keep(key, entry);
    return entry.signature;
  }

  /** Stores `signature` under `key`. One too large is not kept, but still drops what was there: that is stale. */
  set(key: string, signature: string): void {
    this.#drop(key);
    const bytes = Buffer.byteLength(signature);
    if (bytes > this.#limits.maxSignatureBytes) return;
    this.#keep(key, { signature, bytes, expiresAt: this.#now() + this.#limits.ttlMs });
    this.#evict();
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops least recently used entries while there are too many, or while the least recent has expired. */
  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      const within = this.#entries.size <= this.#limits.maxEntries && this.#bytes <= this.#limits.maxTotalBytes;
      if (within && entry.expiresAt > now) return;
      this.#drop(key);
    }
  }

  #keep(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

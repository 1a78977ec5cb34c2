/**
 * @module The end of a body as it passes: references to its last chunks (no copies), at least
 * `limit` bytes of them once that much has passed, so a stream holds little whatever its length.
 * What a body's end says (its finish, its usage) is searched here once the body has ended. Pure.
 */

export class TailWindow {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Keeps `chunk` as the newest; lets go of what lies wholly before the window. */
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#chunks.length > 1 && this.#bytes - (this.#chunks[0]?.length ?? 0) >= this.#limit) {
      this.#bytes -= this.#chunks.shift()?.length ?? 0;
    }
  }

  /** Lets go of everything kept (what came so far no longer matters). */
  clear(): void {
    this.#chunks = [];
    this.#bytes = 0;
  }

  /** The newest chunk; undefined before any. */
  last(): Buffer | undefined {
    return this.#chunks.at(-1);
  }

  /** How many chunks are kept. */
  get size(): number {
    return this.#chunks.length;
  }

  /** What is kept, as one buffer (no copy when it is one chunk). */
  bytes(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0] ?? Buffer.alloc(0) : Buffer.concat(this.#chunks);
  }
}

/**
 * @module The process-wide budget for request bodies held in memory. A body is held from its
 * first byte until its request's response closes, since it is replayed on retries; many large
 * bodies held at once must not exhaust memory.
 */

/** Request body bytes all requests together may hold. */
export class BodyBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held now, by every request together. */
  get used(): number {
    return this.#used;
  }

  /** A hold for one request's body; its owner releases it when the response closes. */
  open(): BodyHold {
    return new BodyHold(this);
  }

  /** Whether `bytes` more fit now. */
  fits(bytes: number): boolean {
    return this.#used + bytes <= this.limit;
  }

  /** Counts `bytes` as held if they fit; false (and nothing counted) if they do not. */
  tryReserve(bytes: number): boolean {
    if (!this.fits(bytes)) return false;
    this.#used += bytes;
    return true;
  }

  free(bytes: number): void {
    this.#used -= bytes;
  }
}

/** One request's share of the budget: what its body holds so far. */
export class BodyHold {
  readonly #budget: BodyBudget;
  #bytes = 0;
  #released = false;

  constructor(budget: BodyBudget) {
    this.#budget = budget;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Whether a body of `bytes` would fit now, without reserving anything. */
  fits(bytes: number): boolean {
    return this.#released || this.#budget.fits(bytes);
  }

  /** Counts `bytes` more; false when the budget has no room for them. */
  reserve(bytes: number): boolean {
    // A request already over holds nothing for long: its buffers are garbage once it unwinds.
    if (this.#released) return true;
    if (!this.#budget.tryReserve(bytes)) return false;
    this.#bytes += bytes;
    return true;
  }

  /** Gives back everything held; later calls do nothing. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#budget.free(this.#bytes);
    this.#bytes = 0;
  }
}

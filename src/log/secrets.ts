/** @module The secrets known right now (API keys, proxy keys), for scrubbing free text. */

export class Secrets {
  #values: ReadonlySet<string> = new Set();

  /** Replaces the whole set (start-up, reload). */
  replace(values: Iterable<string>): void {
    this.#values = new Set(values);
  }

  values(): ReadonlySet<string> {
    return this.#values;
  }
}

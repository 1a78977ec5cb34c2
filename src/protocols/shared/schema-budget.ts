/**
 * @module What cleaning the JSON Schemas of one request may cost. Inlining `$ref`s copies
 * definitions, so a small schema can grow without limit (one large `anyOf` referenced from 200
 * properties turned 358 KiB into 69 MiB); the budget bounds the output, and the work, of every
 * schema of a request together. Pure.
 */

import { badRequest } from './read.js';

/**
 * The budget, in approximate JSON bytes (jsonSize): every request may produce SCHEMA_FLOOR,
 * plus SCHEMA_FACTOR times the size of the schemas it sent, and never more than SCHEMA_CAP.
 * Every key the walk visits is charged too, dropped or kept, so the work is bounded as well.
 *
 * Real schemas pass by a wide margin. Without `$ref` the output is never larger than the input
 * (`const` → `enum` adds a byte), so only the cap could refuse tool schemas as coding agents send
 * them (a few dozen, tens of KiB in all, hardly any `$ref`). Pydantic's (a few `$defs`, each used
 * a few times) grow a few times over, and up to 256 KiB of output needs no ratio at all. 8 MiB of
 * schemas is far more than any real request carries; the cap keeps what one request's schemas
 * become (and the upstream body built from them) at that, whatever the client sends.
 */
export const SCHEMA_FLOOR = 256 * 1024;
export const SCHEMA_FACTOR = 8;
export const SCHEMA_CAP = 8 * 1024 * 1024;

/**
 * How deep a schema may nest once its `$ref`s are inlined: objects and arrays, plus one level
 * per reference followed, so a chain of references that nest nothing is bounded too. Client
 * JSON is already capped at 64 levels; ten pydantic models nested in each other take 30 to 50
 * once inlined. The walk recurses, so this also keeps its stack short.
 */
export const MAX_SCHEMA_DEPTH = 128;

/** The output and work left for the schemas of one request; one instance per request. */
export class SchemaBudget {
  #allowed = SCHEMA_FLOOR;
  #spent = 0;

  /** Adds the allowance a schema of `inputSize` brings, never past SCHEMA_CAP. */
  grant(inputSize: number): void {
    this.#allowed = Math.min(SCHEMA_CAP, this.#allowed + SCHEMA_FACTOR * inputSize);
  }

  /** What is left; sizing may stop just past it. */
  get left(): number {
    return this.#allowed - this.#spent;
  }

  /** Spends `units` on the schema at `param`; a 400 naming it once the budget is gone. */
  charge(units: number, param: string): void {
    this.#spent += units;
    if (this.#spent > this.#allowed) {
      throw badRequest(param, `${param} grows too large once its $refs are inlined: the schemas of one request may ` +
        `produce at most ${SCHEMA_FLOOR} bytes plus ${SCHEMA_FACTOR} times their own size, and never over ${SCHEMA_CAP}`);
    }
  }
}

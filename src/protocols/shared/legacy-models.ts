/**
 * @module Retired Gemini model names → the current model to call instead. Scripts written
 * against old documents name `gemini-pro` or `gemini-1.5-flash-002`, which Google shut down and
 * now answers 404 for; mapped here, they keep working. Pure.
 *
 * Source: Google's "Gemini deprecations" page (ai.google.dev/gemini-api/docs/deprecations) and
 * its shutdown notices, as of 2026-12. Only shut-down names are listed: a name Google still
 * serves goes upstream as it is, so nobody is moved off a model that still answers.
 */

/** The current models the table sends retired names to (one place to move them on). */
const FLASH = 'gemini-2.5-flash';
const FLASH_LITE = 'gemini-2.5-flash-lite';
const PRO = 'gemini-2.5-pro';
const EMBEDDING = 'gemini-embedding-001';

/** Each retired name with its successor, in families: a tier maps to the tier that replaced it. */
const FAMILIES: readonly (readonly [successor: string, retired: readonly string[]])[] = [
  // Gemini 1.0 Pro was the general model of its day, the tier Flash fills now (and Flash keeps
  // an old script from being billed at Pro rates). Every current model reads images, so the
  // vision models need no model of their own.
  [FLASH, [
    'gemini-pro', 'gemini-1.0-pro', 'gemini-1.0-pro-001', 'gemini-1.0-pro-002', 'gemini-1.0-pro-latest',
    'gemini-pro-vision', 'gemini-1.0-pro-vision', 'gemini-1.0-pro-vision-001', 'gemini-1.0-pro-vision-latest',
  ]],
  // Gemini 1.5, its experiments, the 2.0 Flash line (shut down 2026-06-01) and the 2.5 previews.
  [FLASH, [
    'gemini-1.5-flash', 'gemini-1.5-flash-001', 'gemini-1.5-flash-002', 'gemini-1.5-flash-latest',
    'gemini-1.5-flash-001-tuning', 'gemini-1.5-flash-exp-0827',
    'gemini-2.0-flash', 'gemini-2.0-flash-001', 'gemini-2.0-flash-exp',
    'gemini-2.0-flash-thinking-exp', 'gemini-2.0-flash-thinking-exp-01-21', 'gemini-2.0-flash-thinking-exp-1219',
    'gemini-2.5-flash-preview-04-17', 'gemini-2.5-flash-preview-05-20',
  ]],
  [FLASH_LITE, [
    'gemini-1.5-flash-8b', 'gemini-1.5-flash-8b-001', 'gemini-1.5-flash-8b-latest',
    'gemini-1.5-flash-8b-exp-0827', 'gemini-1.5-flash-8b-exp-0924',
    'gemini-2.0-flash-lite', 'gemini-2.0-flash-lite-001',
    'gemini-2.0-flash-lite-preview', 'gemini-2.0-flash-lite-preview-02-05',
    'gemini-2.5-flash-lite-preview-06-17',
  ]],
  // The experimental "exp" names and the 2.5 Pro previews were all Pro-class models.
  [PRO, [
    'gemini-1.5-pro', 'gemini-1.5-pro-001', 'gemini-1.5-pro-002', 'gemini-1.5-pro-latest',
    'gemini-1.5-pro-exp-0801', 'gemini-1.5-pro-exp-0827',
    'gemini-exp-1114', 'gemini-exp-1121', 'gemini-exp-1206',
    'gemini-2.0-pro-exp', 'gemini-2.0-pro-exp-02-05',
    'gemini-2.5-pro-exp-03-25', 'gemini-2.5-pro-preview-03-25', 'gemini-2.5-pro-preview-05-06', 'gemini-2.5-pro-preview-06-05',
  ]],
  // Embeddings: vectors from different models do not compare, so an index built with the old
  // model needs re-embedding; the call itself keeps working.
  [EMBEDDING, [
    'embedding-001', 'text-embedding-004', 'embedding-gecko-001',
    'gemini-embedding-exp', 'gemini-embedding-exp-03-07',
  ]],
  // PaLM, the API's first models.
  [FLASH, ['text-bison-001', 'chat-bison-001']],
];

/** Every retired name → the model that replaces it. A Map: no name reaches `Object.prototype`. */
export const RETIRED_MODELS: ReadonlyMap<string, string> = new Map(
  FAMILIES.flatMap(([successor, retired]) => retired.map((name) => [name, successor] as const)),
);

/** The model that replaces a retired name (without `models/`), or undefined for any other name. */
export function currentModelFor(name: string): string | undefined {
  return RETIRED_MODELS.get(name);
}

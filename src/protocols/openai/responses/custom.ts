/**
 * @module Custom tools (free-form input: Codex's `exec`, `apply_patch` with a Lark grammar) as
 * Gemini function declarations, and their calls back (wire-formats-2 §2.4). Gemini has no
 * free-form tools, so each becomes a function taking one required string, `input`, which the
 * answer hands back as the call's raw `input`. A grammar (`format: {type: "grammar"}`) cannot be
 * enforced by Gemini, so it is quoted in that parameter's description, where the model reads it.
 * Pure; a malformed format is a 400 naming it.
 */

import { badRequest, readObject, readString } from '../../shared/read.js';

/** The one parameter of a custom tool's declaration. */
export const CUSTOM_INPUT = 'input';

/**
 * The longest grammar quoted in a description. Codex's apply_patch grammar is about 1 KB; a
 * longer one is cut, so a client cannot grow every request by an unbounded description.
 */
export const MAX_GRAMMAR = 8_192;

const SYNTAXES: ReadonlySet<string> = new Set(['lark', 'regex']);

const RAW_INPUT = 'The raw free-form input for this tool, passed to it exactly as written (plain text, not JSON).';

/** `text` cut to at most `max` UTF-16 units, never between the halves of a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** The grammar of `format` (`{type: "grammar", syntax, definition}`), or undefined for free text. */
function grammar(format: unknown, param: string): { syntax: string; definition: string } | undefined {
  const read = readObject(format, param);
  const type = read?.['type'];
  if (read === undefined || type === undefined || type === 'text') return undefined;
  if (type !== 'grammar') throw badRequest(`${param}.type`, `${param}.type must be text or grammar`);
  const syntax = readString(read['syntax'], `${param}.syntax`) ?? 'lark';
  if (!SYNTAXES.has(syntax)) throw badRequest(`${param}.syntax`, `${param}.syntax must be lark or regex`);
  const definition = readString(read['definition'], `${param}.definition`);
  if (!definition) throw badRequest(`${param}.definition`, `${param}.definition is required for a grammar`);
  return { syntax, definition };
}

/** What the `input` parameter's description says: raw input, and the grammar it must follow. */
export function inputDescription(format: unknown, param: string): string {
  const rule = grammar(format, param);
  if (rule === undefined) return RAW_INPUT;
  const quoted = cut(rule.definition, MAX_GRAMMAR);
  const note = quoted.length < rule.definition.length ? `\n(grammar cut at ${quoted.length} of ${rule.definition.length} characters)` : '';
  return `${RAW_INPUT} It must follow this ${rule.syntax} grammar:\n${quoted}${note}`;
}

/** The parameters schema of a custom tool with `format` (read from `param`). */
export function customParameters(format: unknown, param: string): Record<string, unknown> {
  return {
    type: 'object',
    properties: { [CUSTOM_INPUT]: { type: 'string', description: inputDescription(format, param) } },
    required: [CUSTOM_INPUT],
  };
}

/** A custom tool call's raw input from Gemini's arguments: the `input` string, else the arguments as JSON. */
export function customInput(args: Record<string, unknown> | undefined): string {
  const input = args?.[CUSTOM_INPUT];
  return typeof input === 'string' ? input : JSON.stringify(args ?? {});
}

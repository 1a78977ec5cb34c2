/**
 * @module Function tools as OpenAI and Ollama both write them, to and from Gemini: declarations
 * (schemas cleaned), call arguments, and tool results. Pure; anything malformed is a 400 naming
 * the field.
 */

import type { Tool } from '../gemini/types.js';
import { badRequest, checkDepth, isObject, readObject, readString } from './read.js';
import { cleanSchema } from './schema.js';
import type { SchemaBudget } from './schema-budget.js';

/** Gemini's rule for function names: a letter or `_`, then up to 127 of `[a-zA-Z0-9_.:-]`. */
const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;

/** A function name Gemini takes, or a 400 naming `param` (every protocol's tools pass here). */
export function functionName(value: unknown, param: string): string {
  const name = readString(value, param) ?? '';
  if (!FUNCTION_NAME.test(name)) throw badRequest(param, `${param} must start with a letter or _ and hold up to 128 of a-z A-Z 0-9 _ . : -`);
  return name;
}

/** One `{type: "function", function: {name, description, parameters}}` (or the bare function). */
function declaration(value: unknown, param: string, schemaBudget: SchemaBudget): NonNullable<Tool['functionDeclarations']>[number] {
  const fn = isObject(value) ? readObject(value['type'] === 'function' ? value['function'] : value, `${param}.function`) : undefined;
  if (!isObject(value) || (value['type'] !== undefined && value['type'] !== 'function') || fn === undefined) {
    throw badRequest(param, `${param} must be a function tool ({type: "function", function: {name, parameters}})`);
  }
  const name = functionName(fn['name'], `${param}.function.name`);
  const description = readString(fn['description'], `${param}.function.description`);
  const where = `${param}.function.parameters`;
  const parameters = readObject(fn['parameters'], where);
  return {
    name,
    ...(description && { description }),
    ...(parameters && { parametersJsonSchema: cleanSchema(parameters, where, schemaBudget) }),
  };
}

/** A list of function tools → one Gemini tool holding every declaration; none for an empty list. */
export function functionTools(list: readonly unknown[], param: string, schemaBudget: SchemaBudget): Tool[] | undefined {
  if (list.length === 0) return undefined;
  return [{ functionDeclarations: list.map((item, index) => declaration(item, `${param}[${index}]`, schemaBudget)) }];
}

/** A call's arguments: an object, or (OpenAI) a JSON string encoding one; none is `{}`. */
export function functionArguments(value: unknown, param: string): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  if (isObject(value)) return value;
  if (typeof value !== 'string') throw badRequest(param, `${param} must be a JSON string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw badRequest(param, `${param} is not valid JSON`);
  }
  if (!isObject(parsed)) throw badRequest(param, `${param} must encode a JSON object`);
  checkDepth(parsed, param);
  return parsed;
}

/** A tool's result for Gemini, which wants an object: JSON objects as they are, anything else as `{output}`. */
export function toolResult(text: string, param: string): Record<string, unknown> {
  let output: unknown = text;
  try {
    output = JSON.parse(text);
  } catch {
    // Plain text stays text.
  }
  checkDepth(output, param);
  return isObject(output) ? output : { output };
}

/**
 * @module Responses `tools` (and tools an `additional_tools` input item carries) and
 * `tool_choice` → Gemini `tools` and `toolConfig` (wire-formats-2 §2.4, §2.8). Pure; a malformed
 * tool is a 400 naming it. Each tool type has one rule (TOOL_RULES):
 *
 * - `function` (the flat shape: name, description, parameters) → a function declaration, its
 *   schema cleaned into `parametersJsonSchema`; `strict` is ignored.
 * - `namespace` → each function (or custom tool) inside declared under the reversible flat name
 *   `<namespace>__<name>` (namespacedName, Codex's own flattening rule); `toolNames` maps it back,
 *   and the answer's call item carries `name` and `namespace` apart, as Codex routes calls.
 * - `web_search` (and `web_search_preview`, dated variants) → Gemini's `googleSearch`, but only
 *   when no function is declared: generateContent refuses Google Search next to function
 *   declarations ("Tool use with function calling is unsupported"), and Codex sends both by
 *   default. Dropped too with `external_web_access: false` (the client asked for no live search).
 * - `custom` (free-form input, Codex's `exec` and `apply_patch` with a Lark grammar), at the top
 *   or inside a namespace → a function taking one required string `input`, its grammar quoted in
 *   that parameter's description (custom.ts); `toolNames` marks it custom, so the answer gives a
 *   `custom_tool_call` with the raw `input`. `tool_choice: {type: "custom", name}` forces it as
 *   `{type: "function", name}` forces a function (ANY mode, that name alone).
 * - `tool_search` (Codex's client-side deferred tool loading) is dropped: Gemini declares every
 *   tool up front, and Codex sends it by default (gpt-5.5-style runs), so refusing it would
 *   break Codex; the model works with the tools declared.
 * - Every other hosted tool (`local_shell`, `shell`, `apply_patch`, `file_search`,
 *   `computer_use_preview`, `code_interpreter`, `image_generation`, `mcp`, …) is OpenAI's to run,
 *   not Gemini's: a 400 naming it.
 */

import type { FunctionDeclaration, Tool, ToolConfig } from '../../gemini/types.js';
import { badRequest, isObject, readArray, readString, type Json } from '../../shared/read.js';
import { cleanSchema } from '../../shared/schema.js';
import type { SchemaBudget } from '../../shared/schema-budget.js';
import { customParameters } from './custom.js';
import type { ToolName } from './types.js';

/** Gemini's rule for function names (shared/tools.ts holds the same): a letter or `_`, then up to 127 of `[a-zA-Z0-9_.:-]`. */
const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;

const SEARCH_TOOL = /^web_search(?:_preview)?(?:_\d{4}_\d{2}_\d{2})?$/;

/** A list of tools and the request field holding it (`tools`, or `input[3].tools`). */
export interface ToolList {
  readonly list: readonly unknown[];
  readonly param: string;
}

export interface TranslatedTools {
  readonly tools: Tool[] | undefined;
  readonly toolNames: Map<string, ToolName>;
}

interface ToolState {
  readonly declarations: FunctionDeclaration[];
  readonly names: Map<string, ToolName>;
  readonly budget: SchemaBudget;
  search: boolean;
}

type ToolRule = (tool: Json, param: string, state: ToolState) => void;

function trimUnderscores(text: string, end: 'start' | 'end'): string {
  // By hand: `/_+$/` is quadratic over a long run of `_` not at the end.
  let from = 0;
  let to = text.length;
  if (end === 'start') while (text[from] === '_') from += 1;
  else while (to > 0 && text[to - 1] === '_') to -= 1;
  return text.slice(from, to);
}

/**
 * The flat name Gemini sees for function `name` of namespace `namespace`: the namespace without
 * trailing `_`, `__`, the name without leading `_` (codex-rs `ToolName::canonical_flat_name`).
 */
export function namespacedName(namespace: string, name: string): string {
  return `${trimUnderscores(namespace, 'end')}__${trimUnderscores(name, 'start')}`;
}

/** The name `tool` (at `param`) gives, and the flat name it is declared under, checked and not yet taken. */
function claimName(tool: Json, param: string, state: ToolState, namespace: string | undefined): { name: string; flat: string } {
  const name = readString(tool['name'], `${param}.name`);
  if (!name) throw badRequest(`${param}.name`, `${param}.name is required`);
  const flat = namespace === undefined ? name : namespacedName(namespace, name);
  if (!FUNCTION_NAME.test(flat)) {
    throw badRequest(`${param}.name`, `${param}.name must give a function name (${flat}) that starts with a letter or _ ` +
      'and holds up to 128 of a-z A-Z 0-9 _ . : -');
  }
  if (state.names.has(flat)) throw badRequest(`${param}.name`, `${param} declares ${flat} a second time`);
  return { name, flat };
}

/** Declares `tool` (a function or a custom tool) under its flat name, remembering what the client called it. */
function declare(tool: Json, param: string, state: ToolState, namespace?: string): void {
  const { name, flat } = claimName(tool, param, state, namespace);
  const description = readString(tool['description'], `${param}.description`);
  const custom = tool['type'] === 'custom';
  const parameters = custom ? customParameters(tool['format'], `${param}.format`) : functionParameters(tool, param, state);
  state.declarations.push({
    name: flat,
    ...(description && { description }),
    ...(parameters !== undefined && { parametersJsonSchema: parameters }),
  });
  state.names.set(flat, { ...(namespace !== undefined && { namespace }), name, ...(custom && { custom: true as const }) });
}

/** A function tool's parameters, cleaned for Gemini; undefined when it has none. */
function functionParameters(tool: Json, param: string, state: ToolState): unknown {
  const where = `${param}.parameters`;
  const parameters = tool['parameters'];
  if (parameters === undefined || parameters === null) return undefined;
  if (!isObject(parameters)) throw badRequest(where, `${where} must be an object`);
  return cleanSchema(parameters, where, state.budget);
}

const dropped: ToolRule = () => undefined;

function namespaceRule(tool: Json, param: string, state: ToolState): void {
  const namespace = readString(tool['name'], `${param}.name`);
  if (!namespace) throw badRequest(`${param}.name`, `${param}.name is required`);
  const inner = readArray(tool['tools'], `${param}.tools`) ?? [];
  inner.forEach((item: unknown, index) => {
    const where = `${param}.tools[${index}]`;
    if (!isObject(item)) throw badRequest(where, `${where} must be an object`);
    if (item['type'] !== 'function' && item['type'] !== 'custom') throw badRequest(`${where}.type`, `${where}.type must be function or custom`);
    declare(item, where, state, namespace);
  });
}

function searchRule(tool: Json, _param: string, state: ToolState): void {
  if (tool['external_web_access'] !== false) state.search = true;
}

/** Each tool type's rule (see the module comment); a type not here is refused. */
const TOOL_RULES: Readonly<Record<string, ToolRule>> = {
  function: (tool, param, state) => declare(tool, param, state),
  custom: (tool, param, state) => declare(tool, param, state),
  namespace: namespaceRule,
  tool_search: dropped,
};

function rule(type: string): ToolRule | undefined {
  if (SEARCH_TOOL.test(type)) return searchRule;
  return Object.hasOwn(TOOL_RULES, type) ? TOOL_RULES[type] : undefined;
}

/**
 * The tools of every list → one Gemini tool holding every function declaration, or Google
 * Search alone (see the module comment), and the map from Gemini's names back to the client's.
 */
export function translateTools(lists: readonly ToolList[], budget: SchemaBudget): TranslatedTools {
  const state: ToolState = { declarations: [], names: new Map(), budget, search: false };
  for (const { list, param: listParam } of lists) {
    list.forEach((tool: unknown, index) => {
      const param = `${listParam}[${index}]`;
      if (!isObject(tool)) throw badRequest(param, `${param} must be an object`);
      const type = readString(tool['type'], `${param}.type`) ?? '';
      const read = rule(type);
      if (read === undefined) {
        throw badRequest(`${param}.type`, `${param}.type ${type || '(none)'} is not a tool Gemini can run: ` +
          'declare it as a function tool ({type: "function", name, parameters}) instead');
      }
      read(tool, param, state);
    });
  }
  const { declarations, names, search } = state;
  const tools: Tool[] = declarations.length > 0 ? [{ functionDeclarations: declarations }] : search ? [{ googleSearch: {} }] : [];
  return { tools: tools.length > 0 ? tools : undefined, toolNames: names };
}

/** The flat name of a function named by `choice` (`{name, namespace?}`). */
function chosenName(choice: Json, param: string): string {
  const name = readString(choice['name'], `${param}.name`);
  if (!name) throw badRequest(`${param}.name`, `${param}.name is required`);
  const namespace = readString(choice['namespace'], `${param}.namespace`);
  return namespace ? namespacedName(namespace, name) : name;
}

function choiceConfig(choice: unknown): ToolConfig | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  // A custom tool is a function to Gemini: naming one forces it as naming a function does.
  if (isObject(choice) && (choice['type'] === 'function' || choice['type'] === 'custom')) {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [chosenName(choice, 'tool_choice')] } };
  }
  if (isObject(choice) && choice['type'] === 'allowed_tools') {
    const list = readArray(choice['tools'], 'tool_choice.tools') ?? [];
    const names = list.map((tool: unknown, index) => chosenName(isObject(tool) ? tool : {}, `tool_choice.tools[${index}]`));
    // Gemini takes a list of allowed functions only in ANY mode; "auto" over a subset loosens to AUTO.
    if (choice['mode'] !== 'required') return { functionCallingConfig: { mode: 'AUTO' } };
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: names } };
  }
  throw badRequest('tool_choice', 'tool_choice must be none, auto, required, {type: "function", name}, {type: "custom", name} ' +
    'or {type: "allowed_tools", mode, tools}');
}

/**
 * `tool_choice` → `toolConfig`, checked against the declared functions: without any it means
 * nothing, and naming an undeclared one is a 400.
 */
export function toolConfig(choice: unknown, toolNames: ReadonlyMap<string, ToolName>): ToolConfig | undefined {
  const config = choiceConfig(choice);
  if (config === undefined || toolNames.size === 0) return undefined;
  const unknown = config.functionCallingConfig.allowedFunctionNames?.find((name) => !toolNames.has(name));
  if (unknown !== undefined) throw badRequest('tool_choice', `tool_choice names ${unknown}, which is not among the tools`);
  return config;
}

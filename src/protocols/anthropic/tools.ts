/**
 * @module Anthropic `tools` and `tool_choice` → Gemini `tools` and `toolConfig`
 * (wire-formats-2 §1.2, §1.8). Pure; a malformed tool is a 400 naming it.
 *
 * - A custom tool (`{name, description, input_schema}`, `type` absent or `custom`) becomes a
 *   function declaration whose schema goes cleaned into `parametersJsonSchema`, which takes
 *   full JSON Schema (Claude Code's `$schema`, `propertyNames`, `const`, … included).
 *   `cache_control`, `defer_loading`, `strict`, `input_examples` and `eager_input_streaming`
 *   are ignored; deferred tools are declared like every other.
 * - The server tool `web_search_*` becomes Gemini's `googleSearch`, but only when no function is
 *   declared: generateContent refuses Google Search next to function declarations ("Tool use
 *   with function calling is unsupported"), so the functions win and the search is dropped (as
 *   on the Responses path).
 * - Every other server tool (`bash_*`, `text_editor_*`, `computer_*`, `code_execution_*`,
 *   `web_fetch_*`, …) is Anthropic's to run, not Gemini's: a 400 naming it.
 * - `tool_choice` `auto`/`any`/`tool`/`none` → AUTO/ANY/ANY with the one name/NONE, only when
 *   functions are declared; `disable_parallel_tool_use` is ignored (Gemini has no such switch).
 */

import type { FunctionDeclaration, ToolConfig } from '../gemini/types.js';
import { badRequest, isObject, readArray, readObject, readString, type Json } from '../shared/read.js';
import { cleanSchema } from '../shared/schema.js';
import { SchemaBudget } from '../shared/schema-budget.js';
import { functionName } from '../shared/tools.js';
import type { Tool } from '../gemini/types.js';

/** Anthropic's server tools Gemini has an equivalent of, by their `type` without the date. */
const SEARCH_TOOL = /^web_search_\d+$/;

function declaration(tool: Json, param: string, schemaBudget: SchemaBudget): FunctionDeclaration {
  const name = functionName(tool['name'], `${param}.name`);
  const description = readString(tool['description'], `${param}.description`);
  const where = `${param}.input_schema`;
  const schema = readObject(tool['input_schema'], where);
  return {
    name,
    ...(description && { description }),
    ...(schema && { parametersJsonSchema: cleanSchema(schema, where, schemaBudget) }),
  };
}

function serverTool(type: string, tool: Json, param: string): Tool {
  if (SEARCH_TOOL.test(type)) return { googleSearch: {} };
  const name = typeof tool['name'] === 'string' ? ` (${tool['name']})` : '';
  throw badRequest(`${param}.type`, `${param} is Anthropic's server tool ${type}${name}, which Gemini cannot run; ` +
    'declare it as a custom tool with an input_schema instead');
}

/**
 * `tools` → one Gemini tool holding every function declaration, or Google Search alone when it
 * was asked for and no function is declared (see the module comment). `schemaBudget` is the
 * request's, shared with `output_config.format`.
 */
export function translateTools(body: Json, schemaBudget = new SchemaBudget()): Tool[] | undefined {
  const list = readArray(body['tools'], 'tools') ?? [];
  const declarations: FunctionDeclaration[] = [];
  let search: Tool | undefined;
  for (const [index, tool] of list.entries()) {
    const param = `tools[${index}]`;
    if (!isObject(tool)) throw badRequest(param, `${param} must be an object`);
    const type = readString(tool['type'], `${param}.type`);
    if (type === undefined || type === 'custom') declarations.push(declaration(tool, param, schemaBudget));
    else search = serverTool(type, tool, param);
  }
  if (declarations.length > 0) return [{ functionDeclarations: declarations }];
  return search === undefined ? undefined : [search];
}

function choiceConfig(choice: Json): ToolConfig {
  switch (choice['type']) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'any':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'tool': {
      const name = readString(choice['name'], 'tool_choice.name');
      if (!name) throw badRequest('tool_choice.name', 'tool_choice.name is required with type "tool"');
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
    }
    default:
      throw badRequest('tool_choice.type', 'tool_choice.type must be auto, any, tool or none');
  }
}

/**
 * `tool_choice` → `toolConfig`, checked against the declared functions: without any it means
 * nothing, and naming an undeclared one is a 400.
 */
export function toolConfig(body: Json, tools: readonly Tool[] | undefined): ToolConfig | undefined {
  const choice = readObject(body['tool_choice'], 'tool_choice');
  const config = choice === undefined ? undefined : choiceConfig(choice);
  const names = new Set((tools ?? []).flatMap((tool) => tool.functionDeclarations ?? []).map((fn) => fn.name));
  if (config === undefined || names.size === 0) return undefined;
  const unknown = config.functionCallingConfig.allowedFunctionNames?.find((name) => !names.has(name));
  if (unknown !== undefined) throw badRequest('tool_choice.name', `tool_choice names ${unknown}, which is not among the tools`);
  return config;
}

/**
 * @module Responses `instructions` and `input` → Gemini `contents` and `systemInstruction`
 * (wire-formats-2 §2.3, §2.8). Which items `input` may hold is a table (ITEM_RULES). Pure; a
 * malformed item is a 400 naming it.
 *
 * - `input` as a string is one user message.
 * - `message` (`type` may be left out): `user` and `assistant` become turns (adjacent ones of one
 *   role merged), `system` and `developer` join the system instruction after `instructions`, in
 *   order, wherever they stand (Codex sends its system prompt as developer messages). `id`,
 *   `status` and `phase` are ignored.
 * - `function_call` → a functionCall (a namespaced call by its flat name, tools.ts), with the
 *   thought signature its `call_id` carries (ids the proxy wrote) or Google's stand-in;
 *   `function_call_output` → a functionResponse named by the call it answers (Gemini wants the
 *   name, Responses sends only the id), its images and files as parts after it.
 * - `custom_tool_call` → a functionCall as `function_call` does, its raw `input` as the one
 *   argument `input` the declaration takes (custom.ts); `custom_tool_call_output` → a
 *   functionResponse, as `function_call_output` does.
 * - `reasoning` items are dropped: Gemini takes no thoughts back, and the signatures it validates
 *   are those of function calls, which ride in call ids. Their `encrypted_content` (which the
 *   proxy never writes) is ignored.
 * - `additional_tools` (Codex puts its tools there) are read as `tools` are.
 * - Any other item (`item_reference`, `local_shell_call`, `web_search_call`, `compaction`, …)
 *   is a 400 naming `input[i].type`: the proxy produces none of them, and they have no Gemini
 *   equivalent.
 */

import type { Content, Part } from '../../gemini/types.js';
import { badRequest, isObject, readArray, readString, type Json } from '../../shared/read.js';
import { signatureFromToolCallId, SKIP_SIGNATURE } from '../../shared/signature.js';
import { functionArguments, toolResult } from '../../shared/tools.js';
import { appendTurn } from '../../shared/turns.js';
import { ASSISTANT_PARTS, contentParts, SYSTEM_PARTS, USER_PARTS, type ImageLinks, type PartTable } from './content.js';
import { CUSTOM_INPUT } from './custom.js';
import { namespacedName, type ToolList } from './tools.js';

export interface TranslatedInput {
  readonly contents: Content[];
  readonly systemInstruction?: Content;
  /** The tool lists of `additional_tools` items, in order. */
  readonly toolLists: ToolList[];
}

interface State {
  readonly contents: Content[];
  readonly system: Part[];
  /** call_id → the flat function name, from earlier function_call and custom_tool_call items. */
  readonly callNames: Map<string, string>;
  readonly toolLists: ToolList[];
  readonly links: ImageLinks;
}

type ItemRule = (item: Json, param: string, state: State) => void;

const ROLE_PARTS: Readonly<Record<string, PartTable>> = {
  user: USER_PARTS, assistant: ASSISTANT_PARTS, system: SYSTEM_PARTS, developer: SYSTEM_PARTS,
};

function message(item: Json, param: string, state: State): void {
  const role = item['role'];
  const table = typeof role === 'string' && Object.hasOwn(ROLE_PARTS, role) ? ROLE_PARTS[role] : undefined;
  if (table === undefined) throw badRequest(`${param}.role`, `${param}.role must be user, assistant, system or developer`);
  const parts = contentParts(item['content'], `${param}.content`, table, state.links);
  if (role === 'user' || role === 'assistant') {
    appendTurn(state.contents, role === 'assistant' ? 'model' : 'user', parts);
    return;
  }
  // One part at a time: a spread into push() overflows the stack with enough parts.
  for (const part of parts) state.system.push(part);
}

function requiredString(value: unknown, param: string): string {
  const text = readString(value, param);
  if (!text) throw badRequest(param, `${param} is required`);
  return text;
}

/**
 * A call in history as a model turn, with the signature its call id carries. `readArgs` runs
 * after the name and id are checked, so a 400 names the first field at fault.
 */
function appendCall(item: Json, param: string, state: State, readArgs: () => Record<string, unknown>): void {
  const name = requiredString(item['name'], `${param}.name`);
  const namespace = readString(item['namespace'], `${param}.namespace`);
  const flat = namespace ? namespacedName(namespace, name) : name;
  const callId = requiredString(item['call_id'], `${param}.call_id`);
  const read = readArgs();
  state.callNames.set(callId, flat);
  appendTurn(state.contents, 'model', [
    { functionCall: { name: flat, args: read }, thoughtSignature: signatureFromToolCallId(callId) ?? SKIP_SIGNATURE },
  ]);
}

function functionCall(item: Json, param: string, state: State): void {
  appendCall(item, param, state, () => functionArguments(item['arguments'], `${param}.arguments`));
}

function customToolCall(item: Json, param: string, state: State): void {
  appendCall(item, param, state, () => {
    const input = readString(item['input'], `${param}.input`);
    if (input === undefined) throw badRequest(`${param}.input`, `${param}.input is required`);
    return { [CUSTOM_INPUT]: input };
  });
}

function functionCallOutput(item: Json, param: string, state: State): void {
  const callId = requiredString(item['call_id'], `${param}.call_id`);
  const name = state.callNames.get(callId);
  if (name === undefined) {
    throw badRequest(`${param}.call_id`, `${param}.call_id does not match a function_call or custom_tool_call earlier in input`);
  }
  const where = `${param}.output`;
  const output = item['output'] ?? '';
  if (typeof output !== 'string' && !Array.isArray(output)) throw badRequest(where, `${where} must be a string or an array of content parts`);
  const parts = contentParts(output, where, USER_PARTS, state.links);
  const text = typeof output === 'string' ? output : parts.flatMap((part) => (part.text === undefined ? [] : [part.text])).join('\n');
  appendTurn(state.contents, 'user', [
    { functionResponse: { name, response: toolResult(text, where) } },
    ...parts.filter((part) => part.text === undefined),
  ]);
}

function additionalTools(item: Json, param: string, state: State): void {
  state.toolLists.push({ list: readArray(item['tools'], `${param}.tools`) ?? [], param: `${param}.tools` });
}

/** Each input item type's rule (see the module comment); a type not here is refused. */
const ITEM_RULES: Readonly<Record<string, ItemRule>> = {
  message,
  function_call: functionCall,
  function_call_output: functionCallOutput,
  custom_tool_call: customToolCall,
  custom_tool_call_output: functionCallOutput,
  reasoning: () => undefined,
  additional_tools: additionalTools,
};

function translateItem(item: unknown, index: number, state: State): void {
  const param = `input[${index}]`;
  if (!isObject(item)) throw badRequest(param, `${param} must be an object`);
  // A message may leave out its type (EasyInputMessage): a role says what it is.
  const type = item['type'] ?? (item['role'] === undefined ? undefined : 'message');
  const rule = typeof type === 'string' && Object.hasOwn(ITEM_RULES, type) ? ITEM_RULES[type] : undefined;
  if (rule === undefined) {
    throw badRequest(`${param}.type`, `${param}.type must be one of ${Object.keys(ITEM_RULES).join(', ')}`);
  }
  rule(item, param, state);
}

/** `instructions` and `input` → contents and the system instruction; a 400 naming the first item at fault. */
export function translateInput(body: Json, links: ImageLinks): TranslatedInput {
  const state: State = { contents: [], system: [], callNames: new Map(), toolLists: [], links };
  const instructions = readString(body['instructions'], 'instructions');
  if (instructions) state.system.push({ text: instructions });
  const input = body['input'];
  if (typeof input === 'string') {
    appendTurn(state.contents, 'user', input === '' ? [] : [{ text: input }]);
  } else {
    const list = readArray(input, 'input');
    if (list === undefined) throw badRequest('input', 'input is required: a string or an array of input items');
    list.forEach((item, index) => translateItem(item, index, state));
  }
  if (state.contents.length === 0) throw badRequest('input', 'input must hold at least one user or assistant message');
  return {
    contents: state.contents,
    ...(state.system.length > 0 && { systemInstruction: { parts: state.system } }),
    toolLists: state.toolLists,
  };
}

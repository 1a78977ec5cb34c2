/**
 * @module OpenAI chat messages → Gemini `contents` and `systemInstruction`. Tool calls become
 * `functionCall` parts (with their thought signatures), tool results `functionResponse` parts,
 * all results of one turn in one user turn. Pure; every malformed message is a 400 naming it.
 */

import type { Content, Part } from '../gemini/types.js';
import { contentParts, textOf, type ImageLink } from './content.js';
import { badRequest, checkDepth, isObject, readArray, readString, type Json } from './read.js';
import { signatureFromToolCallId } from './tool-call-id.js';

/** Google's documented stand-in when a function call in history has no signature of its own. */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

export interface TranslatedMessages {
  contents: Content[];
  systemInstruction?: Content;
}

export interface MessageOptions {
  /** Where http(s) image links go when fetching is on; undefined refuses them. */
  readonly imageLinks?: ImageLink[];
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

interface State {
  readonly contents: Content[];
  readonly system: Part[];
  /** tool_call_id → function name, from earlier assistant messages. */
  readonly callNames: Map<string, string>;
  readonly imageLinks: ImageLink[] | undefined;
}

function push(state: State, role: 'user' | 'model', parts: Part[]): void {
  if (parts.length === 0) return;
  const last = state.contents.at(-1);
  // Gemini wants turns to alternate; adjacent messages of one role become one turn. The turn's
  // list grows in place (copying it per message would be quadratic), one part at a time (a
  // spread into push() overflows the stack with enough parts).
  if (last?.role !== role) {
    state.contents.push({ role, parts });
    return;
  }
  const turn = (last.parts ??= []);
  for (const part of parts) turn.push(part);
}

function toolCallPart(call: unknown, param: string, state: State): Part {
  if (!isObject(call) || !isObject(call['function'])) throw badRequest(param, `${param} must be a function tool call`);
  const fn = call['function'];
  const name = readString(fn['name'], `${param}.function.name`);
  if (!name) throw badRequest(`${param}.function.name`, `${param}.function.name is required`);
  const id = readString(call['id'], `${param}.id`) ?? '';
  const args = parseArguments(fn['arguments'], `${param}.function.arguments`);
  if (id) state.callNames.set(id, name);
  const extra = isObject(call['extra_content']) && isObject(call['extra_content']['google'])
    ? readString(call['extra_content']['google']['thought_signature'], `${param}.extra_content.google.thought_signature`)
    : undefined;
  return {
    functionCall: { name, args },
    thoughtSignature: extra ?? signatureFromToolCallId(id) ?? SKIP_SIGNATURE,
  };
}

function parseArguments(value: unknown, param: string): Record<string, unknown> {
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

function assistantParts(message: Json, param: string, state: State): Part[] {
  const parts: Part[] = [];
  const text = message['content'] === null || message['content'] === undefined ? '' : textOf(message['content'], `${param}.content`, true);
  if (text) parts.push({ text });
  const calls = readArray(message['tool_calls'], `${param}.tool_calls`) ?? [];
  calls.forEach((call, index) => parts.push(toolCallPart(call, `${param}.tool_calls[${index}]`, state)));
  const legacy = message['function_call'];
  if (isObject(legacy)) parts.push(toolCallPart({ function: legacy }, `${param}.function_call`, state));
  return parts;
}

/** A tool result: Gemini wants a JSON object, so anything else is wrapped as `{output: …}`. */
function functionResponsePart(message: Json, param: string, state: State): Part {
  const id = readString(message['tool_call_id'], `${param}.tool_call_id`);
  const name = (id && state.callNames.get(id)) || readString(message['name'], `${param}.name`);
  if (!name) {
    throw badRequest(`${param}.tool_call_id`, `${param}.tool_call_id does not match a tool call of an earlier assistant message`);
  }
  const text = textOf(message['content'] ?? '', `${param}.content`, false);
  let output: unknown = text;
  try {
    output = JSON.parse(text);
  } catch {
    // Plain text stays text.
  }
  checkDepth(output, `${param}.content`);
  return { functionResponse: { name, response: isObject(output) ? output : { output } } };
}

function translateOne(message: unknown, index: number, state: State): void {
  const param = `messages[${index}]`;
  if (!isObject(message)) throw badRequest(param, `${param} must be an object`);
  const role = message['role'];
  if (typeof role !== 'string' || !ROLES.has(role)) {
    throw badRequest(`${param}.role`, `${param}.role must be one of system, developer, user, assistant, tool`);
  }
  switch (role) {
    case 'system':
    case 'developer': {
      const text = textOf(message['content'], `${param}.content`, false);
      if (text) state.system.push({ text });
      return;
    }
    case 'user':
      return push(state, 'user', contentParts(message['content'], `${param}.content`, state.imageLinks));
    case 'assistant':
      return push(state, 'model', assistantParts(message, param, state));
    default:
      return push(state, 'user', [functionResponsePart(message, param, state)]);
  }
}

/** Translates `messages`; throws a 400 naming the first message at fault. */
export function translateMessages(messages: unknown, options: MessageOptions = {}): TranslatedMessages {
  const list = readArray(messages, 'messages');
  if (list === undefined || list.length === 0) throw badRequest('messages', 'messages must be a non-empty array');
  const state: State = { contents: [], system: [], callNames: new Map(), imageLinks: options.imageLinks };
  list.forEach((message, index) => translateOne(message, index, state));
  if (state.contents.length === 0) {
    throw badRequest('messages', 'messages must hold at least one user or assistant message');
  }
  return {
    contents: state.contents,
    ...(state.system.length > 0 && { systemInstruction: { parts: state.system } }),
  };
}

/**
 * @module OpenAI chat messages → Gemini `contents` and `systemInstruction`. Tool calls become
 * `functionCall` parts (with their thought signatures), tool results `functionResponse` parts,
 * all results of one turn in one user turn. Pure; every malformed message is a 400 naming it.
 */

import type { Content, Part } from '../gemini/types.js';
import type { ImageLink } from '../shared/media.js';
import { assistantTextParts, contentParts, textOf } from './content.js';
import { badRequest, isObject, readArray, readString, type Json } from '../shared/read.js';
import { signatureFromToolCallId, SKIP_SIGNATURE } from '../shared/signature.js';
import { functionArguments, toolResult } from '../shared/tools.js';
import { appendTurn } from '../shared/turns.js';

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

function toolCallPart(call: unknown, param: string, state: State): Part {
  if (!isObject(call) || !isObject(call['function'])) throw badRequest(param, `${param} must be a function tool call`);
  const fn = call['function'];
  const name = readString(fn['name'], `${param}.function.name`);
  if (!name) throw badRequest(`${param}.function.name`, `${param}.function.name is required`);
  const id = readString(call['id'], `${param}.id`) ?? '';
  const args = functionArguments(fn['arguments'], `${param}.function.arguments`);
  if (id) state.callNames.set(id, name);
  const extra = isObject(call['extra_content']) && isObject(call['extra_content']['google'])
    ? readString(call['extra_content']['google']['thought_signature'], `${param}.extra_content.google.thought_signature`)
    : undefined;
  return {
    functionCall: { name, args },
    thoughtSignature: extra ?? signatureFromToolCallId(id) ?? SKIP_SIGNATURE,
  };
}

function assistantParts(message: Json, param: string, state: State): Part[] {
  const parts: Part[] = [];
  const text = message['content'] === null || message['content'] === undefined ? '' : textOf(message['content'], `${param}.content`, true);
  for (const part of assistantTextParts(text)) parts.push(part);
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
  return { functionResponse: { name, response: toolResult(text, `${param}.content`) } };
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
      return appendTurn(state.contents, 'user', contentParts(message['content'], `${param}.content`, state.imageLinks));
    case 'assistant':
      return appendTurn(state.contents, 'model', assistantParts(message, param, state));
    default:
      return appendTurn(state.contents, 'user', [functionResponsePart(message, param, state)]);
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

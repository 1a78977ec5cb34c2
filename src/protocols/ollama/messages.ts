/**
 * @module Ollama chat messages → Gemini `contents` (wire-formats §3.2, wire-formats-2 §6.4): they
 * become `contents` (adjacent turns of one role merged) and `systemInstruction`; assistant tool
 * calls become `functionCall` parts carrying the thought signature their id holds (else the one
 * the server remembers for the call, else Google's stand-in); tool messages become
 * `functionResponse` parts. Pure; every malformed message is a 400 naming it.
 */

import type { Content, Part } from '../gemini/types.js';
import { base64Image } from '../shared/media.js';
import { badRequest, isObject, readArray, readString, type Json } from '../shared/read.js';
import { signatureFromToolCallId, SKIP_SIGNATURE } from '../shared/signature.js';
import { functionArguments, toolResult } from '../shared/tools.js';
import { appendTurn } from '../shared/turns.js';
import { PendingCalls } from './pending-calls.js';
import type { Prompt, SignatureLookup } from './types.js';

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

/** The server's memory of recent calls' signatures, for calls whose id carries none. */
export interface RememberedSignatures {
  /** The Gemini model id the request names. */
  readonly model: string;
  readonly signatureFor: SignatureLookup;
}

interface State {
  readonly contents: Content[];
  readonly system: Part[];
  readonly calls: PendingCalls;
  readonly remembered: RememberedSignatures | undefined;
}

/**
 * A call's signature: its id's, else the remembered one (clients such as ollama-python drop the
 * id), else Google's stand-in. The call's own assistant message is not in `contents` yet, so
 * every call of one message has the same prefix, as every call of one answer had.
 */
function signatureOf(id: string, name: string, args: Record<string, unknown>, state: State): string {
  const remembered = state.remembered;
  return signatureFromToolCallId(id) ??
    remembered?.signatureFor({ model: remembered.model, contentsBefore: state.contents, name, args }) ??
    SKIP_SIGNATURE;
}

/** User content: images first (Gemini answers best with the image before the question), then text. */
function userParts(images: readonly unknown[], content: string, param: string): Part[] {
  const parts = images.map((image, index) => base64Image(image, `${param}.images[${index}]`));
  if (content !== '') parts.push({ text: content });
  return parts;
}

function toolCallPart(call: unknown, param: string, state: State): Part {
  if (!isObject(call) || !isObject(call['function'])) throw badRequest(param, `${param} must be {function: {name, arguments}}`);
  const fn = call['function'];
  const name = readString(fn['name'], `${param}.function.name`);
  if (!name) throw badRequest(`${param}.function.name`, `${param}.function.name is required`);
  const id = readString(call['id'], `${param}.id`) ?? '';
  const where = `${param}.function.arguments`;
  const raw = fn['arguments'];
  // Ollama sends an object; a JSON string is taken too (clients that speak OpenAI elsewhere).
  if (raw !== undefined && raw !== null && typeof raw !== 'string' && !isObject(raw)) throw badRequest(where, `${where} must be an object`);
  const args = functionArguments(raw, where);
  state.calls.add(id, name);
  return { functionCall: { name, args }, thoughtSignature: signatureOf(id, name, args, state) };
}

/** Assistant text and tool calls; `thinking` is not sent back (Gemini keeps no thoughts in history). */
function assistantParts(message: Json, content: string, param: string, state: State): Part[] {
  const parts: Part[] = content === '' ? [] : [{ text: content }];
  const calls = readArray(message['tool_calls'], `${param}.tool_calls`) ?? [];
  state.calls.startMessage();
  calls.forEach((call, index) => parts.push(toolCallPart(call, `${param}.tool_calls[${index}]`, state)));
  return parts;
}

/** A tool result: Gemini wants an object, so anything but a JSON object is wrapped as `{output}`. */
function functionResponsePart(message: Json, content: string, param: string, state: State): Part {
  const toolName = readString(message['tool_name'], `${param}.tool_name`);
  const callId = readString(message['tool_call_id'], `${param}.tool_call_id`);
  const name = state.calls.answer(toolName, callId);
  if (!name) {
    throw badRequest(`${param}.tool_name`, `${param}.tool_name is required: no tool call of an earlier assistant message is left for it to answer`);
  }
  return { functionResponse: { name, response: toolResult(content, `${param}.content`) } };
}

function translateOne(message: unknown, index: number, state: State): void {
  const param = `messages[${index}]`;
  if (!isObject(message)) throw badRequest(param, `${param} must be an object`);
  const role = typeof message['role'] === 'string' ? message['role'].toLowerCase() : '';
  if (!ROLES.has(role)) throw badRequest(`${param}.role`, `${param}.role must be system, user, assistant or tool`);
  const content = readString(message['content'], `${param}.content`) ?? '';
  const images = readArray(message['images'], `${param}.images`) ?? [];
  if (images.length > 0 && role !== 'user' && role !== 'assistant') {
    throw badRequest(`${param}.images`, `${param}.images: only user and assistant messages may carry images`);
  }
  switch (role) {
    case 'system':
      if (content !== '') state.system.push({ text: content });
      return;
    case 'user':
      return appendTurn(state.contents, 'user', userParts(images, content, param));
    case 'assistant': {
      // Images the model drew (answered in `images`) go back with its turn, after its words.
      const drawn = images.map((image, at) => base64Image(image, `${param}.images[${at}]`));
      return appendTurn(state.contents, 'model', [...assistantParts(message, content, param, state), ...drawn]);
    }
    default:
      return appendTurn(state.contents, 'user', [functionResponsePart(message, content, param, state)]);
  }
}

/**
 * Translates a non-empty `messages` list; a 400 names the first message at fault. The same
 * messages always give the same contents, so a prefix of a conversation translates as it did
 * when it was a whole request (the key `remembered` signatures are found by).
 */
export function translateChatMessages(messages: readonly unknown[], remembered?: RememberedSignatures): Prompt {
  const state: State = { contents: [], system: [], calls: new PendingCalls(), remembered };
  messages.forEach((message, index) => translateOne(message, index, state));
  if (state.contents.length === 0) {
    throw badRequest('messages', 'messages must hold at least one user, assistant or tool message with content');
  }
  return { contents: state.contents, ...(state.system.length > 0 && { systemInstruction: { parts: state.system } }) };
}

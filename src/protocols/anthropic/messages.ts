/**
 * @module Anthropic `system` and `messages` → Gemini `systemInstruction` and `contents`
 * (wire-formats-2 §1.2). Pure; every malformed message is a 400 naming it.
 *
 * System text comes from `system` (a string or text blocks) and from `{role: "system"}` messages
 * anywhere in `messages`, as Claude Code sends them: Gemini has one system instruction, so each
 * becomes one of its parts, in order. Same-role neighbours merge into one turn, as Anthropic
 * merges them. In a user turn the function responses come first: Gemini wants them right after
 * the calls they answer, and Claude Code puts reminders after its tool results.
 */

import type { Content, Part } from '../gemini/types.js';
import type { ImageLink } from '../shared/media.js';
import { badRequest, isObject, readArray } from '../shared/read.js';
import { appendTurn } from '../shared/turns.js';
import { ASSISTANT_BLOCKS, blockParts, TEXT_BLOCKS, USER_BLOCKS, type BlockState } from './content.js';

export interface TranslatedMessages {
  contents: Content[];
  systemInstruction?: Content;
}

export interface MessageOptions {
  /** Where http(s) image links go when fetching is on; undefined refuses them. */
  readonly imageLinks?: ImageLink[];
}

/** System text: a string, or text blocks (their `cache_control` ignored). */
function systemParts(value: unknown, param: string, state: BlockState): Part[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [{ text: value }];
  if (!Array.isArray(value)) throw badRequest(param, `${param} must be a string or an array of text blocks`);
  return blockParts(value, param, state, TEXT_BLOCKS);
}

/** Function responses first, everything else after, each in its own order. */
function responsesFirst(parts: Part[]): Part[] {
  const responses = parts.filter((part) => part.functionResponse !== undefined);
  return responses.length === 0 ? parts : [...responses, ...parts.filter((part) => part.functionResponse === undefined)];
}

function userParts(content: unknown, param: string, state: BlockState): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return responsesFirst(blockParts(content, param, state, USER_BLOCKS));
}

function assistantParts(content: unknown, param: string, state: BlockState): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return blockParts(content, param, state, ASSISTANT_BLOCKS);
}

function translateOne(message: unknown, param: string, contents: Content[], system: Part[], state: BlockState): void {
  if (!isObject(message)) throw badRequest(param, `${param} must be an object`);
  const content = message['content'];
  switch (message['role']) {
    case 'user':
      return appendTurn(contents, 'user', userParts(content, `${param}.content`, state));
    case 'assistant':
      return appendTurn(contents, 'model', assistantParts(content, `${param}.content`, state));
    case 'system':
      for (const part of systemParts(content, `${param}.content`, state)) system.push(part);
      return;
    default:
      throw badRequest(`${param}.role`, `${param}.role must be user, assistant or system`);
  }
}

/** Translates `system` and `messages`; throws a 400 naming the first field at fault. */
export function translateMessages(body: Record<string, unknown>, options: MessageOptions = {}): TranslatedMessages {
  const list = readArray(body['messages'], 'messages');
  if (list === undefined || list.length === 0) throw badRequest('messages', 'messages must be a non-empty array');
  const state: BlockState = { callNames: new Map(), imageLinks: options.imageLinks };
  const contents: Content[] = [];
  const system = systemParts(body['system'], 'system', state);
  list.forEach((message, index) => translateOne(message, `messages[${index}]`, contents, system, state));
  if (contents.length === 0) throw badRequest('messages', 'messages must hold at least one user or assistant message with content');
  return { contents, ...(system.length > 0 && { systemInstruction: { parts: system } }) };
}

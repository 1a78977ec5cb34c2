/**
 * @module The chat-session API's requests (`/start_chat`, `/send_message`, `/end_chat`), read and
 * checked: a malformed one is a 400 naming the field before anything is stored or sent. Pure.
 */

import { ProxyError } from '../../errors.js';
import type { GenerationConfig } from '../gemini/types.js';
import { compact, stopSequences } from '../shared/generation.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { badRequest, readNumber, readObject, readString, type Json, type NumberRule } from '../shared/read.js';

export interface StartChat {
  readonly userId: string;
  readonly model: string;
  readonly requestedModel: string;
  readonly generationConfig: GenerationConfig;
}

export interface SendMessage {
  readonly chatId: string;
  readonly message: string;
}

type ConfigField = keyof GenerationConfig;

/** `generation_config` fields: snake_case name, camelCase name (Gemini's), and their rule. */
const FIELDS: readonly (readonly [snake: string, camel: ConfigField, rule: NumberRule | 'stop'])[] = [
  ['max_output_tokens', 'maxOutputTokens', { integer: true, min: 1 }],
  ['temperature', 'temperature', { min: 0, max: 2 }],
  ['top_p', 'topP', { min: 0, max: 1 }],
  ['top_k', 'topK', { integer: true, min: 1 }],
  ['candidate_count', 'candidateCount', { integer: true, min: 1, max: 1 }],
  ['seed', 'seed', { integer: true, min: -(2 ** 31), max: 2 ** 31 - 1 }],
  ['presence_penalty', 'presencePenalty', { min: -2, max: 2 }],
  ['frequency_penalty', 'frequencyPenalty', { min: -2, max: 2 }],
  ['stop_sequences', 'stopSequences', 'stop'],
];
const KNOWN = new Set(FIELDS.flatMap(([snake, camel]) => [snake, camel]));

/** A required string field; missing or empty is a 400 naming it. */
function required(body: Json, name: string): string {
  const value = readString(body[name], name);
  if (!value) throw badRequest(name, `${name} is required`);
  return value;
}

/**
 * `generation_config` in snake_case or camelCase → Gemini's `generationConfig`. A field Gemini
 * would refuse, or one not listed, is a 400 here: every message of the chat would fail otherwise.
 */
export function readGenerationConfig(value: unknown): GenerationConfig {
  const config = readObject(value, 'generation_config');
  if (config === undefined) return {};
  const unknown = Object.keys(config).find((name) => !KNOWN.has(name));
  if (unknown !== undefined) {
    throw badRequest(`generation_config.${unknown}`, `generation_config.${unknown} is not a generation setting this API takes`);
  }
  const out: Record<string, unknown> = {};
  for (const [snake, camel, rule] of FIELDS) {
    if (snake !== camel && config[snake] !== undefined && config[camel] !== undefined) {
      throw badRequest(`generation_config.${snake}`, `generation_config holds both ${snake} and ${camel}; give one`);
    }
    const name = config[snake] !== undefined ? snake : camel;
    const param = `generation_config.${name}`;
    out[camel] = rule === 'stop' ? stopSequences(config[name], param) : readNumber(config[name], param, rule);
  }
  return compact(out as GenerationConfig);
}

/**
 * `/start_chat` `{user_id, model_name?, generation_config?}`; `defaultModel` when no model is
 * named. The user is checked first: a user who is not valid (or none) is a 403, whatever else.
 */
export function readStartChat(body: Json, resolve: ModelResolver, defaultModel: string, isUser: (id: string) => boolean): StartChat {
  const userId = body['user_id'];
  if (typeof userId !== 'string' || !isUser(userId)) throw new ProxyError('GP_UNKNOWN_USER');
  const named = readString(body['model_name'], 'model_name') || defaultModel;
  const { model, requested } = resolveModelName(named, resolve, { param: 'model_name' });
  return { userId, model, requestedModel: requested, generationConfig: readGenerationConfig(body['generation_config']) };
}

/** `/send_message` `{chat_id, message}`. */
export function readSendMessage(body: Json): SendMessage {
  return { chatId: required(body, 'chat_id'), message: required(body, 'message') };
}

/** `/end_chat` `{chat_id}`. */
export function readEndChat(body: Json): string {
  return required(body, 'chat_id');
}

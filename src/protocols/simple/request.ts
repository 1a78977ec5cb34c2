/**
 * @module The simple endpoint's request (`POST /gemini/v1/chat/completions`) → the Gemini
 * request to send: `{model?, contents: [{role, parts: [{text} | {inline_data}]}], stream?,
 * temperature?, max_tokens?, top_p?, top_k?}`, in snake_case as its document writes it or in
 * camelCase. Validated first, so a malformed request is a 400 naming the field before any key
 * is used. Pure.
 */

import type { Content, GenerateContentRequest, GenerationConfig, Part } from '../gemini/types.js';
import { compact } from '../shared/generation.js';
import { base64Image, isBase64 } from '../shared/media.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { badRequest, isObject, readArray, readBoolean, readNumber, readString, type Json, type NumberRule } from '../shared/read.js';
import { appendTurn } from '../shared/turns.js';

export interface SimpleRequest {
  /** The Gemini model id. */
  readonly model: string;
  /** The model as the client named it (or the default), for the log line. */
  readonly requestedModel: string;
  readonly stream: boolean;
  readonly body: GenerateContentRequest;
}

/** A media type as `type/subtype`; Gemini decides which ones it takes. */
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

/** The generation settings: snake_case name, camelCase name, Gemini's name, and their rule. */
const SETTINGS: readonly (readonly [snake: string, camel: string, gemini: keyof GenerationConfig, rule: NumberRule])[] = [
  ['temperature', 'temperature', 'temperature', { min: 0, max: 2 }],
  ['max_tokens', 'maxTokens', 'maxOutputTokens', { integer: true, min: 1 }],
  ['top_p', 'topP', 'topP', { min: 0, max: 1 }],
  ['top_k', 'topK', 'topK', { integer: true, min: 1 }],
];

/** The name a field was sent under, for its value and its 400s: snake_case unless only camelCase came. */
function spelling(object: Json, snake: string, camel: string): string {
  return object[snake] === undefined && object[camel] !== undefined ? camel : snake;
}

function generationConfig(body: Json): GenerationConfig {
  const config: Record<string, number | undefined> = {};
  for (const [snake, camel, gemini, rule] of SETTINGS) {
    const name = spelling(body, snake, camel);
    config[gemini] = readNumber(body[name], name, rule);
  }
  return compact(config as GenerationConfig);
}

/**
 * `inline_data` → Gemini's `inlineData`, base64 checked. An image's type is read from its bytes
 * (a declared `image/jpg` goes up as `image/jpeg`); a declared image that is none is a 400.
 */
function inlinePart(value: unknown, param: string): Part {
  if (!isObject(value)) throw badRequest(param, `${param} must be an object with mime_type and data`);
  const typeName = spelling(value, 'mime_type', 'mimeType');
  const typeParam = `${param}.${typeName}`;
  const mimeType = readString(value[typeName], typeParam);
  if (!mimeType || !MEDIA_TYPE.test(mimeType)) throw badRequest(typeParam, `${typeParam} must be a media type such as image/png`);
  const dataParam = `${param}.data`;
  if (mimeType.toLowerCase().startsWith('image/')) return base64Image(value['data'], dataParam);
  const data = value['data'];
  if (typeof data !== 'string' || data === '') throw badRequest(dataParam, `${dataParam} must be a base64 string`);
  if (!isBase64(data)) throw badRequest(dataParam, `${dataParam} is not valid base64`);
  return { inlineData: { mimeType, data } };
}

/** One part: `{text}` or `{inline_data}` (`inlineData`), exactly one of them. */
function contentPart(value: unknown, param: string): Part {
  const shape = `${param} must be an object holding either text or inline_data`;
  if (!isObject(value)) throw badRequest(param, shape);
  const fields = ['text', 'inline_data', 'inlineData'].filter((name) => value[name] !== undefined && value[name] !== null);
  const [field] = fields;
  if (field === undefined || fields.length > 1) throw badRequest(param, shape);
  if (field !== 'text') return inlinePart(value[field], `${param}.${field}`);
  // Gemini refuses an empty text part; refused here, it costs no key.
  const text = readString(value['text'], `${param}.text`);
  if (!text) throw badRequest(`${param}.text`, `${param}.text must be a non-empty string`);
  return { text };
}

type Role = 'user' | 'model' | 'system';

/** The document's roles, and `assistant` as OpenAI clients say `model`. A missing role is `user`, as Gemini reads it. */
function readRole(value: unknown, param: string): Role {
  const role = readString(value, param) ?? 'user';
  if (role === 'assistant') return 'model';
  if (role === 'user' || role === 'model' || role === 'system') return role;
  throw badRequest(param, `${param} must be user, model or system`);
}

/** `contents` → Gemini's turns; `system` turns become the system instruction (text only). */
function readContents(value: unknown): Pick<GenerateContentRequest, 'contents' | 'systemInstruction'> {
  const list = readArray(value, 'contents');
  if (list === undefined || list.length === 0) throw badRequest('contents', 'contents must be a non-empty array of turns');
  const contents: Content[] = [];
  const system: Part[] = [];
  list.forEach((item, index) => {
    const param = `contents[${index}]`;
    if (!isObject(item)) throw badRequest(param, `${param} must be an object with role and parts`);
    const role = readRole(item['role'], `${param}.role`);
    const parts = readArray(item['parts'], `${param}.parts`);
    if (parts === undefined || parts.length === 0) throw badRequest(`${param}.parts`, `${param}.parts must be a non-empty array`);
    const read = parts.map((part, at) => contentPart(part, `${param}.parts[${at}]`));
    if (role !== 'system') return appendTurn(contents, role, read);
    if (read.some((part) => part.text === undefined)) throw badRequest(`${param}.parts`, `${param}.parts of a system turn must be text`);
    // One part at a time: a spread into push() overflows the stack with enough parts.
    for (const part of read) system.push(part);
  });
  if (contents.length === 0) throw badRequest('contents', 'contents must hold at least one user or model turn');
  return { contents, ...(system.length > 0 && { systemInstruction: { parts: system } }) };
}

/** The simple endpoint's body → the Gemini request; `defaultModel` when no model is named. */
export function translateSimpleRequest(body: Json, resolve: ModelResolver, defaultModel: string): SimpleRequest {
  const named = readString(body['model'], 'model') || defaultModel;
  const { model, requested } = resolveModelName(named, resolve);
  const config = generationConfig(body);
  return {
    model,
    requestedModel: requested,
    stream: readBoolean(body['stream'], 'stream') ?? false,
    body: { ...readContents(body['contents']), ...(Object.keys(config).length > 0 && { generationConfig: config }) },
  };
}

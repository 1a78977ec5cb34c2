/**
 * @module Anthropic content blocks → Gemini parts (wire-formats-2 §1.3). Which blocks a role may
 * send is a table per role. Pure; a malformed block is a 400 naming it.
 *
 * - `text` as it is (empty text dropped); `cache_control` and `citations` ignored.
 * - `image`: base64 inline, its type read from the bytes; an http(s) `url` only when fetching
 *   is on (the route fills the part), else a 400; `file` ids are a 400.
 * - `document`: a base64 PDF inline; a `text` or `content` source as text and images.
 * - `tool_use` → functionCall, with the thought signature its id carries (ids the proxy wrote)
 *   or Google's stand-in; `tool_result` → functionResponse named by the tool_use it answers
 *   (Gemini wants the name, Anthropic sends only the id), `is_error` as `{error: text}`, its
 *   images and documents as parts after it.
 * - `thinking` and `redacted_thinking` are dropped: Gemini takes no thoughts back, and the
 *   signatures Gemini validates are those of function calls, which ride in tool_use ids. Text
 *   signatures are optional for Gemini (never validated), so a thinking block's is dropped too.
 * - Server-tool history (`server_tool_use`, `web_search_tool_result`, …) is dropped: Gemini ran
 *   its own search, and cannot take Anthropic's results back.
 */

import type { Part } from '../gemini/types.js';
import { base64Image, isBase64, type ImageLink } from '../shared/media.js';
import { badRequest, isObject, readBoolean, readObject, readString, type Json } from '../shared/read.js';
import { signatureFromToolCallId, SKIP_SIGNATURE } from '../shared/signature.js';
import { toolResult } from '../shared/tools.js';

export interface BlockState {
  /** tool_use id → function name, from earlier assistant messages. */
  readonly callNames: Map<string, string>;
  /** Where http(s) image links go when fetching is on; undefined refuses them. */
  readonly imageLinks: ImageLink[] | undefined;
}

type BlockReader = (block: Json, param: string, state: BlockState) => Part[];
type BlockTable = Readonly<Record<string, BlockReader>>;

const PDF_MAGIC = '%PDF';

const dropped: BlockReader = () => [];

/** A string as a text part; empty text is no part. */
function plainText(value: unknown, param: string): Part[] {
  const text = readString(value, param) ?? '';
  return text === '' ? [] : [{ text }];
}

function textParts(block: Json, param: string): Part[] {
  return plainText(block['text'], `${param}.text`);
}

function imageLink(source: Json, where: string, state: BlockState): Part {
  const url = readString(source['url'], `${where}.url`) ?? '';
  if (!/^https?:\/\//i.test(url)) throw badRequest(`${where}.url`, `${where}.url must be an http(s) URL`);
  if (state.imageLinks === undefined) {
    throw badRequest(`${where}.url`, 'image URLs are not fetched by this proxy; send the image inline (source.type "base64")');
  }
  const part: Part = { inlineData: { mimeType: '', data: '' } };
  state.imageLinks.push({ part, url, param: `${where}.url` });
  return part;
}

function imageParts(block: Json, param: string, state: BlockState): Part[] {
  const where = `${param}.source`;
  const source = readObject(block['source'], where);
  if (source?.['type'] === 'base64') return [base64Image(source['data'], `${where}.data`)];
  if (source?.['type'] === 'url') return [imageLink(source, where, state)];
  throw badRequest(`${where}.type`, `${where}.type must be base64 or url; file ids are not supported`);
}

function pdfPart(source: Json, where: string): Part {
  const data = readString(source['data'], `${where}.data`) ?? '';
  const declared = readString(source['media_type'], `${where}.media_type`);
  if (declared !== undefined && declared !== 'application/pdf') {
    throw badRequest(`${where}.media_type`, `${where}.media_type must be application/pdf for a base64 document`);
  }
  if (data === '' || !isBase64(data)) throw badRequest(`${where}.data`, `${where}.data is not valid base64`);
  if (!Buffer.from(data.slice(0, 8), 'base64').toString('latin1').startsWith(PDF_MAGIC)) {
    throw badRequest(`${where}.data`, `${where}.data does not hold a PDF`);
  }
  return { inlineData: { mimeType: 'application/pdf', data } };
}

function documentParts(block: Json, param: string, state: BlockState): Part[] {
  const where = `${param}.source`;
  const source = readObject(block['source'], where);
  switch (source?.['type']) {
    case 'base64':
      return [pdfPart(source, where)];
    case 'text':
      return plainText(source['data'], `${where}.data`);
    case 'content':
      return blockParts(source['content'], `${where}.content`, state, SOURCE_BLOCKS);
    default:
      throw badRequest(`${where}.type`, `${where}.type must be base64 (a PDF), text or content; URLs and file ids are not supported`);
  }
}

/** Search results are passed on as text: title, source, then the text blocks. */
function searchResultParts(block: Json, param: string, state: BlockState): Part[] {
  const title = readString(block['title'], `${param}.title`) ?? '';
  const source = readString(block['source'], `${param}.source`) ?? '';
  const body = blockParts(block['content'], `${param}.content`, state, TEXT_BLOCKS).map((part) => part.text).join('\n');
  const text = [title, source, body].filter((line) => line !== '').join('\n');
  return text === '' ? [] : [{ text }];
}

/** Claude Code's tool search answers with references to tools; Gemini has every tool declared already. */
function toolReferenceParts(block: Json, param: string): Part[] {
  const name = readString(block['tool_name'], `${param}.tool_name`) ?? '';
  return [{ text: `Tool loaded: ${name}` }];
}

function toolUseParts(block: Json, param: string, state: BlockState): Part[] {
  const id = readString(block['id'], `${param}.id`) ?? '';
  const name = readString(block['name'], `${param}.name`);
  if (!name) throw badRequest(`${param}.name`, `${param}.name is required`);
  if (id) state.callNames.set(id, name);
  const args = readObject(block['input'], `${param}.input`) ?? {};
  return [{ functionCall: { name, args }, thoughtSignature: signatureFromToolCallId(id) ?? SKIP_SIGNATURE }];
}

function toolResultParts(block: Json, param: string, state: BlockState): Part[] {
  const id = readString(block['tool_use_id'], `${param}.tool_use_id`) ?? '';
  const name = state.callNames.get(id);
  if (name === undefined) {
    throw badRequest(`${param}.tool_use_id`, `${param}.tool_use_id does not match a tool_use of an earlier assistant message`);
  }
  const content = block['content'] ?? '';
  const parts = typeof content === 'string' ? plainText(content, `${param}.content`) : blockParts(content, `${param}.content`, state, RESULT_BLOCKS);
  const text = parts.flatMap((part) => (part.text === undefined ? [] : [part.text])).join('\n');
  const failed = readBoolean(block['is_error'], `${param}.is_error`) === true;
  const response = failed ? { error: text } : toolResult(text, `${param}.content`);
  return [{ functionResponse: { name, response } }, ...parts.filter((part) => part.text === undefined)];
}

/** Blocks Anthropic's server tools leave in an assistant's history. */
const SERVER_HISTORY = [
  'server_tool_use', 'web_search_tool_result', 'web_fetch_tool_result', 'code_execution_tool_result',
  'bash_code_execution_tool_result', 'text_editor_code_execution_tool_result', 'tool_search_tool_result',
  'mcp_tool_use', 'mcp_tool_result', 'container_upload',
] as const;

const THINKING: BlockTable = { thinking: dropped, redacted_thinking: dropped };
/** Text only: system text. */
export const TEXT_BLOCKS: BlockTable = { text: textParts };
const SOURCE_BLOCKS: BlockTable = { text: textParts, image: imageParts };
const RESULT_BLOCKS: BlockTable = {
  text: textParts, image: imageParts, document: documentParts, search_result: searchResultParts, tool_reference: toolReferenceParts,
};

/** What a user message may hold. */
export const USER_BLOCKS: BlockTable = {
  text: textParts, image: imageParts, document: documentParts, search_result: searchResultParts, tool_result: toolResultParts, ...THINKING,
};

/** What an assistant message may hold. */
export const ASSISTANT_BLOCKS: BlockTable = {
  text: textParts, tool_use: toolUseParts, ...THINKING, ...Object.fromEntries(SERVER_HISTORY.map((type) => [type, dropped])),
};

/** A list of blocks → parts, each block read by `table`; any other type is a 400 naming it. */
export function blockParts(list: unknown, param: string, state: BlockState, table: BlockTable): Part[] {
  if (!Array.isArray(list)) throw badRequest(param, `${param} must be a string or an array of content blocks`);
  return list.flatMap((block: unknown, index) => {
    const where = `${param}[${index}]`;
    if (!isObject(block)) throw badRequest(where, `${where} must be a content block`);
    const type = block['type'];
    // Own keys only: a block of type `constructor` is not a block.
    const read = typeof type === 'string' && Object.hasOwn(table, type) ? table[type] : undefined;
    if (read === undefined) throw badRequest(`${where}.type`, `${where}.type must be one of ${Object.keys(table).join(', ')}`);
    return read(block, where, state);
  });
}

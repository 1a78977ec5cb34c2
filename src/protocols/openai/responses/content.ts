/**
 * @module Responses content parts → Gemini parts (wire-formats-2 §2.3). Which parts a role may
 * send is a table per role. Pure; a malformed part is a 400 naming it.
 *
 * - `input_text` and `output_text` as text, in every role (clients mix them up; the text is the
 *   same); an assistant's `refusal` as its text. Empty text is no part.
 * - `input_image`: a base64 `data:` URL inline, its type read from the bytes; an http(s) URL
 *   only when fetching is on (the route fills the part), else a 400; a `file_id` as `input_file`'s.
 *   `detail` is ignored.
 * - `input_file`: `file_data` as a base64 `data:` URL inline, with the type it declares, or a
 *   `file_id` naming a file uploaded to Gemini (`files/…` or its URI) as a file part; any other
 *   `file_id`, and `file_url`, are a 400.
 */

import type { Part } from '../../gemini/types.js';
import { base64Image, geminiFilePart, parseDataUrl, type ImageLink } from '../../shared/media.js';
import { assistantTextParts, NO_FILE_IDS } from '../content.js';
import { badRequest, isObject, readString, type Json } from '../../shared/read.js';

/** Where http(s) image links go when fetching is on; undefined refuses them. */
export type ImageLinks = ImageLink[] | undefined;

type PartReader = (part: Json, param: string, links: ImageLinks) => Part[];
/** Part readers by `type`. */
export type PartTable = Readonly<Record<string, PartReader>>;


/** A string as a text part; empty text is no part. */
function plainText(value: unknown, param: string): Part[] {
  const text = readString(value, param) ?? '';
  return text === '' ? [] : [{ text }];
}

const textPart: PartReader = (part, param) => plainText(part['text'], `${param}.text`);
const refusalPart: PartReader = (part, param) => plainText(part['refusal'], `${param}.refusal`);
/** The model's own answer again: an image it drew, shown as Markdown, goes back as the image. */
const answerTextPart: PartReader = (part, param) => assistantTextParts(readString(part['text'], `${param}.text`) ?? '');

/** A `file_id` naming a Gemini file as a file part; any other is a 400. */
function fileIdPart(part: Json, param: string): Part[] | undefined {
  const fileId = readString(part['file_id'], `${param}.file_id`);
  if (fileId === undefined) return undefined;
  const file = geminiFilePart(fileId);
  if (file === undefined) throw badRequest(`${param}.file_id`, NO_FILE_IDS);
  return [file];
}

function imagePart(part: Json, param: string, links: ImageLinks): Part[] {
  const byId = fileIdPart(part, param);
  if (byId !== undefined) return byId;
  const where = `${param}.image_url`;
  const url = readString(part['image_url'], where) ?? '';
  if (/^https?:\/\//i.test(url)) {
    if (links === undefined) {
      throw badRequest(where, 'image URLs are not fetched by this proxy; send the image inline as a data: URL (base64)');
    }
    const inline: Part = { inlineData: { mimeType: '', data: '' } };
    links.push({ part: inline, url, param: where });
    return [inline];
  }
  if (!/^data:/i.test(url)) throw badRequest(where, `${where} must be a base64 data: URL`);
  return [base64Image(url, where)];
}

function filePart(part: Json, param: string): Part[] {
  const byId = fileIdPart(part, param);
  if (byId !== undefined) return byId;
  if (part['file_url'] !== undefined && part['file_url'] !== null) {
    throw badRequest(`${param}.file_url`, 'file URLs are not fetched by this proxy; send file_data (a base64 data: URL)');
  }
  const where = `${param}.file_data`;
  return [{ inlineData: parseDataUrl(readString(part['file_data'], where) ?? '', where) }];
}

const TEXT_PARTS: PartTable = { input_text: textPart, output_text: textPart };

/** System and developer messages: text only. */
export const SYSTEM_PARTS: PartTable = TEXT_PARTS;
/** What a user message, and a function_call_output's content list, may hold. */
export const USER_PARTS: PartTable = { ...TEXT_PARTS, input_image: imagePart, input_file: filePart };
/** What an assistant message may hold. */
export const ASSISTANT_PARTS: PartTable = { ...TEXT_PARTS, output_text: answerTextPart, refusal: refusalPart };

/** Content (a string, or a list of parts each read by `table`) → Gemini parts; any other part type is a 400 naming it. */
export function contentParts(content: unknown, param: string, table: PartTable, links: ImageLinks): Part[] {
  if (typeof content === 'string') return plainText(content, param);
  if (!Array.isArray(content)) throw badRequest(param, `${param} must be a string or an array of content parts`);
  return content.flatMap((part: unknown, index) => {
    const where = `${param}[${index}]`;
    if (!isObject(part)) throw badRequest(where, `${where} must be a content part`);
    const type = part['type'];
    // Own keys only: a part of type `constructor` is not a part.
    const read = typeof type === 'string' && Object.hasOwn(table, type) ? table[type] : undefined;
    if (read === undefined) throw badRequest(`${where}.type`, `${where}.type must be one of ${Object.keys(table).join(', ')}`);
    return read(part, where, links);
  });
}

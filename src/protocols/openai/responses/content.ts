/**
 * @module Responses content parts → Gemini parts (wire-formats-2 §2.3). Which parts a role may
 * send is a table per role. Pure; a malformed part is a 400 naming it.
 *
 * - `input_text` and `output_text` as text, in every role (clients mix them up; the text is the
 *   same); an assistant's `refusal` as its text. Empty text is no part.
 * - `input_image`: a base64 `data:` URL inline, its type read from the bytes; an http(s) URL
 *   only when fetching is on (the route fills the part), else a 400; `file_id` is a 400 (the
 *   proxy stores no files). `detail` is ignored.
 * - `input_file`: `file_data` as a base64 `data:` URL inline, with the type it declares;
 *   `file_id` and `file_url` are a 400.
 */

import type { Part } from '../../gemini/types.js';
import { base64Image, isBase64, type ImageLink } from '../../shared/media.js';
import { badRequest, isObject, readString, type Json } from '../../shared/read.js';

/** Where http(s) image links go when fetching is on; undefined refuses them. */
export type ImageLinks = ImageLink[] | undefined;

type PartReader = (part: Json, param: string, links: ImageLinks) => Part[];
/** Part readers by `type`. */
export type PartTable = Readonly<Record<string, PartReader>>;

const NO_FILE_IDS = 'file ids are not supported: the proxy stores no files; send the content inline';

/** A string as a text part; empty text is no part. */
function plainText(value: unknown, param: string): Part[] {
  const text = readString(value, param) ?? '';
  return text === '' ? [] : [{ text }];
}

const textPart: PartReader = (part, param) => plainText(part['text'], `${param}.text`);
const refusalPart: PartReader = (part, param) => plainText(part['refusal'], `${param}.refusal`);

function imagePart(part: Json, param: string, links: ImageLinks): Part[] {
  if (part['file_id'] !== undefined && part['file_id'] !== null) throw badRequest(`${param}.file_id`, NO_FILE_IDS);
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

/**
 * A `data:<type>[;…];base64,<data>` URL split without a pattern over the whole header (one that
 * backtracks over user input is a denial of service waiting to happen); undefined when not one.
 */
function splitDataUrl(url: string): { mimeType: string; data: string } | undefined {
  const comma = url.indexOf(',');
  if (!/^data:/i.test(url) || comma === -1) return undefined;
  const header = url.slice('data:'.length, comma).split(';');
  const mimeType = header[0] ?? '';
  if (header.at(-1)?.toLowerCase() !== 'base64' || !/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i.test(mimeType)) return undefined;
  return { mimeType: mimeType.toLowerCase(), data: url.slice(comma + 1) };
}

function filePart(part: Json, param: string): Part[] {
  if (part['file_id'] !== undefined && part['file_id'] !== null) throw badRequest(`${param}.file_id`, NO_FILE_IDS);
  if (part['file_url'] !== undefined && part['file_url'] !== null) {
    throw badRequest(`${param}.file_url`, 'file URLs are not fetched by this proxy; send file_data (a base64 data: URL)');
  }
  const where = `${param}.file_data`;
  const inline = splitDataUrl(readString(part['file_data'], where) ?? '');
  if (inline === undefined) throw badRequest(where, `${where} (a base64 data: URL such as data:application/pdf;base64,…) is required`);
  if (!isBase64(inline.data)) throw badRequest(where, `${where} is not valid base64`);
  return [{ inlineData: inline }];
}

const TEXT_PARTS: PartTable = { input_text: textPart, output_text: textPart };

/** System and developer messages: text only. */
export const SYSTEM_PARTS: PartTable = TEXT_PARTS;
/** What a user message, and a function_call_output's content list, may hold. */
export const USER_PARTS: PartTable = { ...TEXT_PARTS, input_image: imagePart, input_file: filePart };
/** What an assistant message may hold. */
export const ASSISTANT_PARTS: PartTable = { ...TEXT_PARTS, refusal: refusalPart };

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

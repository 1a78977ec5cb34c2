/**
 * @module OpenAI message content (a string or a list of parts) → Gemini parts: text, images as
 * `data:` URLs, audio and files. Pure; an image that is not an image is a 400. An assistant
 * message's text gives back, as image parts, the images the proxy showed in an answer as
 * Markdown (shared/answer-images.ts): the model sees its image again, not megabytes of base64
 * as text.
 */

import type { Part } from '../gemini/types.js';
import { geminiFilePart, imageMimeType, isBase64, parseDataUrl, type ImageLink } from '../shared/media.js';
import { badRequest, isObject, readString } from '../shared/read.js';

/** A file id the proxy can use: a file uploaded to Gemini through it, by name or URI. */
export const NO_FILE_IDS = 'file_id must name a file uploaded to Gemini (files/… or its URI); the proxy keeps no files of its own: send other content inline';

function imagePart(value: unknown, param: string, links: ImageLink[] | undefined): Part {
  const where = isObject(value) ? `${param}.url` : param;
  const url = isObject(value) ? readString(value['url'], where) : readString(value, param);
  if (!url) throw badRequest(where, `${where} is required`);
  if (/^https?:\/\//i.test(url)) {
    if (links === undefined) {
      throw badRequest(where, 'image URLs are not fetched by this proxy; send the image inline as a data: URL (base64)');
    }
    const part: Part = { inlineData: { mimeType: '', data: '' } };
    links.push({ part, url, param: where });
    return part;
  }
  const { mimeType: declared, data } = parseDataUrl(url, where);
  const mimeType = imageMimeType(Buffer.from(data.slice(0, 16), 'base64'));
  if (!declared.startsWith('image/') || mimeType === undefined) {
    throw badRequest(where, `${where} does not hold an image (png, jpeg, gif, webp, heic or heif)`);
  }
  return { inlineData: { mimeType, data } };
}

function audioPart(value: unknown, param: string): Part {
  if (!isObject(value)) throw badRequest(param, `${param} must be an object`);
  const format = readString(value['format'], `${param}.format`);
  const data = readString(value['data'], `${param}.data`) ?? '';
  if ((format !== 'wav' && format !== 'mp3') || !isBase64(data)) {
    throw badRequest(param, `${param} must hold base64 data in wav or mp3 format`);
  }
  return { inlineData: { mimeType: `audio/${format}`, data } };
}

function filePart(value: unknown, param: string): Part {
  const fileId = isObject(value) ? readString(value['file_id'], `${param}.file_id`) : undefined;
  if (fileId !== undefined) {
    const part = geminiFilePart(fileId);
    if (part === undefined) throw badRequest(`${param}.file_id`, NO_FILE_IDS);
    return part;
  }
  const fileData = isObject(value) ? readString(value['file_data'], `${param}.file_data`) : undefined;
  if (!fileData) throw badRequest(param, `${param}.file_data (a base64 data: URL) or a Gemini file_id is required`);
  return { inlineData: parseDataUrl(fileData, `${param}.file_data`) };
}

function part(value: unknown, param: string, links: ImageLink[] | undefined): Part {
  if (!isObject(value)) throw badRequest(param, `${param} must be an object`);
  switch (value['type']) {
    case 'text':
      return { text: readString(value['text'], `${param}.text`) ?? '' };
    case 'image_url':
      return imagePart(value['image_url'], `${param}.image_url`, links);
    case 'input_audio':
      return audioPart(value['input_audio'], `${param}.input_audio`);
    case 'file':
      return filePart(value['file'], `${param}.file`);
    default:
      throw badRequest(`${param}.type`, `${param}.type must be text, image_url, input_audio or file`);
  }
}

/**
 * User content → parts. With `links`, http(s) image URLs are allowed and collected there for
 * the caller to fetch; without, they are a 400.
 */
export function contentParts(content: unknown, param: string, links?: ImageLink[]): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw badRequest(param, `${param} must be a string or an array of parts`);
  return content.map((item, index) => part(item, `${param}[${index}]`, links)).filter((item) => item.text !== '');
}

/** Content that may only be text (system, tool, assistant): a string or text parts, joined. */
export function textOf(content: unknown, param: string, allowRefusal: boolean): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw badRequest(param, `${param} must be a string or an array of text parts`);
  return content.map((item, index) => {
    const where = `${param}[${index}]`;
    if (isObject(item) && item['type'] === 'text') return readString(item['text'], `${where}.text`) ?? '';
    if (allowRefusal && isObject(item) && item['type'] === 'refusal') return readString(item['refusal'], `${where}.refusal`) ?? '';
    throw badRequest(`${where}.type`, `${where} must be a text part`);
  }).join('');
}

/**
 * An image the proxy showed as Markdown with a `data:` URL. The alt text is bounded, and each
 * match starts at `![` and runs through base64 characters only, so the scan stays linear.
 */
const SHOWN_IMAGE = /!\[[^\]\n]{0,100}\]\(data:image\/[a-z0-9.+-]{1,64};base64,([A-Za-z0-9+/=]+)\)/gi;

/** The proxy's paragraph break around an image (answer-images.ts), not part of the model's text. */
const PARAGRAPH = '\n\n';

/**
 * An assistant message's text → parts: text, and each image shown as Markdown with a `data:`
 * URL as an image part (its type read from its bytes; one that is not an image stays text).
 */
export function assistantTextParts(text: string): Part[] {
  if (!text.includes('](data:image/')) return text === '' ? [] : [{ text }];
  const parts: Part[] = [];
  let from = 0;
  let pendingBreak = false;
  const pushText = (piece: string, beforeImage: boolean): void => {
    let trimmed = pendingBreak && piece.startsWith(PARAGRAPH) ? piece.slice(PARAGRAPH.length) : piece;
    if (beforeImage && trimmed.endsWith(PARAGRAPH)) trimmed = trimmed.slice(0, -PARAGRAPH.length);
    if (trimmed !== '') parts.push({ text: trimmed });
  };
  for (const match of text.matchAll(SHOWN_IMAGE)) {
    const data = match[1] ?? '';
    const mimeType = isBase64(data) ? imageMimeType(Buffer.from(data.slice(0, 16), 'base64')) : undefined;
    if (mimeType === undefined) continue;
    pushText(text.slice(from, match.index), true);
    parts.push({ inlineData: { mimeType, data } });
    from = match.index + match[0].length;
    pendingBreak = true;
  }
  pushText(text.slice(from), false);
  return parts;
}

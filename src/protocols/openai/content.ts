/**
 * @module OpenAI message content (a string or a list of parts) → Gemini parts: text, images as
 * `data:` URLs, audio and files. Pure; an image that is not an image is a 400.
 */

import type { Part } from '../gemini/types.js';
import { badRequest, isObject, readString } from './read.js';

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)((?:;[^,;]*)*);base64,/i;
const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'mif1', 'msf1', 'avif']);

/** Magic numbers of the image formats Gemini reads, checked on the first decoded bytes. */
const IMAGE_MAGIC: readonly (readonly [string, (bytes: Buffer) => boolean])[] = [
  ['png', (b) => b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))],
  ['jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['gif', (b) => b.subarray(0, 3).toString('latin1') === 'GIF'],
  ['webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
  // ISO media files all start with `ftyp`; the brand after it tells an image from a video.
  ['heic', (b) => b.subarray(4, 8).toString('latin1') === 'ftyp' && HEIF_BRANDS.has(b.subarray(8, 12).toString('latin1'))],
];

interface DataUrl {
  mimeType: string;
  data: string;
}

function parseDataUrl(url: string, param: string): DataUrl {
  const match = DATA_URL.exec(url);
  if (!match?.[1]) throw badRequest(param, `${param} must be a base64 data: URL`);
  const data = url.slice(match[0].length);
  if (!BASE64.test(data)) throw badRequest(param, `${param} is not valid base64`);
  return { mimeType: match[1].toLowerCase(), data };
}

function imagePart(value: unknown, param: string): Part {
  const url = isObject(value) ? readString(value['url'], `${param}.url`) : readString(value, param);
  if (!url) throw badRequest(`${param}.url`, `${param}.url is required`);
  if (/^https?:/i.test(url)) {
    throw badRequest(`${param}.url`, 'image URLs are not fetched by this proxy; send the image inline as a data: URL (base64)');
  }
  const { mimeType, data } = parseDataUrl(url, `${param}.url`);
  const head = Buffer.from(data.slice(0, 16), 'base64');
  if (!mimeType.startsWith('image/') || !IMAGE_MAGIC.some(([, matches]) => matches(head))) {
    throw badRequest(`${param}.url`, `${param}.url does not hold an image (png, jpeg, gif, webp or heic)`);
  }
  return { inlineData: { mimeType, data } };
}

function audioPart(value: unknown, param: string): Part {
  if (!isObject(value)) throw badRequest(param, `${param} must be an object`);
  const format = readString(value['format'], `${param}.format`);
  const data = readString(value['data'], `${param}.data`) ?? '';
  if ((format !== 'wav' && format !== 'mp3') || !BASE64.test(data)) {
    throw badRequest(param, `${param} must hold base64 data in wav or mp3 format`);
  }
  return { inlineData: { mimeType: `audio/${format}`, data } };
}

function filePart(value: unknown, param: string): Part {
  const fileData = isObject(value) ? readString(value['file_data'], `${param}.file_data`) : undefined;
  if (!fileData) throw badRequest(param, `${param}.file_data (a base64 data: URL) is required; file ids are not supported`);
  return { inlineData: parseDataUrl(fileData, `${param}.file_data`) };
}

function part(value: unknown, param: string): Part {
  if (!isObject(value)) throw badRequest(param, `${param} must be an object`);
  switch (value['type']) {
    case 'text':
      return { text: readString(value['text'], `${param}.text`) ?? '' };
    case 'image_url':
      return imagePart(value['image_url'], `${param}.image_url`);
    case 'input_audio':
      return audioPart(value['input_audio'], `${param}.input_audio`);
    case 'file':
      return filePart(value['file'], `${param}.file`);
    default:
      throw badRequest(`${param}.type`, `${param}.type must be text, image_url, input_audio or file`);
  }
}

/** User content → parts. */
export function contentParts(content: unknown, param: string): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw badRequest(param, `${param} must be a string or an array of parts`);
  return content.map((item, index) => part(item, `${param}[${index}]`)).filter((item) => item.text !== '');
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

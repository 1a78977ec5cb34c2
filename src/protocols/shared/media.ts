/**
 * @module Media a client sends inline: base64 checked, image types read from the bytes. Pure.
 */

import type { Part } from '../gemini/types.js';
import { badRequest } from './read.js';

/** Base64 characters (line breaks allowed, as MIME wraps them), padding aside. */
const BASE64_BODY = /^[A-Za-z0-9+/\r\n]*$/;

const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc']);
const HEIF_BRANDS = new Set(['mif1', 'msf1']);

/**
 * The image type read from the first bytes (formats Gemini takes), or undefined. The bytes
 * decide, not the declared type: `image/jpg` or a video labelled `image/png` would be refused
 * upstream, after a key was used.
 */
export function imageMimeType(head: Buffer): string | undefined {
  const ascii = (from: number, to: number): string => head.subarray(from, to).toString('latin1');
  if (head.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))) return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 3) === 'GIF') return 'image/gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  // ISO media files all start with `ftyp`; the brand after it tells an image from a video.
  if (ascii(4, 8) === 'ftyp' && HEIC_BRANDS.has(ascii(8, 12))) return 'image/heic';
  if (ascii(4, 8) === 'ftyp' && HEIF_BRANDS.has(ascii(8, 12))) return 'image/heif';
  return undefined;
}

/**
 * Whether `data` is base64: its characters, then at most two `=`, then whitespace. Checked in
 * pieces: one pattern for all of it (`[…\r\n]*={0,2}\s*$`) backtracks quadratically over line
 * breaks, which both parts match (a million of them froze the event loop for minutes).
 */
export function isBase64(data: string): boolean {
  let end = data.trimEnd().length;
  for (let pads = 0; pads < 2 && data[end - 1] === '='; pads += 1) end -= 1;
  return BASE64_BODY.test(data.slice(0, end));
}


/** An http(s) image link, left for the caller to fetch into `part` (when fetching is on). */
export interface ImageLink {
  readonly part: Part;
  readonly url: string;
  readonly param: string;
}

const DATA_PREFIX = /^data:[^,]*;base64,/i;

/**
 * An inline image from base64 (Ollama's `images`; a `data:` prefix is tolerated). Its type is
 * read from the bytes; anything but an image Gemini takes is a 400 naming `param`.
 */
export function base64Image(value: unknown, param: string): Part {
  if (typeof value !== 'string' || value === '') throw badRequest(param, `${param} must be a base64 string`);
  const data = value.replace(DATA_PREFIX, '');
  if (!isBase64(data)) throw badRequest(param, `${param} is not valid base64`);
  const mimeType = imageMimeType(Buffer.from(data.slice(0, 16), 'base64'));
  if (mimeType === undefined) throw badRequest(param, `${param} does not hold an image (png, jpeg, gif, webp, heic or heif)`);
  return { inlineData: { mimeType, data } };
}

/**
 * A `data:<type>[;…];base64,<data>` URL split without a pattern over the whole header (one that
 * backtracks over user input is a denial of service waiting to happen); a 400 naming `param`
 * when it is not one, or its data is not base64.
 */
export function parseDataUrl(url: string, param: string): { mimeType: string; data: string } {
  const comma = url.indexOf(',');
  const header = comma === -1 || !/^data:/i.test(url) ? [] : url.slice('data:'.length, comma).split(';');
  const mimeType = header[0] ?? '';
  if (header.at(-1)?.toLowerCase() !== 'base64' || !/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i.test(mimeType)) {
    throw badRequest(param, `${param} must be a base64 data: URL (such as data:application/pdf;base64,…)`);
  }
  const data = url.slice(comma + 1);
  if (!isBase64(data)) throw badRequest(param, `${param} is not valid base64`);
  return { mimeType: mimeType.toLowerCase(), data };
}

/** A Gemini file by name (`files/abc`) or URI (`https://…/v1beta/files/abc`), as a file id may name one. */
const GEMINI_FILE = /^(?:https?:\/\/[^/\s]+\/v1(?:beta|alpha)?\/)?(files\/[a-z0-9_-]{1,128})$/i;

/** Where Google serves the files a bare name (`files/abc`) stands for. */
const GEMINI_FILES_BASE = 'https://generativelanguage.googleapis.com/v1beta/';

/**
 * A part naming a file uploaded to Gemini (the Files API, through the proxy), from a client's
 * file id; undefined when the id names no Gemini file. Its key affinity applies like any file URI.
 */
export function geminiFilePart(fileId: string): Part | undefined {
  const match = GEMINI_FILE.exec(fileId);
  if (match?.[1] === undefined) return undefined;
  return { fileData: { fileUri: fileId.includes('://') ? fileId : `${GEMINI_FILES_BASE}${match[1]}` } };
}

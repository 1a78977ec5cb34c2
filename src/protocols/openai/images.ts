/**
 * @module OpenAI's images API (`images.generate`, `images.edit`) → Gemini image-model
 * `generateContent` bodies (wire-formats-2 §5.2, §5.4): the model by the alias rule, `size` as
 * the nearest aspect ratio Gemini takes, `n` as that many calls, edits' images as `inlineData`
 * parts before the prompt. Fields with no Gemini counterpart are ignored (IGNORED_FIELDS). Pure.
 */

import type { GenerateContentRequest, GenerationConfig, Part } from '../gemini/types.js';
import { imageMimeType } from '../shared/media.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { badRequest, readBoolean, readNumber, readString, type Json } from '../shared/read.js';

/** The aspect ratios Gemini's `imageConfig.aspectRatio` takes. */
export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;

/** OpenAI's bounds on `n`. */
export const MAX_IMAGES = 10;

/** OpenAI takes up to 16 input images in one edit. */
export const MAX_EDIT_IMAGES = 16;

/**
 * Accepted and ignored: quality, style, transparency, compression, moderation and streaming
 * previews have no Gemini counterpart; `output_format` is ignored (the answer's `output_format`
 * says the type Gemini returned); `user` is OpenAI's abuse-tracking id.
 */
export const IGNORED_FIELDS = [
  'quality', 'style', 'background', 'moderation', 'output_format', 'output_compression', 'user', 'partial_images', 'input_fidelity',
] as const;

/**
 * Other vendors' image models: OpenAI's, and Imagen, retired on the Gemini API (its `:predict`
 * is never called). They all mean "the configured Gemini image model".
 */
const FOREIGN_IMAGE_MODEL = /^(?:dall-e-|gpt-image-|chatgpt-image-|imagen-)/i;

/** The input image types OpenAI's edits take (and Gemini reads). */
const EDIT_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);

/** An edit's image file field: `image`, or `image[]` as the SDKs send a list. */
const IMAGE_FIELD = /^image(?:\[\d*\])?$/;

const SIZE = /^(\d{1,5})x(\d{1,5})$/;

export type ImageResponseFormat = 'b64_json' | 'url';

export interface ImageOptions {
  /** The Gemini image model for requests that name none or another vendor's. */
  readonly imageModel: string;
  readonly resolveModel: ModelResolver;
}

/** `generationConfig` with the image fields (absent from the shared Gemini types). */
export interface ImageGenerationConfig extends GenerationConfig {
  responseModalities: ('TEXT' | 'IMAGE')[];
  imageConfig?: { aspectRatio: string };
}

export interface ImageGenerateBody extends GenerateContentRequest {
  generationConfig: ImageGenerationConfig;
}

/** A translated images request: `n` calls of one body. */
export interface ImageRequest {
  readonly model: string;
  readonly requestedModel: string;
  readonly n: number;
  readonly responseFormat: ImageResponseFormat;
  readonly body: ImageGenerateBody;
}

/** A file of an edit's form (src/server/multipart.ts reads it). */
export interface ImageFormFile {
  readonly field: string;
  readonly data: Buffer;
}

/** An edit's form: its text fields (the last value of each name) and its files, in order. */
export interface ImageForm {
  readonly fields: ReadonlyMap<string, string>;
  readonly files: readonly ImageFormFile[];
}

/** The request's model by the alias rule; the operator's aliases apply first. None (or an empty form field) is the default. */
function imageModel(value: unknown, options: ImageOptions): { model: string; requested: string } {
  if (value === undefined || value === null || value === '') return { model: options.imageModel, requested: '' };
  const named = resolveModelName(value, options.resolveModel);
  return FOREIGN_IMAGE_MODEL.test(named.model) ? { model: options.imageModel, requested: named.requested } : named;
}

const RATIO_LOGS = ASPECT_RATIOS.map((ratio) => {
  const [width = 1, height = 1] = ratio.split(':').map(Number);
  return { ratio, log: Math.log(width / height) };
});

/** `WIDTHxHEIGHT` → the aspect ratio nearest to it (by the ratios' logarithms); `auto` → none. */
export function aspectRatioFor(value: unknown): string | undefined {
  const size = readString(value, 'size');
  if (size === undefined || size === 'auto') return undefined;
  const match = SIZE.exec(size);
  const width = Number(match?.[1] ?? 0);
  const height = Number(match?.[2] ?? 0);
  if (width === 0 || height === 0) throw badRequest('size', 'size must be auto or WIDTHxHEIGHT, such as 1024x1024 or 1536x1024');
  const wanted = Math.log(width / height);
  let best = RATIO_LOGS[0];
  for (const candidate of RATIO_LOGS) {
    if (best === undefined || Math.abs(candidate.log - wanted) < Math.abs(best.log - wanted)) best = candidate;
  }
  return best?.ratio;
}

function responseFormat(value: unknown): ImageResponseFormat {
  const format = readString(value, 'response_format') ?? 'b64_json';
  if (format !== 'b64_json' && format !== 'url') throw badRequest('response_format', 'response_format must be b64_json or url');
  return format;
}

function prompt(value: unknown): string {
  const text = readString(value, 'prompt');
  if (text === undefined || text.trim() === '') throw badRequest('prompt', 'prompt is required');
  return text;
}

/** The fields generations and edits share, checked; the body's parts are the caller's. */
function translate(body: Json, inputs: Part[], options: ImageOptions): ImageRequest {
  const text = prompt(body['prompt']);
  if (readBoolean(body['stream'], 'stream') === true) throw badRequest('stream', 'stream is not supported: Gemini image models answer whole');
  const n = readNumber(body['n'], 'n', { integer: true, min: 1, max: MAX_IMAGES }) ?? 1;
  const format = responseFormat(body['response_format']);
  const aspectRatio = aspectRatioFor(body['size']);
  const { model, requested } = imageModel(body['model'], options);
  const generationConfig: ImageGenerationConfig = {
    responseModalities: ['TEXT', 'IMAGE'],
    ...(aspectRatio !== undefined && { imageConfig: { aspectRatio } }),
  };
  const contents = [{ role: 'user' as const, parts: [...inputs, { text }] }];
  return { model, requestedModel: requested, n, responseFormat: format, body: { contents, generationConfig } };
}

/** `POST /v1/images/generations`'s JSON body. */
export function translateImageGeneration(body: Json, options: ImageOptions): ImageRequest {
  return translate(body, [], options);
}

/** A form's text as the JSON the generations body would hold: `n` a number, `stream` a boolean. */
function formFields(fields: ReadonlyMap<string, string>): Json {
  const body: Json = Object.fromEntries(fields);
  const n = fields.get('n');
  if (n !== undefined && /^\d{1,3}$/.test(n)) body['n'] = Number(n);
  const stream = fields.get('stream');
  if (stream === 'true' || stream === 'false') body['stream'] = stream === 'true';
  return body;
}

/** An input image as a part; its type is read from its bytes (the declared type may be wrong). */
function imagePart(file: ImageFormFile, param: string): Part {
  const mimeType = imageMimeType(file.data.subarray(0, 16));
  if (mimeType === undefined || !EDIT_IMAGE_TYPES.has(mimeType)) throw badRequest(param, `${param} must be a png, jpeg or webp image`);
  return { inlineData: { mimeType, data: file.data.toString('base64') } };
}

/** The edit's images, in the form's order; a mask or a file in another field is a 400. */
function editImages(form: ImageForm): Part[] {
  if (form.fields.has('mask') || form.files.some((file) => file.field === 'mask')) {
    throw badRequest('mask', 'mask is not supported: Gemini image models take no mask; describe the area to change in the prompt');
  }
  const stray = form.files.find((file) => !IMAGE_FIELD.test(file.field));
  if (stray !== undefined) throw badRequest(stray.field, `${stray.field} is not a file field of an image edit (image, image[])`);
  const text = [...form.fields.keys()].find((name) => IMAGE_FIELD.test(name));
  if (text !== undefined) throw badRequest(text, `${text} must be a file`);
  if (form.files.length === 0) throw badRequest('image', 'image is required: at least one png, jpeg or webp file');
  if (form.files.length > MAX_EDIT_IMAGES) throw badRequest('image', `at most ${MAX_EDIT_IMAGES} images may be edited at once`);
  const many = form.files.length > 1;
  return form.files.map((file, index) => imagePart(file, many ? `image[${index}]` : 'image'));
}

/** `POST /v1/images/edits`'s form: the images as `inlineData` parts, then the prompt. */
export function translateImageEdit(form: ImageForm, options: ImageOptions): ImageRequest {
  const inputs = editImages(form);
  return translate(formFields(form.fields), inputs, options);
}

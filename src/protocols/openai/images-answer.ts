/**
 * @module Gemini image-model answers → OpenAI's `ImagesResponse` (wire-formats-2 §5.2, §5.4):
 * each call's image as `b64_json` or a `data:` URL, the model's text as `revised_prompt`, the
 * calls' token counts summed into `usage`. An answer without an image (refused, blocked, text
 * only) is the client's 400. Pure.
 */

import { ProxyError, type ProxyErrorCode } from '../../errors.js';
import { firstCandidate, partsOf, promptBlocked, tokenCounts } from '../gemini/answer-parts.js';
import type { GenerateContentResponse } from '../gemini/types.js';
import { isObject, type Json } from '../shared/json.js';
import type { ImageResponseFormat } from './images.js';

/** The code of an answer without an image: the model refused the input; another key would too. */
const REFUSED_CODE: ProxyErrorCode = 'GP_CONTENT_REFUSED';

/** The model's own words quoted in a refusal, at most this long. */
const MAX_QUOTED_TEXT = 500;

/** One call's image, with what else its answer said. */
export interface GeneratedImage {
  readonly mimeType: string;
  readonly data: string;
  /** The model's text beside the image, if any. */
  readonly text: string | undefined;
  /** The answer's `usageMetadata`, as it came. */
  readonly usage: unknown;
}

/** An image part the answer gives (not a thought's draft image). */
function imagePart(part: unknown): { mimeType: string; data: string } | undefined {
  if (!isObject(part) || part['thought'] === true || !isObject(part['inlineData'])) return undefined;
  const { mimeType, data } = part['inlineData'];
  if (typeof data !== 'string' || data === '') return undefined;
  const type = typeof mimeType === 'string' && mimeType !== '' ? mimeType : 'image/png';
  return type.startsWith('image/') ? { mimeType: type, data } : undefined;
}

function answerText(parts: readonly unknown[]): string {
  return parts
    .map((part) => (isObject(part) && part['thought'] !== true && typeof part['text'] === 'string' ? part['text'] : ''))
    .join('')
    .trim();
}

function refusal(response: GenerateContentResponse, text: string): ProxyError {
  const blockReason = isObject(response.promptFeedback) ? response.promptFeedback.blockReason : undefined;
  const finishReason = firstCandidate(response)?.finishReason;
  const why = promptBlocked(response) ? `the prompt was blocked (${String(blockReason)})`
    : typeof finishReason === 'string' && finishReason !== 'STOP' ? `the model returned no image (finish reason ${finishReason})`
      : 'the model returned no image';
  const quoted = text === '' ? '' : `: "${text.length > MAX_QUOTED_TEXT ? `${text.slice(0, MAX_QUOTED_TEXT)}…` : text}"`;
  return new ProxyError(REFUSED_CODE, `${why}${quoted}`, { param: 'prompt' });
}

/**
 * The image of one answer (candidate 0's last image part: a model that drafts shows its final
 * image last); a 400 naming why when it has none.
 */
export function generatedImage(response: GenerateContentResponse): GeneratedImage {
  const candidate = firstCandidate(response);
  const parts = candidate === undefined ? [] : partsOf(candidate);
  const text = answerText(parts);
  const image = parts.map(imagePart).filter((found) => found !== undefined).at(-1);
  if (image === undefined) throw refusal(response, text);
  return { ...image, text: text === '' ? undefined : text, usage: isObject(response) ? response.usageMetadata : undefined };
}

/** Token counts of one modality (`TEXT`, `IMAGE`) in a `…TokensDetails` list. */
function modalityCount(details: unknown, modality: string): number {
  if (!Array.isArray(details)) return 0;
  return details.reduce((sum: number, entry: unknown) => {
    const count = isObject(entry) && entry['modality'] === modality ? entry['tokenCount'] : 0;
    return sum + (typeof count === 'number' && Number.isFinite(count) ? count : 0);
  }, 0);
}

/** `{text_tokens, image_tokens}` from the answers' `field` lists; undefined when none has one. */
function details(usages: readonly Json[], field: string): { text_tokens: number; image_tokens: number } | undefined {
  const lists = usages.map((usage) => usage[field]).filter(Array.isArray);
  if (lists.length === 0) return undefined;
  const sum = (modality: string): number => lists.reduce((total: number, list) => total + modalityCount(list, modality), 0);
  return { text_tokens: sum('TEXT'), image_tokens: sum('IMAGE') };
}

/** OpenAI's `usage`, summed over the calls; undefined when no answer counted anything. */
export function imagesUsage(images: readonly GeneratedImage[]): Json | undefined {
  const usages = images.map((image) => image.usage).filter(isObject);
  if (usages.length === 0) return undefined;
  const counts = usages.map(tokenCounts);
  const input = counts.reduce((sum, count) => sum + count.prompt, 0);
  const output = counts.reduce((sum, count) => sum + count.completion, 0);
  const inputDetails = details(usages, 'promptTokensDetails');
  const outputDetails = details(usages, 'candidatesTokensDetails');
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    ...(inputDetails && { input_tokens_details: inputDetails }),
    ...(outputDetails && { output_tokens_details: outputDetails }),
  };
}

const OUTPUT_FORMATS: Readonly<Record<string, string>> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp' };

/** The images in OpenAI's shape; `created` in seconds. `output_format` is the type Gemini returned. */
export function toImagesResponse(images: readonly GeneratedImage[], format: ImageResponseFormat, created: number): Json {
  const data = images.map((image) => ({
    ...(format === 'url' ? { url: `data:${image.mimeType};base64,${image.data}` } : { b64_json: image.data }),
    ...(image.text !== undefined && { revised_prompt: image.text }),
  }));
  const outputFormat = images[0] === undefined ? undefined : OUTPUT_FORMATS[images[0].mimeType];
  const usage = imagesUsage(images);
  return { created, data, ...(outputFormat !== undefined && { output_format: outputFormat }), ...(usage && { usage }) };
}

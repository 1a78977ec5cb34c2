/**
 * What a Gemini image model answers (wire-formats-2 §5.2), for the fake upstream: an image part
 * beside a line of text, a refusal with no image, and the token counts with their modalities.
 */

import { answerWith } from './behaviours.js';
import type { Behaviour } from './fake-gemini.js';

/** A valid 1×1 PNG. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
export const PNG = Buffer.from(PNG_BASE64, 'base64');

/** The smallest JPEG header and WebP header a type sniffer reads (not whole images). */
export const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
export const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), Buffer.alloc(8)]);

/** One call's token counts, as an image model reports them. */
export const IMAGE_USAGE = {
  promptTokenCount: 12,
  candidatesTokenCount: 1290,
  totalTokenCount: 1302,
  promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }, { modality: 'IMAGE', tokenCount: 4 }],
  candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1290 }],
};

export interface ImageAnswerOptions {
  /** The text part before the image; none when given as undefined. */
  readonly text?: string | undefined;
  readonly data?: string;
  readonly mimeType?: string;
}

/** An image model's answer: a text part (if any), then the image. */
export function imageAnswer(options: ImageAnswerOptions = {}): Record<string, unknown> {
  const { data = PNG_BASE64, mimeType = 'image/png' } = options;
  const text = 'text' in options ? options.text : 'Here is your image.';
  const parts = [...(text === undefined ? [] : [{ text }]), { inlineData: { mimeType, data } }];
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: IMAGE_USAGE,
    modelVersion: 'gemini-2.5-flash-image',
    responseId: 'fake-image-1',
  };
}

/** A refused image: the model's words and a finish reason, no image part. */
export function refusedAnswer(finishReason = 'IMAGE_SAFETY', text = 'I cannot make that image.'): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason, index: 0 }],
    usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
  };
}

/** Answers every call like an image model. */
export function imageModel(options: ImageAnswerOptions = {}): Behaviour {
  return answerWith(imageAnswer(options));
}

/** The parts of the (one) user turn of a generateContent body the fake received. */
export function sentParts(body: Record<string, unknown>): Record<string, unknown>[] {
  const contents = body['contents'] as { parts: Record<string, unknown>[] }[] | undefined;
  return contents?.[0]?.parts ?? [];
}

/**
 * Fake upstream answers grounded with Google Search (`groundingMetadata`, offsets in UTF-8
 * bytes as Gemini counts them) and answers holding images, whole and streamed.
 */

import { answerWith, sseStream } from './behaviours.js';
import type { Behaviour } from './fake-gemini.js';

/** 2-, 3- and 4-byte UTF-8 characters (ü, —, 🦊) before the second cited sentence. */
export const GROUNDED_TEXT = 'Füchse leben in Wäldern — 🦊. Sie jagen nachts.';
export const FIRST_SPAN = 'Füchse leben in Wäldern — 🦊.';
export const SECOND_SPAN = 'Sie jagen nachts.';

export const SOURCES = [
  { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/fox-1', title: 'wikipedia.org' },
  { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/fox-2', title: 'nabu.de' },
];

/** A 1×1 PNG. */
export const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
/** A thought's draft image (Gemini 3 image models): never shown. */
export const DRAFT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR42mNgAAIAAAUAAen63NgAAAAASUVORK5CYII=';

const USAGE = { promptTokenCount: 5, candidatesTokenCount: 9, totalTokenCount: 14 };

/** A support for `span` of `text`: byte offsets (startIndex left out when 0, as proto3 does). */
export function support(text: string, span: string, chunks: number[], withText = true): Record<string, unknown> {
  const at = text.indexOf(span);
  if (at === -1) throw new Error(`"${span}" is not in the text`);
  const start = Buffer.byteLength(text.slice(0, at));
  const segment = {
    ...(start > 0 && { startIndex: start }),
    endIndex: start + Buffer.byteLength(span),
    ...(withText && { text: span }),
  };
  return { segment, groundingChunkIndices: chunks };
}

/**
 * The grounding of GROUNDED_TEXT: the first sentence cites both sources, the second the second.
 * The second segment has no `text`, so only its byte offsets can place it.
 */
export function foxGrounding(text = GROUNDED_TEXT): Record<string, unknown> {
  return {
    webSearchQueries: ['Wo leben Füchse?'],
    searchEntryPoint: { renderedContent: '<div>search</div>' },
    groundingChunks: SOURCES.map((web) => ({ web })),
    groundingSupports: [support(text, FIRST_SPAN, [0, 1]), support(text, SECOND_SPAN, [1], false)],
  };
}

function candidate(parts: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { content: { role: 'model', parts }, index: 0, ...extra };
}

/** A whole grounded answer. */
export function groundedAnswer(): Behaviour {
  return answerWith({ candidates: [candidate([{ text: GROUNDED_TEXT }], { finishReason: 'STOP', groundingMetadata: foxGrounding() })], usageMetadata: USAGE });
}

/** A grounded answer streamed in two chunks; the grounding comes with the finish, offsets over the whole text. */
export function groundedStream(): Behaviour {
  const cut = GROUNDED_TEXT.indexOf(SECOND_SPAN);
  return sseStream([
    { candidates: [candidate([{ text: GROUNDED_TEXT.slice(0, cut) }])], usageMetadata: USAGE },
    { candidates: [candidate([{ text: GROUNDED_TEXT.slice(cut) }], { finishReason: 'STOP', groundingMetadata: foxGrounding() })], usageMetadata: USAGE },
  ]);
}

/** An image model's parts: text, a thought's draft image (not shown), the image. */
export const IMAGE_PARTS = [
  { text: 'Here is your fox.' },
  { inlineData: { mimeType: 'image/png', data: DRAFT_PNG }, thought: true },
  { inlineData: { mimeType: 'image/png', data: PNG_1PX }, thoughtSignature: 'c2lnbmF0dXJl' },
];

/** A whole answer holding an image. */
export function imageAnswer(): Behaviour {
  return answerWith({ candidates: [candidate(IMAGE_PARTS, { finishReason: 'STOP' })], usageMetadata: USAGE });
}

/** An answer holding an image, streamed: the text, then the images with the finish. */
export function imageStream(): Behaviour {
  return sseStream([
    { candidates: [candidate(IMAGE_PARTS.slice(0, 1))], usageMetadata: USAGE },
    { candidates: [candidate(IMAGE_PARTS.slice(1), { finishReason: 'STOP' })], usageMetadata: USAGE },
  ]);
}

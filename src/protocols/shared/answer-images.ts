/**
 * @module Images an image model answers with (`inlineData` parts) in the forms chat clients read:
 * a `data:` URL, Markdown in the answer text (what chat UIs render), OpenRouter's `images`
 * entries. And the answer text they are shown in: Gemini's text with the images' Markdown
 * between, which maps a span of Gemini's text (where grounding points) to the span shown. Pure.
 *
 * An image stands in its own paragraph: a blank line before it when text precedes it on the
 * same line, and before text that follows it. Those separators, like the Markdown, are the
 * proxy's; Gemini's text is shown unchanged.
 */

import type { InlineData } from '../gemini/types.js';
import { readGrounding, type Citation, type Grounding } from './grounding.js';

/** An image as OpenRouter's `images` list (on a chat message or a stream delta) carries it. */
export type ImageUrlEntry = { type: 'image_url'; image_url: { url: string } };

const PARAGRAPH = '\n\n';

/** The image as a `data:` URL (Gemini's base64 holds no line breaks; any would break the URL). */
export function dataUrl(image: InlineData): string {
  return `data:${image.mimeType};base64,${image.data.replace(/\s+/g, '')}`;
}

/** The image as an `images` entry. */
export function imageEntry(image: InlineData): ImageUrlEntry {
  return { type: 'image_url', image_url: { url: dataUrl(image) } };
}

/** The image as Markdown. */
export function imageMarkdown(image: InlineData): string {
  return `![image](${dataUrl(image)})`;
}

/** The image's bare base64, as Ollama's `images` carry images. */
export function bareBase64(image: InlineData): string {
  return image.data.replace(/\s+/g, '');
}

/** Text the proxy put into the answer: `length` code units where Gemini's text was `at` long. */
interface Insertion {
  readonly at: number;
  readonly length: number;
}

/**
 * The text one answer shows, built part by part: `text()` and `image()` return what to show for
 * each. Stateful; one per answer (per choice).
 */
export class AnswerText {
  readonly #gemini: string[] = [];
  #geminiLength = 0;
  /** In the order written, so `at` never decreases. */
  readonly #insertions: Insertion[] = [];
  #shownLength = 0;
  /** Nothing shown yet in this block (an answer, or a Responses message item). */
  #blockStart = true;
  #endsWithNewline = false;
  #afterImage = false;

  /** Gemini's text so far: text parts joined, as grounding offsets count it. */
  get geminiText(): string {
    return this.#gemini.join('');
  }

  /** The length of everything shown so far. */
  get length(): number {
    return this.#shownLength;
  }

  /** What to show for Gemini text: the text, after a paragraph break when it follows an image. */
  text(text: string): string {
    if (text === '') return '';
    const shown = this.#afterImage && !text.startsWith('\n') ? this.#insert(PARAGRAPH) + text : text;
    this.#gemini.push(text);
    this.#geminiLength += text.length;
    this.#shown(text, false);
    return shown;
  }

  /** What to show for an image: its Markdown, after a paragraph break when text precedes it. */
  image(image: InlineData): string {
    const separator = this.#blockStart || this.#endsWithNewline ? '' : PARAGRAPH;
    return this.#insert(separator + imageMarkdown(image), true);
  }

  /** Starts a new block (a Responses message item after another item): no separator carries over. */
  break(): void {
    this.#blockStart = true;
    this.#afterImage = false;
  }

  /** The answer's grounding (`groundingMetadata` it came with), its citations placed in the text shown. */
  grounding(metadata: readonly unknown[]): Grounding {
    const { citations, sources } = readGrounding(metadata, this.geminiText);
    return { citations: citations.map((citation) => this.place(citation)), sources };
  }

  /**
   * A citation's span in Gemini's text → its span in the text shown. Text inserted where the
   * span starts comes before it (an image, then the sentence citing); where it ends, after it.
   */
  place(citation: Citation): Citation {
    let { startIndex, endIndex } = citation;
    for (const { at, length } of this.#insertions) {
      if (at <= citation.startIndex) startIndex += length;
      if (at < citation.endIndex) endIndex += length;
    }
    return { ...citation, startIndex, endIndex };
  }

  #insert(text: string, image = false): string {
    if (text === '') return '';
    this.#insertions.push({ at: this.#geminiLength, length: text.length });
    this.#shown(text, image);
    return text;
  }

  #shown(text: string, image: boolean): void {
    this.#shownLength += text.length;
    this.#blockStart = false;
    this.#endsWithNewline = text.endsWith('\n');
    this.#afterImage = image;
  }
}

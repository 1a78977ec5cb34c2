/**
 * @module Judging the start of a Gemini answer while the proxy still holds its response headers
 * (src/upstream/held-stream.ts): told each chunk as it arrives, each scanner says when the answer
 * has shown content, so the headers may go. Until then an empty or failed start can still go to
 * another key. Each chunk is only searched for a key (json-keys.ts); the held bytes are parsed
 * only when the body ends before showing content, which is rare (an empty answer, or one whose
 * keys the search missed), so the verdict "empty" always comes from a parse. Pure.
 */

import { saysSomething } from './empty-answer.js';
import { showsContent } from './json-keys.js';
import { GeminiSseParser } from './sse.js';

/** The bytes kept on each side of the seam of two chunks, where a split key shows. */
const SEAM = 32;

/** Searches chunk after chunk, and the seams between them, for content. */
class ContentSeeker {
  #tail: Buffer = Buffer.alloc(0);
  readonly chunks: Buffer[] = [];

  push(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    if (showsContent(chunk)) return true;
    // The first chunk has no seam before it (most answers come whole in one).
    const seam = this.#tail.length === 0 ? chunk.subarray(0, 0) : Buffer.concat([this.#tail, chunk.subarray(0, SEAM)]);
    this.#tail = chunk.length >= SEAM ? chunk.subarray(chunk.length - SEAM) : Buffer.concat([this.#tail, chunk]).subarray(-SEAM);
    return showsContent(seam);
  }

  all(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] ?? Buffer.alloc(0) : Buffer.concat(this.chunks);
  }
}

/**
 * `:streamGenerateContent?alt=sse`: content is the first event holding a part, a finish reason
 * or a blocked prompt. Events before it (usage only, an error frame, a raw error tail) are not.
 */
export class SseStartScanner {
  readonly #seeker = new ContentSeeker();

  /** True once `chunk` showed content. */
  push(chunk: Buffer): boolean {
    return this.#seeker.push(chunk);
  }

  /** At the body's end, before content showed: the events parsed, and judged. */
  end(): boolean {
    const parser = new GeminiSseParser();
    const items = [...parser.push(new TextDecoder().decode(this.#seeker.all())), ...parser.end()];
    return items.some((item) => item.kind === 'response' && saysSomething(item.value));
  }
}

/**
 * A non-streamed `:generateContent` answer: passed on as soon as it shows content (a finish
 * reason, which every complete answer has, or a part), else judged whole when its body ends. A
 * body that is not JSON is not judged (passed on as it came): only an answer known to be empty
 * fails.
 */
export class JsonAnswerScanner {
  readonly #seeker = new ContentSeeker();

  push(chunk: Buffer): boolean {
    return this.#seeker.push(chunk);
  }

  end(): boolean {
    let value: unknown;
    try {
      value = JSON.parse(this.#seeker.all().toString('utf8'));
    } catch {
      return true;
    }
    return saysSomething(value);
  }
}

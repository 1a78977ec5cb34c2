/**
 * @module Google Search grounding → citations (wire-formats-2 §5.6). Pure and total: whatever
 * `groundingMetadata` holds, nothing here throws; what is not usable is skipped.
 *
 * Gemini's `groundingSupports[].segment` gives UTF-8 **byte** offsets (`startIndex` omitted when 0,
 * `endIndex` exclusive) into the candidate's answer text, its text parts joined, thoughts left out.
 * A citation here gives **UTF-16 code unit** offsets into that text (JavaScript string indices,
 * end exclusive): OpenAI documents "character" indices without saying which, and its JS SDK and
 * the web UIs that render citations slice the string with them. They equal code point offsets
 * for text without characters beyond U+FFFF (emoji).
 *
 * - A byte offset inside a character widens the span to the whole character; one past the text
 *   is clamped to its end.
 * - When the bytes do not match the segment's own `text` (offsets counted within one part, or
 *   from a text the stream told differently), the `text` is looked up in the answer, nearest to
 *   where the bytes pointed, and its place wins.
 * - One citation per (support, chunk index); a chunk index that names no web chunk is skipped.
 *   Several metadata objects (a stream may repeat them) give each citation once.
 */

import { isObject } from './json.js';

/** One cited span of the answer text (UTF-16 offsets, end exclusive) and its source. */
export interface Citation {
  readonly url: string;
  readonly title: string;
  readonly startIndex: number;
  readonly endIndex: number;
}

/** A web page the answer was grounded on. */
export interface Source {
  readonly url: string;
  readonly title: string;
}

/** The setting that has a grounded answer end with its sources (`--search-sources`); off when absent. */
export interface SourcesOption {
  readonly searchSources?: boolean;
}

/** What an answer's grounding says: its cited spans, and every source, in Gemini's order. */
export interface Grounding {
  readonly citations: Citation[];
  readonly sources: Source[];
}

const MAX_TITLE = 300;

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function byteOffset(value: unknown): number {
  return Number.isSafeInteger(value) && (value as number) > 0 ? (value as number) : 0;
}

/** The web source of a grounding chunk; undefined for other chunks (maps, retrieval). */
function webSource(chunk: unknown): Source | undefined {
  const web = isObject(chunk) ? chunk['web'] : undefined;
  const url = isObject(web) ? web['uri'] : undefined;
  if (typeof url !== 'string' || url === '') return undefined;
  const title = isObject(web) && typeof web['title'] === 'string' && web['title'] !== '' ? web['title'] : url;
  return { url, title: title.slice(0, MAX_TITLE) };
}

/** The UTF-8 length of one code point. */
function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * UTF-16 indices for UTF-8 byte offsets into `text`, in one pass over it. An offset inside a
 * character rounds down for `start` and up for `end`; past the end it is the text's length.
 */
export function charIndices(text: string, offsets: readonly number[], edge: 'start' | 'end'): number[] {
  const order = offsets.map((_, at) => at).sort((a, b) => (offsets[a] ?? 0) - (offsets[b] ?? 0));
  const result = new Array<number>(offsets.length).fill(text.length);
  let next = 0;
  let bytes = 0;
  for (let index = 0; index < text.length && next < order.length;) {
    const codePoint = text.codePointAt(index) ?? 0;
    const after = bytes + utf8Length(codePoint);
    const width = codePoint > 0xffff ? 2 : 1;
    // Every offset before the end of this character lands on it: on its start, or (end edge) past it.
    for (let at = order[next]; at !== undefined && (offsets[at] ?? 0) < after; at = order[next]) {
      result[at] = (offsets[at] ?? 0) === bytes || edge === 'start' ? index : index + width;
      next += 1;
    }
    bytes = after;
    index += width;
  }
  return result;
}

/** The start of the occurrence of `needle` in `text` nearest to `around`, or -1. */
function nearest(text: string, needle: string, around: number): number {
  const after = text.indexOf(needle, around);
  const before = text.lastIndexOf(needle, around);
  if (after === -1 || before === -1) return Math.max(after, before);
  return around - before <= after - around ? before : after;
}

interface Span {
  readonly start: number;
  readonly end: number;
  /** The segment's `groundingChunkIndices`, unread. */
  readonly chunks: readonly unknown[];
}

function spansOf(supports: readonly unknown[], text: string): Span[] {
  const segments = supports.map((support) => (isObject(support) && isObject(support['segment']) ? support['segment'] : {}));
  const starts = charIndices(text, segments.map((segment) => byteOffset(segment['startIndex'])), 'start');
  const ends = charIndices(text, segments.map((segment) => byteOffset(segment['endIndex'])), 'end');
  return supports.map((support, at) => {
    const segment = segments[at] ?? {};
    const own = typeof segment['text'] === 'string' && segment['text'] !== '' ? segment['text'] : undefined;
    let [start, end] = [starts[at] ?? 0, ends[at] ?? 0];
    if (own !== undefined && text.slice(start, end) !== own) {
      const found = nearest(text, own, start);
      if (found !== -1) [start, end] = [found, found + own.length];
    }
    return { start, end, chunks: list(isObject(support) ? support['groundingChunkIndices'] : undefined) };
  });
}

/** Every web source of the answer's grounding metadata, each once, in Gemini's order. */
export function sourcesOf(metadata: readonly unknown[]): Source[] {
  const sources = new Map<string, Source>();
  for (const value of metadata) {
    const chunks = list(isObject(value) ? value['groundingChunks'] : undefined);
    for (const source of chunks.map(webSource)) if (source !== undefined && !sources.has(source.url)) sources.set(source.url, source);
  }
  return [...sources.values()];
}

/**
 * The citations and sources of an answer whose text is `text`, from every `groundingMetadata`
 * it came with (one for a whole answer; a stream may send several).
 */
export function readGrounding(metadata: readonly unknown[], text: string): Grounding {
  const citations: Citation[] = [];
  const seen = new Set<string>();
  for (const value of metadata) {
    if (!isObject(value)) continue;
    const chunks = list(value['groundingChunks']).map(webSource);
    for (const span of spansOf(list(value['groundingSupports']), text)) {
      if (span.end <= span.start) continue;
      for (const index of span.chunks) {
        const source = Number.isSafeInteger(index) ? chunks[index as number] : undefined;
        const key = `${span.start}:${span.end}:${source?.url ?? ''}`;
        if (source === undefined || seen.has(key)) continue;
        seen.add(key);
        citations.push({ ...source, startIndex: span.start, endIndex: span.end });
      }
    }
  }
  return { citations, sources: sourcesOf(metadata) };
}

/** Markdown link text and target, escaped so a title or URL cannot break out of the link. */
function markdownLink({ url, title }: Source): string {
  const text = title.replace(/[\\[\]]/g, (char) => `\\${char}`).replace(/\s+/g, ' ');
  const target = url.replace(/[()<>\s]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${text}](${target})`;
}

/** The sources as a numbered Markdown list after the answer (`--search-sources`); '' for none. */
export function renderSources(sources: readonly Source[]): string {
  if (sources.length === 0) return '';
  return `\n\nSources:\n${sources.map((source, at) => `${at + 1}. ${markdownLink(source)}`).join('\n')}`;
}

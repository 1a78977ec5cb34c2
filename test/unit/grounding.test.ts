import { describe, expect, it } from 'vitest';
import { toChatCompletion } from '../../src/protocols/openai/response.js';
import { ChatStreamTranslator } from '../../src/protocols/openai/stream.js';
import { toResponse } from '../../src/protocols/openai/responses/response.js';
import { ResponsesStream } from '../../src/protocols/openai/responses/stream.js';
import { toOllamaAnswer } from '../../src/protocols/ollama/answer.js';
import { OllamaStream } from '../../src/protocols/ollama/stream.js';
import { charIndices, readGrounding, renderSources, sourcesOf } from '../../src/protocols/shared/grounding.js';
import type { OllamaRequest } from '../../src/protocols/ollama/types.js';
import { FIRST_SPAN, foxGrounding, GROUNDED_TEXT, SECOND_SPAN, SOURCES, support } from '../support/fake-grounding.js';

const bytes = (text: string): number => Buffer.byteLength(text);

describe('charIndices: UTF-8 byte offsets → UTF-16 indices', () => {
  it('ASCII: bytes and indices agree', () => {
    expect(charIndices('hello world', [0, 5, 11], 'start')).toEqual([0, 5, 11]);
  });

  it.each([
    ['2-byte', 'Füße laufen', 'laufen'],
    ['3-byte', 'Preis — 5 €, Ende', 'Ende'],
    ['4-byte', 'Fuchs 🦊🦊 rennt', 'rennt'],
  ])('%s characters before the offset', (_name, text, word) => {
    const at = bytes(text.slice(0, text.indexOf(word)));
    const [start] = charIndices(text, [at], 'start');
    const [end] = charIndices(text, [at + bytes(word)], 'end');
    expect(text.slice(start, end)).toBe(word);
    expect(start).toBe(text.indexOf(word));
  });

  it('an emoji counts two UTF-16 code units', () => {
    const text = '🦊x';
    expect(charIndices(text, [4, 5], 'end')).toEqual([2, 3]);
  });

  it('an offset inside a character widens to the whole character', () => {
    // '🦊' is bytes 1..4 of 'a🦊b'; 'ü' bytes 1..2 of 'aüb'.
    expect(charIndices('a🦊b', [2], 'start')).toEqual([1]);
    expect(charIndices('a🦊b', [2], 'end')).toEqual([3]);
    expect(charIndices('aüb', [2], 'start')).toEqual([1]);
    expect(charIndices('aüb', [2], 'end')).toEqual([2]);
  });

  it('offsets past the end are clamped; offsets come back in their own order', () => {
    expect(charIndices('ab', [99, 1, 2], 'end')).toEqual([2, 1, 2]);
    expect(charIndices('', [0, 3], 'start')).toEqual([0, 0]);
  });
});

describe('readGrounding', () => {
  it('one citation per (support, chunk), at the spans the byte offsets name', () => {
    const { citations, sources } = readGrounding([foxGrounding()], GROUNDED_TEXT);
    const first = GROUNDED_TEXT.indexOf(FIRST_SPAN);
    const second = GROUNDED_TEXT.indexOf(SECOND_SPAN);
    expect(citations).toEqual([
      { url: SOURCES[0]?.uri, title: 'wikipedia.org', startIndex: first, endIndex: first + FIRST_SPAN.length },
      { url: SOURCES[1]?.uri, title: 'nabu.de', startIndex: first, endIndex: first + FIRST_SPAN.length },
      { url: SOURCES[1]?.uri, title: 'nabu.de', startIndex: second, endIndex: second + SECOND_SPAN.length },
    ]);
    expect(sources).toEqual(SOURCES.map(({ uri, title }) => ({ url: uri, title })));
  });

  it('a missing startIndex is 0; an endIndex past the text is clamped', () => {
    const metadata = {
      groundingChunks: [{ web: { uri: 'https://a.example/', title: 'a' } }],
      groundingSupports: [{ segment: { endIndex: 999 }, groundingChunkIndices: [0] }],
    };
    expect(readGrounding([metadata], 'Grüße').citations).toEqual([{ url: 'https://a.example/', title: 'a', startIndex: 0, endIndex: 5 }]);
  });

  it("the segment's own text wins when the bytes point elsewhere; bytes win when the text is nowhere", () => {
    const text = 'One. Two. Three.';
    const chunks = [{ web: { uri: 'https://a.example/', title: 'a' } }];
    const wrong = { segment: { startIndex: 0, endIndex: 4, text: 'Three.' }, groundingChunkIndices: [0] };
    const unknown = { segment: { startIndex: 5, endIndex: 9, text: 'Four.' }, groundingChunkIndices: [0] };
    const { citations } = readGrounding([{ groundingChunks: chunks, groundingSupports: [wrong, unknown] }], text);
    expect(citations.map(({ startIndex, endIndex }) => text.slice(startIndex, endIndex))).toEqual(['Three.', 'Two.']);
  });

  it('skips chunk indices that name no web chunk, empty spans, and whatever is not well formed', () => {
    const metadata = {
      groundingChunks: [{ retrievedContext: { uri: 'gs://x' } }, { web: { title: 'no uri' } }, 'junk', { web: { uri: 'https://b.example/' } }],
      groundingSupports: [
        { segment: { startIndex: 0, endIndex: 3 }, groundingChunkIndices: [0, 1, 2, 7, -1, 1.5, 'x', 3] },
        { segment: { startIndex: 2, endIndex: 2 }, groundingChunkIndices: [3] },
        { segment: 'junk', groundingChunkIndices: [3] },
        null,
        { segment: { startIndex: 'a', endIndex: 2 }, groundingChunkIndices: 'no' },
      ],
    };
    // A source without a title is named by its URL.
    expect(readGrounding([metadata], 'abc')).toEqual({
      citations: [{ url: 'https://b.example/', title: 'https://b.example/', startIndex: 0, endIndex: 3 }],
      sources: [{ url: 'https://b.example/', title: 'https://b.example/' }],
    });
    expect(readGrounding([null, 'x', 3, [], { groundingSupports: 5 }], 'abc')).toEqual({ citations: [], sources: [] });
  });

  it('metadata repeated (a stream may send it twice) gives each citation and source once', () => {
    const once = readGrounding([foxGrounding()], GROUNDED_TEXT);
    expect(readGrounding([foxGrounding(), foxGrounding()], GROUNDED_TEXT)).toEqual(once);
    expect(sourcesOf([foxGrounding(), foxGrounding()])).toHaveLength(2);
  });
});

describe('renderSources', () => {
  it('a numbered Markdown list after a blank line; nothing for no sources', () => {
    expect(renderSources([{ url: 'https://a.example/x', title: 'a.example' }, { url: 'https://b.example/', title: 'b' }]))
      .toBe('\n\nSources:\n1. [a.example](https://a.example/x)\n2. [b](https://b.example/)');
    expect(renderSources([])).toBe('');
  });

  it('a title or URL cannot break out of its link', () => {
    expect(renderSources([{ url: 'https://a.example/a b(c)', title: 'x] [y\nz' }])).toBe('\n\nSources:\n1. [x\\] \\[y z](https://a.example/a%20b%28c%29)');
  });
});

const CTX = { id: 'chatcmpl-1', created: 1, model: 'gemini-2.5-flash', newToken: () => 'tok' };
const RESPONSES_CTX = { id: 'resp_1', createdAt: 1, newToken: () => 'tok' };
const RESPONSES_REQUEST = {
  requestedModel: 'gemini-2.5-flash', includeReasoning: false, toolNames: new Map(),
  echo: { instructions: null, max_output_tokens: null, metadata: {}, parallel_tool_calls: true, reasoning: null, temperature: null, text: {}, tool_choice: 'auto', tools: [], top_p: null },
};
const OLLAMA_REQUEST: OllamaRequest = { kind: 'chat', model: 'gemini-2.5-flash', requestedModel: 'gemini-2.5-flash', stream: false, includeThinking: false, body: { contents: [] } };
const OLLAMA_CTX = { startedAt: 0, now: () => 0, newToken: () => 'tok' };
const grounded = { candidates: [{ content: { parts: [{ text: GROUNDED_TEXT }] }, finishReason: 'STOP', groundingMetadata: foxGrounding() }] };
const LIST = '\n\nSources:\n1. [wikipedia.org](https://vertexaisearch.cloud.google.com/grounding-api-redirect/fox-1)\n2. [nabu.de](https://vertexaisearch.cloud.google.com/grounding-api-redirect/fox-2)';

describe('searchSources: the sources after a grounded answer', () => {
  it('chat completion: after the content, annotations unchanged; off by default', () => {
    const on = toChatCompletion(grounded, CTX, { includeReasoning: false, searchSources: true }).choices[0]?.message;
    const off = toChatCompletion(grounded, CTX, { includeReasoning: false }).choices[0]?.message;
    expect(on?.content).toBe(GROUNDED_TEXT + LIST);
    expect(off?.content).toBe(GROUNDED_TEXT);
    expect(on?.annotations).toEqual(off?.annotations);
  });

  it('chat stream: a content delta before the finishing one', () => {
    const stream = new ChatStreamTranslator(CTX, { includeUsage: false, includeReasoning: false, searchSources: true });
    const chunks = stream.push(grounded);
    expect(chunks.at(-2)?.choices[0]?.delta).toEqual({ content: LIST });
    expect(chunks.at(-1)?.choices[0]?.delta.annotations).toHaveLength(3);
  });

  it('Responses: after the message text, whole and streamed', () => {
    const whole = toResponse(grounded, RESPONSES_REQUEST, RESPONSES_CTX, { searchSources: true });
    expect(whole.output).toMatchObject([{ type: 'message', content: [{ text: GROUNDED_TEXT + LIST }] }]);
    const stream = new ResponsesStream(RESPONSES_REQUEST, RESPONSES_CTX, { searchSources: true });
    const frames = stream.push(grounded) + stream.finish();
    expect(frames).toContain(JSON.stringify(GROUNDED_TEXT + LIST));
  });

  it('Ollama: after the content, whole and streamed; not without the option', () => {
    expect(toOllamaAnswer(grounded, OLLAMA_REQUEST, OLLAMA_CTX, { searchSources: true })['message']).toMatchObject({ content: GROUNDED_TEXT + LIST });
    expect(toOllamaAnswer(grounded, OLLAMA_REQUEST, OLLAMA_CTX)['message']).toMatchObject({ content: GROUNDED_TEXT });
    const stream = new OllamaStream(OLLAMA_REQUEST, OLLAMA_CTX, { searchSources: true });
    expect(JSON.parse(stream.push(grounded))).toMatchObject({ message: { content: GROUNDED_TEXT + LIST }, done: false });
  });

  it('an answer without grounding gets no list', () => {
    const plain = { candidates: [{ content: { parts: [{ text: 'Hi' }] }, finishReason: 'STOP' }] };
    expect(toChatCompletion(plain, CTX, { includeReasoning: false, searchSources: true }).choices[0]?.message.content).toBe('Hi');
  });
});

describe('grounding with images in the answer', () => {
  it('citations after an image count the Markdown shown before them', () => {
    const text = 'Ein Fuchs. Er schläft.';
    const response = {
      candidates: [{
        content: { parts: [{ text: 'Ein Fuchs.' }, { inlineData: { mimeType: 'image/png', data: 'iVBOR' } }, { text: ' Er schläft.' }] },
        finishReason: 'STOP',
        groundingMetadata: { groundingChunks: [{ web: { uri: 'https://a.example/', title: 'a' } }], groundingSupports: [support(text, 'Er schläft.', [0], false)] },
      }],
    };
    const message = toChatCompletion(response, CTX, { includeReasoning: false }).choices[0]?.message;
    const citation = message?.annotations?.[0]?.url_citation;
    expect(message?.content?.slice(citation?.start_index, citation?.end_index)).toBe('Er schläft.');
  });
});

describe('grounding in Responses output split by a call', () => {
  it('each message gets the citations that start in it, offsets relative to its own text', () => {
    const text = 'Erst das. Dann dies.';
    const response = {
      candidates: [{
        content: { parts: [{ text: 'Erst das.' }, { functionCall: { name: 'f', args: {} } }, { text: ' Dann dies.' }] },
        finishReason: 'STOP',
        groundingMetadata: {
          groundingChunks: [{ web: { uri: 'https://a.example/', title: 'a' } }],
          groundingSupports: [support(text, 'Erst das.', [0]), support(text, 'Dann dies.', [0], false)],
        },
      }],
    };
    const output = toResponse(response, RESPONSES_REQUEST, RESPONSES_CTX).output;
    const annotations = output.flatMap((item) => (item.type === 'message' ? [item.content[0]?.annotations] : []));
    expect(annotations).toEqual([
      [{ type: 'url_citation', url: 'https://a.example/', title: 'a', start_index: 0, end_index: 9 }],
      [{ type: 'url_citation', url: 'https://a.example/', title: 'a', start_index: 1, end_index: 11 }],
    ]);
  });
});

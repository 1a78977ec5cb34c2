import { describe, expect, it } from 'vitest';
import { readImage } from '../../src/protocols/gemini/answer-parts.js';
import { assistantTextParts } from '../../src/protocols/openai/content.js';
import { translateMessages } from '../../src/protocols/openai/messages.js';
import { toResponse } from '../../src/protocols/openai/responses/response.js';
import { ResponsesStream } from '../../src/protocols/openai/responses/stream.js';
import { AnswerText, bareBase64, dataUrl, imageEntry, imageMarkdown } from '../../src/protocols/shared/answer-images.js';
import { PNG_1PX } from '../support/fake-grounding.js';

const PNG = { mimeType: 'image/png', data: PNG_1PX };
const MARKDOWN = `![image](data:image/png;base64,${PNG_1PX})`;

describe('image forms', () => {
  it('a data: URL, an images entry, Markdown, bare base64', () => {
    expect(dataUrl(PNG)).toBe(`data:image/png;base64,${PNG_1PX}`);
    expect(imageEntry(PNG)).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } });
    expect(imageMarkdown(PNG)).toBe(MARKDOWN);
    expect(bareBase64(PNG)).toBe(PNG_1PX);
  });

  it('line breaks in the base64 are dropped: they would break the URL', () => {
    const wrapped = { mimeType: 'image/jpeg', data: 'AAAA\r\nBBBB\nCC==' };
    expect(dataUrl(wrapped)).toBe('data:image/jpeg;base64,AAAABBBBCC==');
    expect(bareBase64(wrapped)).toBe('AAAABBBBCC==');
  });
});

describe('readImage', () => {
  it('an image part is read; a draft (thought) image, audio, text and junk are not', () => {
    expect(readImage({ inlineData: PNG, thoughtSignature: 'sig' })).toEqual(PNG);
    expect(readImage({ inlineData: PNG, thought: true })).toBeUndefined();
    expect(readImage({ inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: 'AAAA' } })).toBeUndefined();
    expect(readImage({ inlineData: { mimeType: 'image/png" onerror="x', data: 'AAAA' } })).toBeUndefined();
    expect(readImage({ inlineData: { data: 'AAAA' } })).toBeUndefined();
    expect(readImage({ inlineData: { mimeType: 'image/png', data: 5 } })).toBeUndefined();
    expect(readImage({ text: 'hi' })).toBeUndefined();
    expect(readImage('junk')).toBeUndefined();
  });
});

describe('AnswerText', () => {
  it('an image stands in its own paragraph; Gemini text is shown unchanged', () => {
    const text = new AnswerText();
    const shown = [text.text('Here it is:'), text.image(PNG), text.text('Nice?'), text.image(PNG), text.text('\nBye')];
    expect(shown.join('')).toBe(`Here it is:\n\n${MARKDOWN}\n\nNice?\n\n${MARKDOWN}\nBye`);
    expect(text.length).toBe(shown.join('').length);
    expect(text.geminiText).toBe('Here it is:Nice?\nBye');
  });

  it('no break before an image that opens the answer, or follows a newline', () => {
    const text = new AnswerText();
    expect(text.image(PNG)).toBe(MARKDOWN);
    expect(text.text('a\n')).toBe('\n\na\n');
    expect(text.image(PNG)).toBe(MARKDOWN);
  });

  it('after break() (a new message item) nothing carries over', () => {
    const text = new AnswerText();
    text.image(PNG);
    text.break();
    expect(text.text('next')).toBe('next');
    text.break();
    expect(text.image(PNG)).toBe(MARKDOWN);
  });

  it('place(): spans after an image move by what was shown before them', () => {
    const text = new AnswerText();
    const shown = text.text('One.') + text.image(PNG) + text.text('Two.');
    const gemini = text.geminiText;
    const place = (span: string) => {
      const start = gemini.indexOf(span);
      const placed = text.place({ url: 'u', title: 't', startIndex: start, endIndex: start + span.length });
      return shown.slice(placed.startIndex, placed.endIndex);
    };
    expect(place('One.')).toBe('One.');
    expect(place('Two.')).toBe('Two.');
    // A span across the image takes the image in.
    expect(place('One.Two.')).toBe(`One.\n\n${MARKDOWN}\n\nTwo.`);
  });
});

describe('images shown as Markdown come back as image parts', () => {
  it('assistant text → text and image parts, without the paragraph breaks the proxy added', () => {
    expect(assistantTextParts(`Here it is:\n\n${MARKDOWN}\n\nNice?`)).toEqual([
      { text: 'Here it is:' }, { inlineData: PNG }, { text: 'Nice?' },
    ]);
    expect(assistantTextParts(`${MARKDOWN}\n\n${MARKDOWN}`)).toEqual([{ inlineData: PNG }, { inlineData: PNG }]);
  });

  it('the type is read from the bytes; what is not an image stays text', () => {
    const notImage = '![x](data:image/png;base64,AAAAAAAAAAAAAAAAAAAA)';
    expect(assistantTextParts(`a ${notImage} b`)).toEqual([{ text: `a ${notImage} b` }]);
    const labelledJpeg = `![x](data:image/jpeg;base64,${PNG_1PX})`;
    expect(assistantTextParts(labelledJpeg)).toEqual([{ inlineData: PNG }]);
    expect(assistantTextParts('plain')).toEqual([{ text: 'plain' }]);
    expect(assistantTextParts('')).toEqual([]);
  });

  it('an assistant message holding a shown image → a model turn with the image', () => {
    const { contents } = translateMessages([
      { role: 'user', content: 'Draw a fox' },
      { role: 'assistant', content: `Here is your fox.\n\n${MARKDOWN}` },
      { role: 'user', content: 'Make it blue' },
    ]);
    expect(contents[1]).toEqual({ role: 'model', parts: [{ text: 'Here is your fox.' }, { inlineData: PNG }] });
  });

  it('many unclosed image openings are scanned in linear time', () => {
    const hostile = '![a](data:image/png;base64,AAAA'.repeat(20_000);
    expect(assistantTextParts(hostile)).toEqual([{ text: hostile }]);
  });
});

describe('images in Responses output', () => {
  const request = {
    requestedModel: 'gemini-2.5-flash', includeReasoning: true, toolNames: new Map(),
    echo: { instructions: null, max_output_tokens: null, metadata: {}, parallel_tool_calls: true, reasoning: null, temperature: null, text: {}, tool_choice: 'auto', tools: [], top_p: null },
  };
  const ctx = (): { id: string; createdAt: number; newToken: () => string } => {
    let count = 0;
    return { id: 'resp_1', createdAt: 1, newToken: () => `tok${(count += 1)}` };
  };
  const parts = [{ text: 'Plan.', thought: true }, { text: 'Done:' }, { inlineData: PNG }, { text: 'Enjoy.' }];

  it('after a reasoning item, the message shows text and image in their own paragraphs, streamed or not', () => {
    const whole = toResponse({ candidates: [{ content: { parts }, finishReason: 'STOP' }] }, request, ctx());
    expect(whole.output).toMatchObject([
      { type: 'reasoning', summary: [{ text: 'Plan.' }] },
      { type: 'message', content: [{ type: 'output_text', text: `Done:\n\n${MARKDOWN}\n\nEnjoy.`, annotations: [] }] },
    ]);
    const stream = new ResponsesStream(request, ctx());
    const frames = parts.map((part, at) => stream.push({ candidates: [{ content: { parts: [part] }, ...(at === parts.length - 1 && { finishReason: 'STOP' }) }] })).join('') + stream.finish();
    const completed = frames.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as { type: string; response?: unknown }).at(-1);
    expect(completed?.type).toBe('response.completed');
    expect((completed?.response as { output: unknown }).output).toEqual(whole.output);
  });
});

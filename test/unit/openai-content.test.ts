/** OpenAI content (a string or parts) → Gemini parts: text, images, audio, files (wire-formats §2.3). */

import { describe, expect, it } from 'vitest';
import { contentParts, textOf } from '../../src/protocols/openai/content.js';
import { isBase64 } from '../../src/protocols/shared/media.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { dataUrl, GIF, JPEG, MP3, NOT_AN_IMAGE, PDF, PNG, WAV, WEBP } from '../fixtures/openai-requests/media.js';

const AT = 'messages[3].content';

function image(url: unknown): unknown[] {
  return [{ type: 'image_url', image_url: { url } }];
}

function errorAt(run: () => unknown): [number, string, string | undefined] {
  const error = proxyErrorOf(run);
  return [error.status, error.code, error.param];
}

describe('contentParts: text', () => {
  it('a string is one text part; an empty string none', () => {
    expect(contentParts('Hello', AT)).toStrictEqual([{ text: 'Hello' }]);
    expect(contentParts('', AT)).toStrictEqual([]);
  });

  it('text parts in order, empty ones dropped', () => {
    expect(contentParts([{ type: 'text', text: 'a' }, { type: 'text', text: '' }, { type: 'text', text: 'b' }], AT))
      .toStrictEqual([{ text: 'a' }, { text: 'b' }]);
  });

  it('an empty list is no parts', () => {
    expect(contentParts([], AT)).toStrictEqual([]);
  });
});

describe('contentParts: images', () => {
  it.each([
    ['image/png', PNG],
    ['image/jpeg', JPEG],
    ['image/gif', GIF],
    ['image/webp', WEBP],
  ])('a %s data URL → inlineData', (mimeType, data) => {
    expect(contentParts(image(dataUrl(mimeType, data)), AT)).toStrictEqual([{ inlineData: { mimeType, data } }]);
  });

  it('the MIME type is lower-cased; parameters before ;base64 are allowed', () => {
    expect(contentParts(image(`data:IMAGE/PNG;name=cat.png;base64,${PNG}`), AT)).toStrictEqual([{ inlineData: { mimeType: 'image/png', data: PNG } }]);
  });

  it('detail is accepted and dropped', () => {
    expect(contentParts([{ type: 'image_url', image_url: { url: dataUrl('image/jpeg', JPEG), detail: 'low' } }], AT))
      .toStrictEqual([{ inlineData: { mimeType: 'image/jpeg', data: JPEG } }]);
  });

  it('image_url given as a bare string is read too', () => {
    expect(contentParts([{ type: 'image_url', image_url: dataUrl('image/gif', GIF) }], AT)).toStrictEqual([{ inlineData: { mimeType: 'image/gif', data: GIF } }]);
  });

  it('text and images keep their order', () => {
    expect(contentParts([{ type: 'image_url', image_url: { url: dataUrl('image/png', PNG) } }, { type: 'text', text: 'and?' }], AT))
      .toStrictEqual([{ inlineData: { mimeType: 'image/png', data: PNG } }, { text: 'and?' }]);
  });

  it.each([['https://example.com/a.png'], ['http://127.0.0.1/a.png'], ['HTTPS://EXAMPLE.COM/A.PNG']])('%s → 400: URLs are not fetched', (url) => {
    const error = proxyErrorOf(() => contentParts([{ type: 'text', text: 'see' }, ...image(url)], AT));
    expect([error.status, error.param]).toEqual([400, `${AT}[1].image_url.url`]);
    expect(error.message).toMatch(/not fetched/);
    expect(error.message).toMatch(/data: URL/);
  });

  it.each([
    ['bytes that are not an image', dataUrl('image/png', NOT_AN_IMAGE), 'does not hold an image'],
    ['a PNG labelled as text', dataUrl('text/plain', PNG), 'does not hold an image'],
    ['a PDF labelled as an image', dataUrl('image/png', PDF), 'does not hold an image'],
    ['no data at all', 'data:image/png;base64,', 'does not hold an image'],
    ['not base64', `data:image/png;base64,${PNG.slice(0, 8)}!!${PNG.slice(8)}`, 'not valid base64'],
    ['a data URL without ;base64', `data:image/png,${PNG}`, 'must be a base64 data: URL'],
    ['not a URL', 'cat.png', 'must be a base64 data: URL'],
  ])('%s → 400 naming the url', (_name, url, message) => {
    const error = proxyErrorOf(() => contentParts(image(url), AT));
    expect([error.status, error.code, error.param]).toEqual([400, 'GP_BAD_REQUEST', `${AT}[0].image_url.url`]);
    expect(error.message).toContain(message);
  });

  it('an image_url without a url → 400', () => {
    expect(errorAt(() => contentParts([{ type: 'image_url', image_url: {} }], AT))).toEqual([400, 'GP_BAD_REQUEST', `${AT}[0].image_url.url`]);
  });
});

describe('contentParts: audio and files', () => {
  it('input_audio wav and mp3 → inlineData audio/wav, audio/mp3', () => {
    expect(contentParts([
      { type: 'input_audio', input_audio: { data: WAV, format: 'wav' } },
      { type: 'input_audio', input_audio: { data: MP3, format: 'mp3' } },
    ], AT)).toStrictEqual([{ inlineData: { mimeType: 'audio/wav', data: WAV } }, { inlineData: { mimeType: 'audio/mp3', data: MP3 } }]);
  });

  it.each([
    ['an unknown format', { data: WAV, format: 'flac' }],
    ['no format', { data: WAV }],
    ['data that is not base64', { data: 'not base64!', format: 'wav' }],
    ['not an object', 'x'],
  ])('input_audio with %s → 400', (_name, audio) => {
    expect(errorAt(() => contentParts([{ type: 'input_audio', input_audio: audio }], AT))).toEqual([400, 'GP_BAD_REQUEST', `${AT}[0].input_audio`]);
  });

  it('a file with file_data → inlineData of its MIME type', () => {
    expect(contentParts([{ type: 'file', file: { filename: 'a.pdf', file_data: dataUrl('application/pdf', PDF) } }], AT))
      .toStrictEqual([{ inlineData: { mimeType: 'application/pdf', data: PDF } }]);
  });

  it('a file by an OpenAI file_id → 400 saying only Gemini files are known', () => {
    const error = proxyErrorOf(() => contentParts([{ type: 'file', file: { file_id: 'file-abc' } }], AT));
    expect([error.status, error.param]).toEqual([400, `${AT}[0].file.file_id`]);
    expect(error.message).toContain('must name a file uploaded to Gemini');
  });

  it.each([
    ['files/abc123', 'https://generativelanguage.googleapis.com/v1beta/files/abc123'],
    ['https://generativelanguage.googleapis.com/v1beta/files/abc123', 'https://generativelanguage.googleapis.com/v1beta/files/abc123'],
    ['http://127.0.0.1:8000/v1beta/files/x-1', 'http://127.0.0.1:8000/v1beta/files/x-1'],
  ])('a file by the Gemini file id %s → fileData %s', (fileId, fileUri) => {
    expect(contentParts([{ type: 'file', file: { file_id: fileId } }], AT)).toStrictEqual([{ fileData: { fileUri } }]);
  });

  it('a file whose file_data is not a data URL → 400 naming file_data', () => {
    expect(errorAt(() => contentParts([{ type: 'file', file: { file_data: 'JVBERi0x' } }], AT))).toEqual([400, 'GP_BAD_REQUEST', `${AT}[0].file.file_data`]);
  });
});

describe('contentParts: malformed', () => {
  it.each([
    ['an unknown part type', [{ type: 'text', text: 'a' }, { type: 'video_url', video_url: {} }], `${AT}[1].type`],
    ['a part without type', [{ text: 'a' }], `${AT}[0].type`],
    ['a refusal part in user content', [{ type: 'refusal', refusal: 'no' }], `${AT}[0].type`],
    ['a part that is a string', ['hello'], `${AT}[0]`],
    ['text that is not a string', [{ type: 'text', text: 5 }], `${AT}[0].text`],
  ])('%s → 400 at the part', (_name, content, param) => {
    expect(errorAt(() => contentParts(content, AT))).toEqual([400, 'GP_BAD_REQUEST', param]);
  });

  it.each([[null], [5], [{ type: 'text', text: 'a' }]])('content %j → 400 at the content', (content) => {
    expect(errorAt(() => contentParts(content, AT))).toEqual([400, 'GP_BAD_REQUEST', AT]);
  });
});

describe('textOf', () => {
  it('a string as it is', () => {
    expect(textOf('plain', AT, false)).toBe('plain');
    expect(textOf('', AT, false)).toBe('');
  });

  it('text parts joined with nothing between them', () => {
    expect(textOf([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'text' }], AT, false)).toBe('ab');
  });

  it('refusal parts only where allowed', () => {
    const content = [{ type: 'text', text: 'Sorry: ' }, { type: 'refusal', refusal: 'I cannot.' }];
    expect(textOf(content, AT, true)).toBe('Sorry: I cannot.');
    expect(errorAt(() => textOf(content, AT, false))).toEqual([400, 'GP_BAD_REQUEST', `${AT}[1].type`]);
  });

  it.each([
    ['an image part', [{ type: 'image_url', image_url: { url: dataUrl('image/png', PNG) } }], `${AT}[0].type`],
    ['a number', 7, AT],
    ['null', null, AT],
  ])('%s → 400', (_name, content, param) => {
    expect(errorAt(() => textOf(content, AT, true))).toEqual([400, 'GP_BAD_REQUEST', param]);
  });
});

describe('contentParts: ISO media that is not an image', () => {
  it('an MP4 (ftyp isom) labelled image/png is refused; a HEIC is accepted', () => {
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(8)]);
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(8)]);
    const part = (bytes: Buffer, mime: string) => [{ type: 'image_url', image_url: { url: `data:${mime};base64,${bytes.toString('base64')}` } }];
    expect(proxyErrorOf(() => contentParts(part(mp4, 'image/png'), 'c')).param).toBe('c[0].image_url.url');
    expect(contentParts(part(heic, 'image/heic'), 'c')).toEqual([{ inlineData: { mimeType: 'image/heic', data: heic.toString('base64') } }]);
  });
});

describe('isBase64', () => {
  /** The single pattern it replaces: right, but quadratic over a run of line breaks. */
  const ONE_PATTERN = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

  it('accepts exactly what the single pattern accepts (every string of up to 5 telling characters)', () => {
    const alphabet = ['A', '+', '=', '\n', '\r', ' ', '\t', '!', '-'];
    const strings = [''];
    for (const text of strings) {
      if (isBase64(text) !== ONE_PATTERN.test(text)) expect.fail(`disagrees on ${JSON.stringify(text)}`);
      if (text.length < 5) strings.push(...alphabet.map((c) => text + c));
    }
    expect(strings).toHaveLength((9 ** 6 - 1) / 8);
  });

  it('refuses a million line breaks followed by a bad character, as data of an image or of audio', () => {
    const data = `${'\n'.repeat(1_000_000)}!`;
    expect(isBase64(data)).toBe(false);
    expect(errorAt(() => contentParts(image(`data:image/png;base64,${data}`), AT))).toEqual([400, 'GP_BAD_REQUEST', `${AT}[0].image_url.url`]);
    expect(errorAt(() => contentParts([{ type: 'input_audio', input_audio: { format: 'wav', data } }], AT)))
      .toEqual([400, 'GP_BAD_REQUEST', `${AT}[0].input_audio`]);
  });
});

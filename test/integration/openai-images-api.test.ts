/**
 * OpenAI's images API through the real `openai` SDK: generations and edits become Gemini
 * image-model `generateContent` calls, one per image; bad input, masks and oversized forms are
 * refused before any key is used; refusals and Google's errors come back in OpenAI's shape.
 */

import { request as httpRequest } from 'node:http';
import OpenAI, { toFile } from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { answerWith, fail } from '../support/behaviours.js';
import { imageAnswer, imageModel, JPEG, PNG, PNG_BASE64, refusedAnswer, sentParts } from '../support/fake-images.js';
import { withProxy } from '../support/harness.js';
import { rawRequest, type RawResponse } from '../support/http.js';

const TOKEN = 'images-client-token';
const h = withProxy({ keys: ['img-a', 'img-b'], settings: { proxyKeys: [TOKEN] } });

function client(prefix = '/v1'): OpenAI {
  return new OpenAI({ apiKey: TOKEN, baseURL: `${h.proxy.url}${prefix}`, maxRetries: 0 });
}

const png = (name = 'a.png'): Promise<File> => toFile(PNG, name, { type: 'image/png' });

const paths = (): string[] => h.upstream.requests.map((request) => request.pathname);

function post(path: string, body: string | Buffer, contentType: string): Promise<RawResponse> {
  return rawRequest(h.proxy.url, {
    method: 'POST', path, body, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
  });
}

/** A multipart body by hand: text fields, then files. */
function multipart(boundary: string, fields: Record<string, string>, files: { name: string; data: Buffer }[]): Buffer {
  const parts = [
    ...Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)),
    ...files.flatMap(({ name, data }) => [
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="f.png"\r\ncontent-type: image/png\r\n\r\n`),
      data, Buffer.from('\r\n'),
    ]),
  ];
  return Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
}

/** Sends `body` chunked (no Content-Length), so only counting while reading can refuse it. */
function postChunked(path: string, body: Buffer, contentType: string): Promise<RawResponse> {
  const url = new URL(h.proxy.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname, port: url.port, method: 'POST', path,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType, 'transfer-encoding': 'chunked' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // The proxy may answer and close before every chunk is out.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (let offset = 0; offset < body.length; offset += 512) req.write(body.subarray(offset, offset + 512));
    req.end();
  });
}

beforeEach(() => {
  h.upstream.setDefault(imageModel());
});

describe('images.generate', () => {
  it('n: 2 → two calls to the named model, two images with the PNG bytes the model sent, usage summed', async () => {
    const result = await client().images.generate({ model: 'gemini-2.5-flash-image', prompt: 'a red fox', n: 2 });
    expect(paths()).toEqual(Array(2).fill('/v1beta/models/gemini-2.5-flash-image:generateContent'));
    for (const index of [0, 1]) {
      expect(h.upstream.sentJson(index)).toStrictEqual({
        contents: [{ role: 'user', parts: [{ text: 'a red fox' }] }],
        generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
      });
    }
    expect(result.data).toHaveLength(2);
    for (const image of result.data ?? []) {
      expect(Buffer.from(image.b64_json ?? '', 'base64').equals(PNG)).toBe(true);
      expect(image.revised_prompt).toBe('Here is your image.');
    }
    expect(result.output_format).toBe('png');
    expect(result.usage).toStrictEqual({
      input_tokens: 24, output_tokens: 2580, total_tokens: 2604,
      input_tokens_details: { text_tokens: 16, image_tokens: 8 },
      output_tokens_details: { text_tokens: 0, image_tokens: 2580 },
    });
  });

  it('dall-e-3 (or no model) calls the default image model; --image-model changes it', async () => {
    await client().images.generate({ model: 'dall-e-3', prompt: 'x' });
    await client().images.generate({ prompt: 'x' });
    expect(paths()).toEqual(Array(2).fill('/v1beta/models/gemini-2.5-flash-image:generateContent'));
    await h.restart({ settings: { proxyKeys: [TOKEN], imageModel: 'gemini-3-pro-image-preview' } });
    await client().images.generate({ model: 'gpt-image-1', prompt: 'x' });
    expect(paths()[2]).toBe('/v1beta/models/gemini-3-pro-image-preview:generateContent');
  });

  it('response_format url: a data: URL holding the image', async () => {
    h.upstream.setDefault(imageModel({ mimeType: 'image/jpeg', data: JPEG.toString('base64') }));
    const result = await client().images.generate({ prompt: 'x', response_format: 'url' });
    expect(result.data?.[0]?.url).toBe(`data:image/jpeg;base64,${JPEG.toString('base64')}`);
    expect(result.data?.[0]).not.toHaveProperty('b64_json');
    expect(result.output_format).toBe('jpeg');
  });

  it.each([['1792x1024', '16:9'], ['1024x1536', '2:3'], ['1024x1024', '1:1']])('size %s → aspectRatio %s upstream', async (size, ratio) => {
    await client().images.generate({ prompt: 'x', size: size as '1024x1024' });
    expect(h.upstream.sentJson(0)['generationConfig']).toStrictEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: ratio } });
  });

  it.each(['/hf/v1', '/openai/v1'])('works under %s too', async (prefix) => {
    const result = await client(prefix).images.generate({ prompt: 'x' });
    expect(result.data?.[0]?.b64_json).toBe(PNG_BASE64);
    expect(paths()).toEqual(['/v1beta/models/gemini-2.5-flash-image:generateContent']);
  });

  it('an answer without an image (IMAGE_SAFETY) is a BadRequestError saying why; no further call', async () => {
    h.upstream.setDefault(answerWith(refusedAnswer('IMAGE_SAFETY', 'I cannot make that image.')));
    const error = await client().images.generate({ prompt: 'x', n: 3 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'prompt', type: 'invalid_request_error', code: 'content_policy_violation' });
    expect((error as Error).message).toContain('finish reason IMAGE_SAFETY');
    expect((error as Error).message).toContain('I cannot make that image.');
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('a second call that refuses fails the whole request', async () => {
    h.upstream.next(imageModel(), answerWith(refusedAnswer('STOP', 'Only words today.')));
    const error = await client().images.generate({ prompt: 'x', n: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('Only words today.');
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('Google\'s 429 on every key: a RateLimitError with Retry-After', async () => {
    h.upstream.setDefault(fail('quotaPerMinute', '30s'));
    const error = await client().images.generate({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('30');
    expect(new Set(h.upstream.requests.map((request) => request.key))).toEqual(new Set(['img-a', 'img-b']));
  });

  it('Google\'s 400 comes back as a BadRequestError with Google\'s message', async () => {
    h.upstream.setDefault(fail('invalidArgument'));
    const error = await client().images.generate({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('Unknown name "stream"');
  });

  it.each([
    ['no prompt', { model: 'dall-e-3' }, 'prompt'],
    ['an empty prompt', { prompt: '' }, 'prompt'],
    ['n 0', { prompt: 'x', n: 0 }, 'n'],
    ['n 11', { prompt: 'x', n: 11 }, 'n'],
    ['an unknown response_format', { prompt: 'x', response_format: 'gif' }, 'response_format'],
    ['a bad size', { prompt: 'x', size: 'large' }, 'size'],
    ['stream', { prompt: 'x', stream: true }, 'stream'],
  ])('%s: a 400 in OpenAI\'s shape naming the field, no upstream call', async (_name, body, param) => {
    const response = await post('/v1/images/generations', JSON.stringify(body), 'application/json');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error', param, code: 'GP_BAD_REQUEST' } });
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('a body that is not JSON is a 400, and GET is a 405, neither calling upstream', async () => {
    expect((await post('/v1/images/generations', 'prompt=x', 'application/json')).status).toBe(400);
    const get = await rawRequest(h.proxy.url, { path: '/v1/images/generations', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
    expect(JSON.parse(get.body)).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(h.upstream.requests).toHaveLength(0);
  });
});

describe('images.edit', () => {
  it('one image: an inlineData part, then the prompt', async () => {
    const result = await client().images.edit({ image: await png(), prompt: 'add a hat', size: '1536x1024' });
    expect(paths()).toEqual(['/v1beta/models/gemini-2.5-flash-image:generateContent']);
    expect(h.upstream.sentJson(0)).toStrictEqual({
      contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }, { text: 'add a hat' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '3:2' } },
    });
    expect(Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64').equals(PNG)).toBe(true);
  });

  it('two images (sent as image[]), n: 2, url: both images then the prompt, in two calls', async () => {
    const jpeg = await toFile(JPEG, 'b.jpg', { type: 'image/jpeg' });
    const result = await client().images.edit({ image: [await png(), jpeg], prompt: 'merge them', n: 2, response_format: 'url', model: 'gpt-image-1' });
    expect(paths()).toEqual(Array(2).fill('/v1beta/models/gemini-2.5-flash-image:generateContent'));
    expect(sentParts(h.upstream.sentJson(1))).toStrictEqual([
      { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
      { inlineData: { mimeType: 'image/jpeg', data: JPEG.toString('base64') } },
      { text: 'merge them' },
    ]);
    expect(result.data?.map((image) => image.url)).toEqual(Array(2).fill(`data:image/png;base64,${PNG_BASE64}`));
  });

  it('the bytes decide the type, not the declared one', async () => {
    await client().images.edit({ image: await toFile(JPEG, 'mislabelled.png', { type: 'image/png' }), prompt: 'x' });
    expect(sentParts(h.upstream.sentJson(0))[0]).toStrictEqual({ inlineData: { mimeType: 'image/jpeg', data: JPEG.toString('base64') } });
  });

  it('a mask is a BadRequestError naming mask, no upstream call', async () => {
    const error = await client().images.edit({ image: await png(), mask: await png('mask.png'), prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'mask' });
    expect((error as Error).message).toContain('no mask');
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('a refused edit is a BadRequestError', async () => {
    h.upstream.setDefault(answerWith(refusedAnswer('PROHIBITED_CONTENT', '')));
    const error = await client().images.edit({ image: await png(), prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('finish reason PROHIBITED_CONTENT');
  });

  it.each([
    ['no image', {}, [], 'image'],
    ['no prompt', {}, [{ name: 'image', data: PNG }], 'prompt'],
    ['a text file', { prompt: 'x' }, [{ name: 'image', data: Buffer.from('just some text, not an image') }], 'image'],
    ['n out of range', { prompt: 'x', n: '12' }, [{ name: 'image', data: PNG }], 'n'],
    ['a bad response_format', { prompt: 'x', response_format: 'webp' }, [{ name: 'image', data: PNG }], 'response_format'],
    ['more files than an edit takes', { prompt: 'x' }, Array.from({ length: 18 }, () => ({ name: 'image[]', data: PNG })), null],
  ])('%s: a 400 naming the field, no upstream call', async (_name, fields, files, param) => {
    const boundary = 'test-boundary-1';
    const response = await post('/v1/images/edits', multipart(boundary, fields, files), `multipart/form-data; boundary=${boundary}`);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error', param } });
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('a JSON body, or a broken form, is a 400, no upstream call', async () => {
    const json = await post('/v1/images/edits', JSON.stringify({ prompt: 'x', image: PNG_BASE64 }), 'application/json');
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body)).toMatchObject({ error: { message: 'the request body must be multipart/form-data' } });
    const cut = multipart('b', { prompt: 'x' }, [{ name: 'image', data: PNG }]).subarray(0, 90);
    const broken = await post('/v1/images/edits', cut, 'multipart/form-data; boundary=b');
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'GP_BAD_REQUEST' } });
    expect(h.upstream.requests).toHaveLength(0);
  });

  describe('with a 4 KiB body limit', () => {
    beforeEach(async () => {
      await h.restart({ settings: { proxyKeys: [TOKEN], maxBodyBytes: 4096 } });
    });

    it('an oversized form is a 413 in OpenAI\'s shape, no upstream call', async () => {
      const big = Buffer.concat([PNG, Buffer.alloc(8192)]);
      const error = await client().images.edit({ image: await toFile(big, 'big.png', { type: 'image/png' }), prompt: 'x' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error).toMatchObject({ status: 413, code: 'GP_BODY_TOO_LARGE', type: 'invalid_request_error' });
      expect(h.upstream.requests).toHaveLength(0);
    });

    it('a chunked form (no Content-Length) is refused with 413 while it is read', async () => {
      const body = multipart('c', { prompt: 'x' }, [{ name: 'image', data: Buffer.concat([PNG, Buffer.alloc(16384)]) }]);
      const response = await postChunked('/v1/images/edits', body, 'multipart/form-data; boundary=c');
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'GP_BODY_TOO_LARGE' } });
      expect(h.upstream.requests).toHaveLength(0);
    });

    it('a form within the limit still works', async () => {
      const result = await client().images.edit({ image: await png(), prompt: 'x' });
      expect(result.data?.[0]?.b64_json).toBe(PNG_BASE64);
    });
  });
});

describe('the image answer shape', () => {
  it('an answer with only a thought image is refused, not passed off as the image', async () => {
    const drafts = imageAnswer();
    const candidate = (drafts['candidates'] as { content: { parts: Record<string, unknown>[] } }[])[0];
    for (const part of candidate?.content.parts ?? []) part['thought'] = true;
    h.upstream.setDefault(answerWith(drafts));
    const error = await client().images.generate({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

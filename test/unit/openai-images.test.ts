/** OpenAI images requests → Gemini image-model bodies, and their answers back (wire-formats-2 §5). */

import { describe, expect, it } from 'vitest';
import { generatedImage, imagesUsage, toImagesResponse } from '../../src/protocols/openai/images-answer.js';
import {
  aspectRatioFor, translateImageEdit, translateImageGeneration, type ImageForm, type ImageOptions,
} from '../../src/protocols/openai/images.js';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { imageAnswer, JPEG, PNG, PNG_BASE64, refusedAnswer, WEBP } from '../support/fake-images.js';

const IMAGE_MODEL = 'gemini-2.5-flash-image';
const OPTIONS: ImageOptions = {
  imageModel: IMAGE_MODEL,
  resolveModel: (name) => (name === 'house-style' ? 'gemini-3-pro-image-preview' : name),
};

function form(fields: Record<string, string>, files: { field: string; data: Buffer }[] = [{ field: 'image', data: PNG }]): ImageForm {
  return { fields: new Map(Object.entries(fields)), files };
}

describe('translateImageGeneration', () => {
  it('a prompt → one user turn asking for text and image, the default model, one b64 image', () => {
    expect(translateImageGeneration({ prompt: 'a red fox' }, OPTIONS)).toStrictEqual({
      model: IMAGE_MODEL,
      requestedModel: '',
      n: 1,
      responseFormat: 'b64_json',
      body: { contents: [{ role: 'user', parts: [{ text: 'a red fox' }] }], generationConfig: { responseModalities: ['TEXT', 'IMAGE'] } },
    });
  });

  it('n, response_format and size are carried; ignored fields change nothing', () => {
    const request = translateImageGeneration({
      prompt: 'x', n: 3, response_format: 'url', size: '1536x1024',
      quality: 'hd', style: 'vivid', background: 'transparent', moderation: 'low', output_format: 'webp', output_compression: 50, user: 'u1',
    }, OPTIONS);
    expect(request).toMatchObject({ n: 3, responseFormat: 'url' });
    expect(request.body.generationConfig).toStrictEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '3:2' } });
  });

  it.each([
    [undefined, IMAGE_MODEL],
    [null, IMAGE_MODEL],
    ['', IMAGE_MODEL],
    ['dall-e-3', IMAGE_MODEL],
    ['dall-e-2', IMAGE_MODEL],
    ['gpt-image-1', IMAGE_MODEL],
    ['chatgpt-image-latest', IMAGE_MODEL],
    ['imagen-4.0-generate-001', IMAGE_MODEL],
    ['models/imagen-3.0-generate-002', IMAGE_MODEL],
    ['gemini-3-pro-image-preview', 'gemini-3-pro-image-preview'],
    ['models/gemini-2.5-flash-image', 'gemini-2.5-flash-image'],
    ['house-style', 'gemini-3-pro-image-preview'],
  ])('model %s → %s', (model, expected) => {
    expect(translateImageGeneration({ prompt: 'x', model }, OPTIONS).model).toBe(expected);
  });

  it.each([
    [{}, 'prompt', 'prompt is required'],
    [{ prompt: '   ' }, 'prompt', 'prompt is required'],
    [{ prompt: 7 }, 'prompt', 'must be a string'],
    [{ prompt: 'x', n: 0 }, 'n', 'from 1 to 10'],
    [{ prompt: 'x', n: 11 }, 'n', 'from 1 to 10'],
    [{ prompt: 'x', n: 1.5 }, 'n', 'an integer'],
    [{ prompt: 'x', response_format: 'png' }, 'response_format', 'b64_json or url'],
    [{ prompt: 'x', size: 'big' }, 'size', 'WIDTHxHEIGHT'],
    [{ prompt: 'x', size: '0x1024' }, 'size', 'WIDTHxHEIGHT'],
    [{ prompt: 'x', size: '1024X1024' }, 'size', 'WIDTHxHEIGHT'],
    [{ prompt: 'x', stream: true }, 'stream', 'not supported'],
    [{ prompt: 'x', model: 'bad/model' }, 'model', 'Gemini model id'],
  ])('%j is a 400 naming %s', (body, param, message) => {
    const error = proxyErrorOf(() => translateImageGeneration(body, OPTIONS));
    expect(error).toMatchObject({ code: 'GP_BAD_REQUEST', status: 400, param });
    expect(error.message).toContain(message);
  });
});

describe('aspectRatioFor', () => {
  it.each([
    [undefined, undefined], ['auto', undefined],
    ['256x256', '1:1'], ['512x512', '1:1'], ['1024x1024', '1:1'],
    ['1536x1024', '3:2'], ['1024x1536', '2:3'],
    ['1792x1024', '16:9'], ['1024x1792', '9:16'], ['1536x864', '16:9'],
    ['1024x768', '4:3'], ['768x1024', '3:4'], ['1280x1024', '5:4'], ['1024x1280', '4:5'],
    ['2560x1080', '21:9'], ['3000x1000', '21:9'], ['1000x3000', '9:16'],
  ])('%s → %s', (size, ratio) => {
    expect(aspectRatioFor(size)).toBe(ratio);
  });
});

describe('translateImageEdit', () => {
  it('the images as inlineData parts (type read from the bytes), then the prompt', () => {
    const request = translateImageEdit(form({ prompt: 'add a hat', n: '2', size: '1024x1536', response_format: 'url', stream: 'false' }, [
      { field: 'image[]', data: PNG }, { field: 'image[]', data: JPEG }, { field: 'image[]', data: WEBP },
    ]), OPTIONS);
    expect(request).toMatchObject({ model: IMAGE_MODEL, n: 2, responseFormat: 'url' });
    expect(request.body).toStrictEqual({
      contents: [{
        role: 'user',
        parts: [
          { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
          { inlineData: { mimeType: 'image/jpeg', data: JPEG.toString('base64') } },
          { inlineData: { mimeType: 'image/webp', data: WEBP.toString('base64') } },
          { text: 'add a hat' },
        ],
      }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '2:3' } },
    });
  });

  it.each([
    ['a mask file', form({ prompt: 'x' }, [{ field: 'image', data: PNG }, { field: 'mask', data: PNG }]), 'mask', 'no mask'],
    ['a mask field', form({ prompt: 'x', mask: 'abc' }), 'mask', 'no mask'],
    ['no image', form({ prompt: 'x' }, []), 'image', 'image is required'],
    ['image as text', form({ prompt: 'x', image: 'https://example.com/a.png' }, []), 'image', 'must be a file'],
    ['a gif', form({ prompt: 'x' }, [{ field: 'image', data: Buffer.from('GIF89a........') }]), 'image', 'png, jpeg or webp'],
    ['not an image', form({ prompt: 'x' }, [{ field: 'image[]', data: PNG }, { field: 'image[]', data: Buffer.from('hello world!!!!!') }]), 'image[1]', 'png, jpeg or webp'],
    ['an empty file', form({ prompt: 'x' }, [{ field: 'image', data: Buffer.alloc(0) }]), 'image', 'png, jpeg or webp'],
    ['another file field', form({ prompt: 'x' }, [{ field: 'image', data: PNG }, { field: 'photo', data: PNG }]), 'photo', 'not a file field'],
    ['17 images', form({ prompt: 'x' }, Array.from({ length: 17 }, () => ({ field: 'image[]', data: PNG }))), 'image', 'at most 16'],
    ['no prompt', form({}), 'prompt', 'prompt is required'],
    ['n as words', form({ prompt: 'x', n: 'two' }), 'n', 'from 1 to 10'],
    ['n too large', form({ prompt: 'x', n: '11' }), 'n', 'from 1 to 10'],
    ['stream', form({ prompt: 'x', stream: 'true' }), 'stream', 'not supported'],
    ['a bad response_format', form({ prompt: 'x', response_format: 'jpeg' }), 'response_format', 'b64_json or url'],
  ])('%s is a 400 naming %s', (_name, edit, param, message) => {
    const error = proxyErrorOf(() => translateImageEdit(edit, OPTIONS));
    expect(error).toMatchObject({ code: 'GP_BAD_REQUEST', status: 400, param });
    expect(error.message).toContain(message);
  });
});

describe('image answers', () => {
  it('the last image part that is not a thought, and the text beside it', () => {
    const answer = {
      candidates: [{
        content: {
          role: 'model',
          parts: [
            { text: 'drafting', thought: true },
            { inlineData: { mimeType: 'image/png', data: 'ZHJhZnQ=' }, thought: true },
            { text: 'A fox ' },
            { inlineData: { mimeType: 'image/jpeg', data: 'ZmluYWw=' } },
            { text: 'in the snow.' },
          ],
        },
        finishReason: 'STOP',
      }],
    };
    expect(generatedImage(answer as GenerateContentResponse)).toStrictEqual({ mimeType: 'image/jpeg', data: 'ZmluYWw=', text: 'A fox in the snow.', usage: undefined });
  });

  it.each([
    ['IMAGE_SAFETY with text', refusedAnswer('IMAGE_SAFETY', 'I cannot.'), 'finish reason IMAGE_SAFETY'],
    ['PROHIBITED_CONTENT', refusedAnswer('PROHIBITED_CONTENT', ''), 'finish reason PROHIBITED_CONTENT'],
    ['SAFETY without parts', { candidates: [{ content: { role: 'model' }, finishReason: 'SAFETY' }] }, 'finish reason SAFETY'],
    ['text only', refusedAnswer('STOP', 'Here is a poem instead.'), 'the model returned no image: "Here is a poem instead."'],
    ['a blocked prompt', { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }, 'the prompt was blocked (PROHIBITED_CONTENT)'],
    ['a non-image inline part', { candidates: [{ content: { parts: [{ inlineData: { mimeType: 'audio/wav', data: 'AAAA' } }] }, finishReason: 'STOP' }] }, 'no image'],
  ])('%s: a 400 saying why', (_name, answer, message) => {
    const error = proxyErrorOf(() => generatedImage(answer as GenerateContentResponse));
    expect(error).toMatchObject({ code: 'GP_CONTENT_REFUSED', status: 400, param: 'prompt' });
    expect(error.message).toContain(message);
  });

  it('a long refusal text is cut in the message', () => {
    const error = proxyErrorOf(() => generatedImage(refusedAnswer('IMAGE_SAFETY', 'x'.repeat(2000)) as GenerateContentResponse));
    expect(error.message.length).toBeLessThan(600);
  });

  it('b64_json, revised_prompt from the text, output_format from the type, usage summed', () => {
    const images = [generatedImage(imageAnswer() as GenerateContentResponse), generatedImage(imageAnswer({ text: undefined }) as GenerateContentResponse)];
    expect(toImagesResponse(images, 'b64_json', 1_700_000_000)).toStrictEqual({
      created: 1_700_000_000,
      data: [{ b64_json: PNG_BASE64, revised_prompt: 'Here is your image.' }, { b64_json: PNG_BASE64 }],
      output_format: 'png',
      usage: {
        input_tokens: 24, output_tokens: 2580, total_tokens: 2604,
        input_tokens_details: { text_tokens: 16, image_tokens: 8 },
        output_tokens_details: { text_tokens: 0, image_tokens: 2580 },
      },
    });
  });

  it('url: a data: URL with the image\'s own type', () => {
    const image = generatedImage(imageAnswer({ mimeType: 'image/jpeg', data: '/9j/' }) as GenerateContentResponse);
    expect(toImagesResponse([image], 'url', 1)).toMatchObject({ data: [{ url: 'data:image/jpeg;base64,/9j/' }], output_format: 'jpeg' });
  });

  it('usage without modality details has none; no usage at all, no usage', () => {
    const bare = { ...imageAnswer(), usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 7, thoughtsTokenCount: 3 } };
    expect(imagesUsage([generatedImage(bare as GenerateContentResponse)])).toStrictEqual({ input_tokens: 5, output_tokens: 10, total_tokens: 15 });
    const none = { ...imageAnswer(), usageMetadata: undefined };
    expect(toImagesResponse([generatedImage(none as GenerateContentResponse)], 'b64_json', 1)).not.toHaveProperty('usage');
  });
});

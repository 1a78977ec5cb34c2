/**
 * An image model's answer through real clients: the `openai` SDK (chat completions, whole and
 * streamed, and the Responses API) gets Markdown with a data: URL and OpenRouter's `images`; the
 * `ollama` client gets bare base64 in `images` (chat) or `image` (generate).
 */

import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { DRAFT_PNG, imageAnswer, imageStream, PNG_1PX } from '../support/fake-grounding.js';
import { withProxy } from '../support/harness.js';

const h = withProxy({ keys: ['pool-a'] });
const openai = (): OpenAI => new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
const ollama = (): Ollama => new Ollama({ host: h.proxy.url });
const MODEL = 'gemini-2.5-flash';
const DATA_URL = `data:image/png;base64,${PNG_1PX}`;
const CONTENT = `Here is your fox.\n\n![image](${DATA_URL})`;
const messages = [{ role: 'user' as const, content: 'Draw a fox' }];

/** The message fields the SDK's types do not know. */
type WithImages = { images?: { type: string; image_url: { url: string } }[] };

describe('images in OpenAI chat answers', () => {
  it('Markdown in content and an images list on the message; the draft image is not shown', async () => {
    h.upstream.next(imageAnswer());
    const completion = await openai().chat.completions.create({ model: MODEL, messages });
    const message = completion.choices[0]?.message as OpenAI.ChatCompletionMessage & WithImages;
    expect(message.content).toBe(CONTENT);
    expect(message.images).toEqual([{ type: 'image_url', image_url: { url: DATA_URL } }]);
    expect(JSON.stringify(completion)).not.toContain(DRAFT_PNG);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('streamed: the image is one delta with its Markdown and the images list', async () => {
    h.upstream.next(imageStream());
    const stream = await openai().chat.completions.create({ model: MODEL, messages, stream: true });
    const deltas = [];
    for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta as OpenAI.ChatCompletionChunk.Choice.Delta & WithImages);
    expect(deltas.map((delta) => delta.content ?? '').join('')).toBe(CONTENT);
    const withImages = deltas.filter((delta) => delta.images !== undefined);
    expect(withImages).toEqual([{ content: `\n\n![image](${DATA_URL})`, images: [{ type: 'image_url', image_url: { url: DATA_URL } }] }]);
  });

  it('the image shown comes back as an image part when the conversation goes on', async () => {
    await openai().chat.completions.create({
      model: MODEL,
      messages: [...messages, { role: 'assistant', content: CONTENT }, { role: 'user', content: 'Make it blue' }],
    });
    const contents = h.upstream.sentJson(0)['contents'];
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: 'Draw a fox' }] },
      { role: 'model', parts: [{ text: 'Here is your fox.' }, { inlineData: { mimeType: 'image/png', data: PNG_1PX } }] },
      { role: 'user', parts: [{ text: 'Make it blue' }] },
    ]);
  });

  it('Responses: an image shown in an earlier output_text comes back as an image part', async () => {
    await openai().responses.create({
      model: MODEL,
      input: [
        { role: 'user', content: 'Draw a fox' },
        { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: CONTENT, annotations: [] }] },
        { role: 'user', content: 'Make it blue' },
      ],
    });
    expect(h.upstream.sentJson(0)['contents']).toEqual([
      { role: 'user', parts: [{ text: 'Draw a fox' }] },
      { role: 'model', parts: [{ text: 'Here is your fox.' }, { inlineData: { mimeType: 'image/png', data: PNG_1PX } }] },
      { role: 'user', parts: [{ text: 'Make it blue' }] },
    ]);
  });

  it('Responses: the image as Markdown in output_text, whole and streamed', async () => {
    h.upstream.next(imageAnswer());
    const response = await openai().responses.create({ model: MODEL, input: 'Draw a fox' });
    expect(response.output_text).toBe(CONTENT);
    h.upstream.next(imageStream());
    const final = await openai().responses.stream({ model: MODEL, input: 'Draw a fox' }).finalResponse();
    expect(final.output_text).toBe(CONTENT);
    expect(final.output).toHaveLength(1);
  });
});

describe('images in Ollama answers', () => {
  it('chat: message.images holds the bare base64, content the text', async () => {
    h.upstream.next(imageAnswer());
    const response = await ollama().chat({ model: MODEL, messages, stream: false });
    expect(response.message).toMatchObject({ role: 'assistant', content: 'Here is your fox.', images: [PNG_1PX] });
    expect(response.done).toBe(true);
  });

  it('chat: the images of an earlier answer go back with the model\'s turn', async () => {
    await ollama().chat({
      model: MODEL, stream: false,
      messages: [...messages, { role: 'assistant', content: 'Here is your fox.', images: [PNG_1PX] }, { role: 'user', content: 'Make it blue' }],
    });
    expect(h.upstream.sentJson(0)['contents']).toEqual([
      { role: 'user', parts: [{ text: 'Draw a fox' }] },
      { role: 'model', parts: [{ text: 'Here is your fox.' }, { inlineData: { mimeType: 'image/png', data: PNG_1PX } }] },
      { role: 'user', parts: [{ text: 'Make it blue' }] },
    ]);
  });

  it('streamed chat: the part holding the image carries it', async () => {
    h.upstream.next(imageStream());
    const parts = [];
    for await (const part of await ollama().chat({ model: MODEL, messages, stream: true })) parts.push(part);
    expect(parts.map((part) => part.message.content).join('')).toBe('Here is your fox.');
    // The proxy answers base64 strings; the client's type also allows the byte arrays requests may carry.
    expect(parts.flatMap((part) => (part.message.images ?? []) as string[])).toEqual([PNG_1PX]);
    expect(parts.at(-1)?.done).toBe(true);
  });

  it('generate: the image field, whole and streamed', async () => {
    h.upstream.next(imageAnswer());
    const whole = await ollama().generate({ model: MODEL, prompt: 'Draw a fox', stream: false });
    expect(whole).toMatchObject({ response: 'Here is your fox.', image: PNG_1PX, done: true });
    h.upstream.next(imageStream());
    const images = [];
    for await (const part of await ollama().generate({ model: MODEL, prompt: 'Draw a fox', stream: true })) if (part.image) images.push(part.image);
    expect(images).toEqual([PNG_1PX]);
  });
});

/** OpenAI's speech API through the official `openai` SDK, in front of a fake Gemini TTS model. */

import OpenAI from 'openai';
import type { SpeechCreateParams } from 'openai/resources/audio/speech';
import { describe, expect, it } from 'vitest';
import { fail } from '../support/behaviours.js';
import { answers, parseWav, pcmSamples, speaks, SPOKEN_PCM } from '../support/fake-speech.js';
import { withProxy } from '../support/harness.js';
import { rawRequest } from '../support/http.js';

const TTS_PATH = '/v1beta/models/gemini-2.5-flash-preview-tts:generateContent';
const h = withProxy({ keys: ['pool-a', 'pool-b'], aliases: { 'house-voice': 'gemini-2.5-pro-preview-tts' } });
const client = (prefix = '/v1'): OpenAI => new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}${prefix}`, maxRetries: 0 });

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

/** The speech config and text of the `index`th upstream call. */
function sentSpeech(index = 0): { text: unknown; voiceName: unknown; modalities: unknown } {
  const body = h.upstream.sentJson(index) as {
    contents: { parts: { text: unknown }[] }[];
    generationConfig: { responseModalities: unknown; speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: unknown } } } };
  };
  return {
    text: body.contents[0]?.parts[0]?.text,
    voiceName: body.generationConfig.speechConfig.voiceConfig.prebuiltVoiceConfig.voiceName,
    modalities: body.generationConfig.responseModalities,
  };
}

describe('speech through the openai SDK', () => {
  it('wav: a RIFF/WAVE file holding the PCM Gemini sent, 24 kHz mono 16-bit', async () => {
    h.upstream.setDefault(speaks());
    const response = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi', response_format: 'wav' });
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const wav = parseWav(await bytesOf(response));
    expect(wav).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 24_000, bitsPerSample: 16, byteRate: 48_000, blockAlign: 2 });
    expect(wav.data).toHaveLength(SPOKEN_PCM.length);
    expect(wav.data.equals(SPOKEN_PCM)).toBe(true);
    expect(h.upstream.requests).toHaveLength(1);
    expect(h.upstream.requests[0]?.pathname).toBe(TTS_PATH);
    expect(h.upstream.requests[0]?.headers['x-goog-api-key']).toMatch(/^pool-[ab]$/);
    expect(h.upstream.sentJson(0)).toStrictEqual({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      generationConfig: { responseModalities: ['AUDIO'], speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } } } },
    });
  });

  it('no response_format (OpenAI\'s mp3): WAV all the same', async () => {
    h.upstream.setDefault(speaks());
    const response = await client().audio.speech.create({ model: 'tts-1-hd', voice: 'onyx', input: 'default format' });
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(parseWav(await bytesOf(response)).data.equals(SPOKEN_PCM)).toBe(true);
    expect(sentSpeech()).toMatchObject({ text: 'default format', voiceName: 'Orus' });
  });

  it('pcm: the raw samples, byte for byte', async () => {
    const pcm = pcmSamples(5_001);
    h.upstream.setDefault(speaks(pcm));
    const response = await client().audio.speech.create({ model: 'tts-1', voice: 'echo', input: 'raw', response_format: 'pcm' });
    expect(response.headers.get('content-type')).toBe('audio/pcm');
    expect((await bytesOf(response)).equals(pcm)).toBe(true);
  });

  it('the voice is mapped and the instructions become the style prompt before the input', async () => {
    h.upstream.setDefault(speaks());
    await client().audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'coral', input: 'Good morning', instructions: 'Speak cheerfully' });
    await client().audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'puck', input: 'a Gemini voice' });
    await client().audio.speech.create({ model: 'gpt-4o-mini-tts', voice: { id: 'Charon' }, input: 'a voice object', speed: 2 });
    expect(sentSpeech(0)).toStrictEqual({ text: 'Speak cheerfully: Good morning', voiceName: 'Sulafat', modalities: ['AUDIO'] });
    expect(sentSpeech(1)).toMatchObject({ text: 'a Gemini voice', voiceName: 'Puck' });
    expect(sentSpeech(2)).toMatchObject({ text: 'a voice object', voiceName: 'Charon' });
    for (const request of h.upstream.requests) expect(request.pathname).toBe(TTS_PATH);
  });

  it('a Gemini model is sent as named; an alias to one too', async () => {
    h.upstream.setDefault(speaks());
    await client().audio.speech.create({ model: 'gemini-2.5-pro-preview-tts', voice: 'alloy', input: 'pro' });
    await client().audio.speech.create({ model: 'house-voice', voice: 'alloy', input: 'aliased' });
    expect(h.upstream.requests.map((request) => request.pathname)).toStrictEqual([
      '/v1beta/models/gemini-2.5-pro-preview-tts:generateContent',
      '/v1beta/models/gemini-2.5-pro-preview-tts:generateContent',
    ]);
  });

  it('--speech-model is what OpenAI\'s model names call', async () => {
    await h.restart({ settings: { speechModel: 'gemini-3.1-flash-tts-preview' } });
    h.upstream.setDefault(speaks());
    await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'configured' });
    expect(h.upstream.requests[0]?.pathname).toBe('/v1beta/models/gemini-3.1-flash-tts-preview:generateContent');
  });

  it('a rate of 16000 in Gemini\'s mime type gives a 16 kHz WAV header', async () => {
    h.upstream.setDefault(speaks(SPOKEN_PCM, 16_000));
    const response = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'slow', response_format: 'wav' });
    expect(parseWav(await bytesOf(response))).toMatchObject({ sampleRate: 16_000, byteRate: 32_000, data: SPOKEN_PCM });
  });

  it('the same API under /hf/v1 and /openai/v1', async () => {
    h.upstream.setDefault(speaks());
    for (const prefix of ['/hf/v1', '/openai/v1']) {
      const response = await client(prefix).audio.speech.create({ model: 'tts-1', voice: 'nova', input: prefix, response_format: 'wav' });
      expect(parseWav(await bytesOf(response)).data.equals(SPOKEN_PCM)).toBe(true);
    }
    expect(h.upstream.requests.map((request) => request.pathname)).toStrictEqual([TTS_PATH, TTS_PATH]);
  });
});

describe('speech errors through the openai SDK', () => {
  it('mp3 is a BadRequestError naming response_format, with no upstream call', async () => {
    const error = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi', response_format: 'mp3' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'response_format' });
    expect((error as Error).message).toContain('mp3 is not supported');
    expect(h.upstream.requests).toHaveLength(0);
  });

  const good = { model: 'tts-1', voice: 'alloy', input: 'hi' };
  it.each([
    ['input missing', { input: undefined }, 'input'],
    ['input empty', { input: '' }, 'input'],
    ['input over 4096 characters', { input: 'a'.repeat(4097) }, 'input'],
    ['voice missing', { voice: undefined }, 'voice'],
    ['an unknown voice', { voice: 'robot' }, 'voice'],
    ['an unknown custom voice', { voice: { id: 'voice_1234' } }, 'voice'],
    ['opus', { response_format: 'opus' }, 'response_format'],
    ['aac', { response_format: 'aac' }, 'response_format'],
    ['flac', { response_format: 'flac' }, 'response_format'],
    ['an unknown format', { response_format: 'ogg' }, 'response_format'],
    ['speed 0.1', { speed: 0.1 }, 'speed'],
    ['speed 5', { speed: 5 }, 'speed'],
    ['sse streaming', { stream_format: 'sse' }, 'stream_format'],
    ['model missing', { model: undefined }, 'model'],
  ])('%s: a BadRequestError naming %s, with no upstream call', async (_name, fields, param) => {
    const params = { ...good, ...fields } as unknown as SpeechCreateParams;
    const error = await client().audio.speech.create(params).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param });
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('every key rate-limited: a RateLimitError with Retry-After, after both keys', async () => {
    h.upstream.setDefault(fail('quotaPerMinute', '30s'));
    const error = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('30');
    expect(new Set(h.upstream.requests.map((request) => request.key))).toStrictEqual(new Set(['pool-a', 'pool-b']));
  });

  it('Google\'s 400 (a model without audio output) comes back with Google\'s message', async () => {
    h.upstream.setDefault(fail('invalidArgument'));
    const error = await client().audio.speech.create({ model: 'gemini-2.5-flash', voice: 'alloy', input: 'hi' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('Unknown name "stream"');
  });

  it('Gemini refusing the input (PROHIBITED_CONTENT, no audio): a BadRequestError on input', async () => {
    h.upstream.setDefault(answers({ candidates: [{ content: { role: 'model' }, finishReason: 'PROHIBITED_CONTENT', index: 0 }] }));
    const error = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'input', code: 'content_policy_violation' });
    expect((error as Error).message).toContain('PROHIBITED_CONTENT');
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('text instead of audio is the upstream\'s fault: a 502 the SDK is told not to retry', async () => {
    h.upstream.setDefault(answers({ candidates: [{ content: { role: 'model', parts: [{ text: 'I cannot speak' }] }, finishReason: 'STOP', index: 0 }] }));
    const error = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 502, type: 'server_error', code: 'GP_UPSTREAM_BAD_ANSWER' });
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).headers?.get('x-should-retry')).toBe('false');
  });

  it('GET is OpenAI\'s 405, and a form body OpenAI\'s 400, before any key is used', async () => {
    const get = await rawRequest(h.proxy.url, { path: '/v1/audio/speech' });
    expect(get.status).toBe(405);
    expect(JSON.parse(get.body)).toMatchObject({ error: { type: 'invalid_request_error' } });
    const form = await rawRequest(h.proxy.url, {
      method: 'POST', path: '/v1/audio/speech', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'input=hi',
    });
    expect(form.status).toBe(400);
    expect(JSON.parse(form.body)).toMatchObject({ error: { code: 'GP_BAD_JSON' } });
    expect(h.upstream.requests).toHaveLength(0);
  });
});

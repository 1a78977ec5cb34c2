/** OpenAI speech ↔ Gemini TTS (wire-formats-2 §5.3, §5.5): the WAV header, the voice map, the request, the answer. */

import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../src/protocols/gemini/types.js';
import {
  GEMINI_VOICES, MAX_SPEECH_INPUT_CHARS, OPENAI_VOICES, geminiVoice, spokenText, toSpeechAnswer, translateSpeechRequest,
  type SpeechModels,
} from '../../src/protocols/openai/speech.js';
import { DEFAULT_PCM_RATE, WAV_HEADER_BYTES, parsePcmMimeType, wavHeader } from '../../src/protocols/shared/wav.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { parseWav, pcmMimeType, pcmSamples, speechAnswer } from '../support/fake-speech.js';

const TTS = 'gemini-2.5-flash-preview-tts';
const models: SpeechModels = {
  resolveModel: (name) => ({ 'house-voice': 'gemini-2.5-pro-preview-tts', 'gemini-old-tts': 'gemini-new-tts' } as Record<string, string>)[name] ?? name,
  speechModel: TTS,
};

describe('parsePcmMimeType', () => {
  it.each([
    ['audio/L16;codec=pcm;rate=24000', 24_000, 1],
    ['audio/L16;codec=pcm;rate=16000', 16_000, 1],
    ['audio/l16; rate=44100; channels=2', 44_100, 2],
    ['AUDIO/PCM;RATE="8000"', 8_000, 1],
    ['audio/L16;codec=pcm', DEFAULT_PCM_RATE, 1],
  ])('%s → %i Hz, %i channel(s), 16 bits', (mime, sampleRate, channels) => {
    expect(parsePcmMimeType(mime)).toStrictEqual({ sampleRate, channels, bitsPerSample: 16 });
  });

  it.each([
    'audio/mpeg', 'audio/wav', 'audio/L24;rate=24000', 'audio/L16;codec=opus;rate=24000', 'audio/L16;rate=0',
    'audio/L16;rate=24k', 'audio/L16;rate=-1', 'audio/L16;rate=99999999', 'audio/L16;rate=24000;channels=0', '',
  ])('%s is not raw 16-bit PCM it can read', (mime) => {
    expect(parsePcmMimeType(mime)).toBeUndefined();
  });
});

describe('wavHeader', () => {
  it('is 44 bytes that, with the samples, read back as a PCM WAV file of that format', () => {
    const pcm = pcmSamples(10);
    const header = wavHeader(pcm.length, { sampleRate: 24_000, channels: 1, bitsPerSample: 16 });
    expect(header).toHaveLength(WAV_HEADER_BYTES);
    expect(parseWav(Buffer.concat([header, pcm]))).toStrictEqual({
      audioFormat: 1, channels: 1, sampleRate: 24_000, byteRate: 48_000, blockAlign: 2, bitsPerSample: 16,
      riffSize: 36 + pcm.length, data: pcm,
    });
  });

  it('stereo at 16 kHz: byte rate and block align follow the channels', () => {
    const wav = parseWav(Buffer.concat([wavHeader(8, { sampleRate: 16_000, channels: 2, bitsPerSample: 16 }), Buffer.alloc(8)]));
    expect(wav).toMatchObject({ channels: 2, sampleRate: 16_000, byteRate: 64_000, blockAlign: 4 });
  });

  it('an empty data chunk is still a well-formed file', () => {
    expect(parseWav(wavHeader(0, { sampleRate: 24_000, channels: 1, bitsPerSample: 16 }))).toMatchObject({ riffSize: 36, data: Buffer.alloc(0) });
  });
});

describe('the voice map', () => {
  it('maps each of OpenAI\'s 13 voices to a different Gemini prebuilt voice', () => {
    const openAi = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];
    expect(Object.keys(OPENAI_VOICES).sort()).toStrictEqual([...openAi].sort());
    const mapped = openAi.map(geminiVoice);
    expect(new Set(mapped).size).toBe(openAi.length);
    for (const voice of mapped) expect(GEMINI_VOICES).toContain(voice);
    expect(geminiVoice('alloy')).toBe('Kore');
  });

  it('takes Gemini\'s 30 voices by name in any case, and an {id} like a name', () => {
    expect(GEMINI_VOICES).toHaveLength(30);
    for (const voice of GEMINI_VOICES) expect(geminiVoice(voice.toUpperCase())).toBe(voice);
    expect(geminiVoice('zubenelgenubi')).toBe('Zubenelgenubi');
    expect(geminiVoice({ id: 'puck' })).toBe('Puck');
    expect(geminiVoice({ id: 'Shimmer' })).toBe('Achernar');
  });

  it.each([
    ['missing', undefined, 'voice is required'],
    ['empty', '', 'voice is required'],
    ['unknown', 'voice_1234', 'voice must be one of alloy'],
    ['not a string', 7, 'voice must be a string'],
    ['an id that is unknown', { id: 'voice_1234' }, 'voice must be one of'],
    ['an id that is not a string', { id: 3 }, 'voice.id must be a string'],
  ])('a voice %s is a 400 naming it', (_name, voice, message) => {
    const error = proxyErrorOf(() => geminiVoice(voice));
    expect(error).toMatchObject({ code: 'GP_BAD_REQUEST', status: 400 });
    expect(error.param).toMatch(/^voice/);
    expect(error.message).toContain(message);
  });
});

describe('translateSpeechRequest', () => {
  it('OpenAI\'s model, voice and input → the speech model, the prebuilt voice, an audio-only generation', () => {
    expect(translateSpeechRequest({ model: 'tts-1', voice: 'alloy', input: 'hi' }, models)).toStrictEqual({
      model: TTS,
      requestedModel: 'tts-1',
      format: 'wav',
      body: {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        generationConfig: { responseModalities: ['AUDIO'], speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } } } },
      },
    });
  });

  it.each([
    ['tts-1-hd', TTS],
    ['gpt-4o-mini-tts', TTS],
    ['gpt-4o-mini-tts-2025-12-15', TTS],
    ['some other vendor model', TTS],
    ['gemini-2.5-pro-preview-tts', 'gemini-2.5-pro-preview-tts'],
    ['models/gemini-2.5-pro-preview-tts', 'gemini-2.5-pro-preview-tts'],
    ['house-voice', 'gemini-2.5-pro-preview-tts'],
    ['gemini-old-tts', 'gemini-new-tts'],
  ])('model %s → %s', (model, expected) => {
    expect(translateSpeechRequest({ model, voice: 'nova', input: 'x' }, models).model).toBe(expected);
  });

  it('instructions go before the input, as the style Gemini reads first', () => {
    const request = translateSpeechRequest({ model: 'gpt-4o-mini-tts', voice: 'coral', input: 'Good morning', instructions: 'Speak cheerfully' }, models);
    expect(request.body.contents[0].parts[0].text).toBe('Speak cheerfully: Good morning');
    expect(spokenText('hi', 'Say warmly:  ')).toBe('Say warmly: hi');
    expect(spokenText('hi', '   ')).toBe('hi');
    expect(spokenText('hi', undefined)).toBe('hi');
  });

  it('wav, pcm, audio streams and any speed in range are accepted; speed changes nothing', () => {
    const base = { model: 'tts-1', voice: 'echo', input: 'x' };
    expect(translateSpeechRequest({ ...base, response_format: 'pcm' }, models).format).toBe('pcm');
    expect(translateSpeechRequest({ ...base, response_format: 'wav', stream_format: 'audio' }, models).format).toBe('wav');
    const plain = translateSpeechRequest(base, models);
    for (const speed of [0.25, 1, 4]) expect(translateSpeechRequest({ ...base, speed }, models)).toStrictEqual(plain);
  });

  it('input of exactly 4096 characters passes, counted in code points', () => {
    const emoji = '🔊'.repeat(MAX_SPEECH_INPUT_CHARS);
    expect(translateSpeechRequest({ model: 'tts-1', voice: 'echo', input: emoji }, models).body.contents[0].parts[0].text).toBe(emoji);
  });

  it.each([
    ['model missing', { model: undefined }, 'model', 'model is required'],
    ['a Gemini model id that is not one', { model: 'gemini-bad/../x' }, 'model', 'Gemini model id'],
    ['input missing', { input: undefined }, 'input', 'input is required'],
    ['input blank', { input: '  \n' }, 'input', 'input is required'],
    ['input not a string', { input: ['hi'] }, 'input', 'input must be a string'],
    ['input too long', { input: 'a'.repeat(MAX_SPEECH_INPUT_CHARS + 1) }, 'input', 'at most 4096 characters'],
    ['mp3', { response_format: 'mp3' }, 'response_format', 'mp3 is not supported'],
    ['opus', { response_format: 'opus' }, 'response_format', 'opus is not supported'],
    ['aac', { response_format: 'aac' }, 'response_format', 'aac is not supported'],
    ['flac', { response_format: 'flac' }, 'response_format', 'flac is not supported'],
    ['an unknown format', { response_format: 'ogg' }, 'response_format', 'must be wav or pcm'],
    ['speed too low', { speed: 0.2 }, 'speed', 'from 0.25 to 4'],
    ['speed too high', { speed: 4.5 }, 'speed', 'from 0.25 to 4'],
    ['speed not a number', { speed: 'fast' }, 'speed', 'must be a number'],
    ['sse streams', { stream_format: 'sse' }, 'stream_format', 'sse is not supported'],
    ['an unknown stream format', { stream_format: 'chunks' }, 'stream_format', 'must be audio'],
    ['instructions not a string', { instructions: 3 }, 'instructions', 'must be a string'],
  ])('%s is a 400 naming the field', (_name, fields, param, message) => {
    const error = proxyErrorOf(() => translateSpeechRequest({ model: 'tts-1', voice: 'alloy', input: 'hi', ...fields }, models));
    expect(error).toMatchObject({ code: 'GP_BAD_REQUEST', status: 400, param });
    expect(error.message).toContain(message);
  });
});

describe('toSpeechAnswer', () => {
  const pcm = pcmSamples(300);
  const answer = (value: unknown): GenerateContentResponse => value as GenerateContentResponse;

  it('wav: a RIFF header at the mime type\'s rate, then the samples', () => {
    const { contentType, body } = toSpeechAnswer(answer(speechAnswer(pcm, pcmMimeType(16_000))), 'wav');
    expect(contentType).toBe('audio/wav');
    expect(parseWav(body)).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 16_000, bitsPerSample: 16, data: pcm });
  });

  it('pcm: the samples as Gemini sent them', () => {
    expect(toSpeechAnswer(answer(speechAnswer(pcm)), 'pcm')).toStrictEqual({ contentType: 'audio/pcm', body: pcm });
  });

  it('several audio parts of one format are joined in order; text parts are skipped', () => {
    const [a, b] = [pcm.subarray(0, 100), pcm.subarray(100)];
    const inline = (bytes: Buffer) => ({ inlineData: { mimeType: pcmMimeType(), data: bytes.toString('base64') } });
    const response = { candidates: [{ content: { role: 'model', parts: [inline(a), { text: 'note' }, inline(b)] }, finishReason: 'STOP' }] };
    expect(toSpeechAnswer(answer(response), 'pcm').body).toStrictEqual(pcm);
  });

  it.each([
    ['a blocked prompt', { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }, 'PROHIBITED_CONTENT'],
    ['a safety stop', { candidates: [{ content: { role: 'model' }, finishReason: 'SAFETY' }] }, 'SAFETY'],
    ['a prohibited-content stop', { candidates: [{ finishReason: 'PROHIBITED_CONTENT' }] }, 'PROHIBITED_CONTENT'],
  ])('%s without audio is Gemini refusing the input: a 400 on input', (_name, response, reason) => {
    const error = proxyErrorOf(() => toSpeechAnswer(answer(response), 'wav'));
    expect(error).toMatchObject({ code: 'GP_CONTENT_REFUSED', status: 400, param: 'input' });
    expect(error.message).toContain(reason);
  });

  it.each([
    ['text instead of audio', { candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP' }] }, 'without audio (finishReason STOP)'],
    ['an OTHER stop', { candidates: [{ finishReason: 'OTHER' }] }, 'finishReason OTHER'],
    ['an image, not audio', { candidates: [{ content: { parts: [{ inlineData: { mimeType: 'image/png', data: 'AA==' } }] } }] }, 'without audio'],
    ['mp3 audio', speechAnswer(pcm, 'audio/mpeg'), 'audio/mpeg'],
    ['parts of two rates', {
      candidates: [{ content: { parts: [24_000, 16_000].map((rate) => ({ inlineData: { mimeType: pcmMimeType(rate), data: 'AAAA' } })) } }],
    }, 'rate=24000'],
  ])('%s is the upstream\'s fault: a 502', (_name, response, message) => {
    const error = proxyErrorOf(() => toSpeechAnswer(answer(response), 'wav'));
    expect(error).toMatchObject({ code: 'GP_UPSTREAM_BAD_ANSWER', status: 502 });
    expect(error.message).toContain(message);
  });
});

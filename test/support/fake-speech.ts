/**
 * A Gemini TTS model as the fake upstream plays it: a `generateContent` answer whose one part is
 * raw s16le PCM, base64, typed `audio/L16;codec=pcm;rate=…` (wire-formats-2 §5.3). Also a small
 * WAV reader, written from the RIFF layout rather than from the proxy's header code, so the
 * tests check the proxy's files against an independent reading.
 */

import type { Behaviour } from './fake-gemini.js';

/** Gemini's audio mime type at `rate` Hz. */
export function pcmMimeType(rate = 24_000): string {
  return `audio/L16;codec=pcm;rate=${rate}`;
}

/** `count` 16-bit samples of a ramp, little-endian, so every byte position is told apart. */
export function pcmSamples(count: number): Buffer {
  const pcm = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) pcm.writeInt16LE(((i * 257) % 65_536) - 32_768, i * 2);
  return pcm;
}

/** The PCM the fake speaks unless a test gives its own. */
export const SPOKEN_PCM = pcmSamples(1_200);

/** A TTS answer holding `pcm` in one audio part. */
export function speechAnswer(pcm: Buffer, mimeType = pcmMimeType()): Record<string, unknown> {
  return {
    candidates: [{
      content: { role: 'model', parts: [{ inlineData: { mimeType, data: pcm.toString('base64') } }] },
      finishReason: 'STOP', index: 0,
    }],
    usageMetadata: {
      promptTokenCount: 6, candidatesTokenCount: 40, totalTokenCount: 46,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 6 }], candidatesTokensDetails: [{ modality: 'AUDIO', tokenCount: 40 }],
    },
    modelVersion: 'gemini-2.5-flash-preview-tts',
    responseId: 'fake-speech-1',
  };
}

/** Answers any model's call with `answer` (200, JSON), as a TTS model would. */
export function answers(answer: unknown): Behaviour {
  return (_request, res) => {
    const text = JSON.stringify(answer);
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
}

/** Speaks `pcm` at `rate` Hz, whatever the text. */
export function speaks(pcm: Buffer = SPOKEN_PCM, rate = 24_000): Behaviour {
  return answers(speechAnswer(pcm, pcmMimeType(rate)));
}

/** What a WAV file's `fmt ` chunk says, and its `data` chunk's bytes. */
export interface WavFile {
  readonly audioFormat: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly byteRate: number;
  readonly blockAlign: number;
  readonly bitsPerSample: number;
  /** The RIFF chunk's declared size. */
  readonly riffSize: number;
  readonly data: Buffer;
}

/** Reads a RIFF/WAVE file chunk by chunk; throws on anything that is not one. */
export function parseWav(file: Buffer): WavFile {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  const riffSize = file.readUInt32LE(4);
  let fmt: Omit<WavFile, 'data' | 'riffSize'> | undefined;
  let data: Buffer | undefined;
  for (let at = 12; at + 8 <= file.length;) {
    const id = file.toString('ascii', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    const body = file.subarray(at + 8, at + 8 + size);
    if (body.length !== size) throw new Error(`chunk ${id} runs past the end of the file`);
    if (id === 'fmt ') {
      fmt = {
        audioFormat: body.readUInt16LE(0), channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4),
        byteRate: body.readUInt32LE(8), blockAlign: body.readUInt16LE(12), bitsPerSample: body.readUInt16LE(14),
      };
    }
    if (id === 'data') data = body;
    at += 8 + size + (size % 2);
  }
  if (fmt === undefined || data === undefined) throw new Error('a WAV file needs a fmt and a data chunk');
  return { ...fmt, riffSize, data };
}

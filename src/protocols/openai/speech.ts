/**
 * @module OpenAI's speech request (`/v1/audio/speech`) → a `generateContent` body for a Gemini TTS
 * model (wire-formats-2 §5.3, §5.5), and Gemini's answer (raw 16-bit PCM) → the audio file the
 * client asked for: WAV, or the PCM as it came. Nothing is encoded: mp3, opus, aac and flac are
 * refused before any upstream call. Pure.
 */

import { ProxyError } from '../../errors.js';
import { firstCandidate, partsOf, promptBlocked } from '../gemini/answer-parts.js';
import type { GenerateContentResponse } from '../gemini/types.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { badRequest, isObject, readNumber, readString, type Json } from '../shared/read.js';
import { parsePcmMimeType, wavHeader, type PcmFormat } from '../shared/wav.js';
import { mapFinishReason } from './response.js';

/** OpenAI's limit on `input`, in characters (code points). */
export const MAX_SPEECH_INPUT_CHARS = 4096;

/** Gemini's 30 prebuilt voices; any of them may be asked for by name, in any case. */
export const GEMINI_VOICES = [
  'Zephyr', 'Puck', 'Charon', 'Kore', 'Fenrir', 'Leda', 'Orus', 'Aoede', 'Callirrhoe', 'Autonoe',
  'Enceladus', 'Iapetus', 'Umbriel', 'Algieba', 'Despina', 'Erinome', 'Algenib', 'Rasalgethi', 'Laomedeia', 'Achernar',
  'Alnilam', 'Schedar', 'Gacrux', 'Pulcherrima', 'Achird', 'Zubenelgenubi', 'Vindemiatrix', 'Sadachbia', 'Sadaltager', 'Sulafat',
] as const;

/**
 * OpenAI's voices → the Gemini voice nearest in character (Google's own one-word descriptions
 * in brackets), each a different one, so clients that offer a choice still offer one.
 */
export const OPENAI_VOICES: Readonly<Record<string, (typeof GEMINI_VOICES)[number]>> = {
  alloy: 'Kore', // neutral, balanced → Kore (firm), Google's example voice
  ash: 'Iapetus', // clear male → Iapetus (clear)
  ballad: 'Algieba', // warm, melodic male → Algieba (smooth)
  coral: 'Sulafat', // warm, friendly female → Sulafat (warm)
  echo: 'Charon', // calm, resonant male → Charon (informative)
  fable: 'Puck', // animated storyteller → Puck (upbeat)
  onyx: 'Orus', // deep, authoritative male → Orus (firm)
  nova: 'Leda', // bright, young female → Leda (youthful)
  sage: 'Vindemiatrix', // calm, wise female → Vindemiatrix (gentle)
  shimmer: 'Achernar', // soft, clear female → Achernar (soft)
  verse: 'Fenrir', // expressive male → Fenrir (excitable)
  marin: 'Despina', // natural female → Despina (smooth)
  cedar: 'Achird', // natural male → Achird (friendly)
};

/** Lower-cased name → Gemini voice, for both vocabularies (no name is in both). */
const VOICES: ReadonlyMap<string, string> = new Map([
  ...GEMINI_VOICES.map((voice): [string, string] => [voice.toLowerCase(), voice]),
  ...Object.entries(OPENAI_VOICES),
]);

/** What the proxy answers: a WAV file, or the samples as Gemini sent them. */
export type SpeechFormat = 'wav' | 'pcm';

/** OpenAI's compressed formats: refused, since the proxy has no encoder for them. */
const ENCODED_FORMATS: ReadonlySet<string> = new Set(['mp3', 'opus', 'aac', 'flac']);

/** The body of a Gemini TTS call; its generationConfig is the speech one, not the chat one. */
export interface SpeechBody {
  contents: [{ role: 'user'; parts: [{ text: string }] }];
  generationConfig: {
    responseModalities: ['AUDIO'];
    speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: string } } };
  };
}

export interface SpeechRequest {
  /** The Gemini model id. */
  readonly model: string;
  readonly requestedModel: string;
  readonly format: SpeechFormat;
  readonly body: SpeechBody;
}

/** How model names resolve: the alias map, and the TTS model for every name that is not Gemini's. */
export interface SpeechModels {
  readonly resolveModel: ModelResolver;
  /** `--speech-model`: what `tts-1`, `gpt-4o-mini-tts` and the like become. */
  readonly speechModel: string;
}

/**
 * A name that resolves (through the aliases) to `gemini-…` is called as it is; any other name
 * (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`, …) is OpenAI's and becomes `--speech-model`.
 */
function speechModel(value: unknown, models: SpeechModels): { model: string; requested: string } {
  const requested = readString(value, 'model');
  if (!requested) throw badRequest('model', 'model is required');
  const resolved = models.resolveModel(requested.replace(/^models\//, ''));
  if (resolved.startsWith('gemini-')) return resolveModelName(value, models.resolveModel);
  return { model: models.speechModel, requested };
}

/** The Gemini voice for an OpenAI or Gemini voice name, or for `{id}` (the SDK's custom voice). */
export function geminiVoice(value: unknown): string {
  const name = isObject(value) ? readString(value['id'], 'voice.id') : readString(value, 'voice');
  if (!name) throw badRequest('voice', 'voice is required');
  const voice = VOICES.get(name.toLowerCase());
  if (voice === undefined) {
    const openAi = Object.keys(OPENAI_VOICES).join(', ');
    throw badRequest('voice', `voice must be one of ${openAi}, or a Gemini prebuilt voice such as Kore or Puck`);
  }
  return voice;
}

function readFormat(value: unknown): SpeechFormat {
  const format = readString(value, 'response_format');
  // OpenAI's default is mp3, which the proxy cannot make: WAV is the nearest it can.
  if (format === undefined || format === 'wav') return 'wav';
  if (format === 'pcm') return 'pcm';
  if (ENCODED_FORMATS.has(format)) {
    throw badRequest('response_format', `response_format ${format} is not supported: Gemini's audio is raw PCM and this proxy does not encode it; ask for wav or pcm`);
  }
  throw badRequest('response_format', 'response_format must be wav or pcm (mp3, opus, aac and flac are not supported here)');
}

function readStreamFormat(value: unknown): void {
  const format = readString(value, 'stream_format');
  if (format === 'sse') throw badRequest('stream_format', 'stream_format sse is not supported: the audio comes whole; ask for audio');
  if (format !== undefined && format !== 'audio') throw badRequest('stream_format', 'stream_format must be audio');
}

/** Whether `text` holds more than `max` characters (code points, as OpenAI counts them). */
function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (const _char of text) if (++count > max) return true;
  return false;
}

function readInput(value: unknown): string {
  const input = readString(value, 'input');
  if (input === undefined || input.trim() === '') throw badRequest('input', 'input is required');
  if (longerThan(input, MAX_SPEECH_INPUT_CHARS)) throw badRequest('input', `input must be at most ${MAX_SPEECH_INPUT_CHARS} characters`);
  return input;
}

/**
 * The text Gemini reads. Gemini's TTS models take their style from the prompt itself ("Say
 * cheerfully: hi"), so the instructions go first, then a colon, then the input.
 */
export function spokenText(input: string, instructions: string | undefined): string {
  const style = instructions?.trim().replace(/:+$/, '').trim();
  return style ? `${style}: ${input}` : input;
}

/** Checks the whole request (every 400 comes before a key is used) and builds Gemini's body. */
export function translateSpeechRequest(body: Json, models: SpeechModels): SpeechRequest {
  const { model, requested } = speechModel(body['model'], models);
  const input = readInput(body['input']);
  const voiceName = geminiVoice(body['voice']);
  const format = readFormat(body['response_format']);
  // Gemini's TTS has no rate setting: speed is checked as OpenAI would, then not used.
  readNumber(body['speed'], 'speed', { min: 0.25, max: 4 });
  readStreamFormat(body['stream_format']);
  const text = spokenText(input, readString(body['instructions'], 'instructions'));
  return {
    model,
    requestedModel: requested,
    format,
    body: {
      contents: [{ role: 'user', parts: [{ text }] }],
      generationConfig: { responseModalities: ['AUDIO'], speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName } } } },
    },
  };
}

/** The answer's bytes and their content type. */
export interface SpeechAnswer {
  readonly contentType: string;
  readonly body: Buffer;
}

interface AudioPart {
  readonly mimeType: string;
  readonly data: string;
}

/** The `inlineData` parts of the first candidate that are audio, in order. */
function audioParts(response: GenerateContentResponse): AudioPart[] {
  const candidate = firstCandidate(response);
  if (candidate === undefined) return [];
  return partsOf(candidate).flatMap((part): AudioPart[] => {
    const inline = isObject(part) ? part['inlineData'] : undefined;
    if (!isObject(inline)) return [];
    const { mimeType, data } = inline;
    return typeof mimeType === 'string' && typeof data === 'string' && mimeType.toLowerCase().startsWith('audio/') ? [{ mimeType, data }] : [];
  });
}

/**
 * An answer without audio: Gemini's refusal of the input (a blocked prompt, a content-filter
 * finish reason) is the client's 400, since another try would be refused too; anything else
 * (text instead of audio, no reason) is the upstream's fault, a 502.
 */
function noAudio(response: GenerateContentResponse): ProxyError {
  const reason = promptBlocked(response) ? response.promptFeedback?.blockReason : firstCandidate(response)?.finishReason;
  if (promptBlocked(response) || mapFinishReason(reason, false) === 'content_filter') {
    return new ProxyError('GP_CONTENT_REFUSED', `Gemini refused to speak this input (${String(reason)})`, { param: 'input' });
  }
  const why = typeof reason === 'string' ? ` (finishReason ${reason})` : '';
  return new ProxyError('GP_UPSTREAM_BAD_ANSWER', `the upstream answered without audio${why}`);
}

/** The samples of every audio part, which must all be 16-bit PCM of one format. */
function speechAudio(response: GenerateContentResponse): { format: PcmFormat; pcm: Buffer } {
  const parts = audioParts(response);
  const [first] = parts;
  if (first === undefined) throw noAudio(response);
  const format = parsePcmMimeType(first.mimeType);
  if (format === undefined || parts.some((part) => part.mimeType !== first.mimeType)) {
    throw new ProxyError('GP_UPSTREAM_BAD_ANSWER', `the upstream sent audio as ${first.mimeType.slice(0, 100)}, not the raw PCM this proxy converts`);
  }
  return { format, pcm: Buffer.concat(parts.map((part) => Buffer.from(part.data, 'base64'))) };
}

/**
 * Gemini's audio as the client asked for it: `wav` is a RIFF header (at the rate the mime type
 * names) and the samples; `pcm` is the samples alone (s16le mono, 24 kHz from today's models).
 */
export function toSpeechAnswer(response: GenerateContentResponse, format: SpeechFormat): SpeechAnswer {
  const audio = speechAudio(response);
  if (format === 'pcm') return { contentType: 'audio/pcm', body: audio.pcm };
  return { contentType: 'audio/wav', body: Buffer.concat([wavHeader(audio.pcm.length, audio.format), audio.pcm]) };
}

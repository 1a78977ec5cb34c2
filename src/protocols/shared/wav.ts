/**
 * @module Raw PCM audio as Gemini sends it, and the WAV file it becomes: the format named by a
 * mime type such as `audio/L16;codec=pcm;rate=24000`, and the 44-byte RIFF/WAVE header that goes
 * in front of the samples. Pure.
 */

/** Uncompressed samples: how many a second, how many channels, how wide each sample is. */
export interface PcmFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
}

/** The header `wavHeader` writes: RIFF (12 bytes), `fmt ` (24), `data`'s own header (8). */
export const WAV_HEADER_BYTES = 44;

/**
 * Gemini's TTS models speak at 24 kHz, and say so in `rate=`; a mime type that leaves the rate
 * out is read at that rate rather than refused.
 */
export const DEFAULT_PCM_RATE = 24_000;

/** `audio/L16` (RFC 2586) is the type Gemini uses; `audio/pcm` is what others call the same. */
const PCM_TYPES: ReadonlySet<string> = new Set(['audio/l16', 'audio/pcm']);

/** Rates and channel counts past these are no audio anyone sends; a mime type naming one is not read. */
const MAX_RATE = 768_000;
const MAX_CHANNELS = 8;

/** `WAVE_FORMAT_PCM` in the `fmt ` chunk: integer samples, no compression. */
const FORMAT_PCM = 1;

/** A positive integer parameter no larger than `max`, or undefined. */
function positiveInteger(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 && value <= max ? value : undefined;
}

/** `type/subtype; name=value; …` → the lower-cased type and its parameters (names lower-cased). */
function splitMimeType(mimeType: string): { type: string; params: Map<string, string> } {
  const [type = '', ...rest] = mimeType.split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const at = param.indexOf('=');
    if (at > 0) params.set(param.slice(0, at).trim().toLowerCase(), param.slice(at + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * The format of 16-bit PCM named by a mime type (`audio/L16;codec=pcm;rate=24000`, channels
 * optional, 1 by default), or undefined when the type is not raw 16-bit PCM or a parameter is
 * malformed. The samples are little-endian: RFC 2586 says network order for `audio/L16`, but
 * Gemini's are little-endian, as WAV wants them.
 */
export function parsePcmMimeType(mimeType: string): PcmFormat | undefined {
  const { type, params } = splitMimeType(mimeType);
  if (!PCM_TYPES.has(type)) return undefined;
  const codec = params.get('codec');
  if (codec !== undefined && codec.toLowerCase() !== 'pcm') return undefined;
  const rate = params.has('rate') ? positiveInteger(params.get('rate'), MAX_RATE) : DEFAULT_PCM_RATE;
  const channels = params.has('channels') ? positiveInteger(params.get('channels'), MAX_CHANNELS) : 1;
  if (rate === undefined || channels === undefined) return undefined;
  return { sampleRate: rate, channels, bitsPerSample: 16 };
}

/**
 * The 44-byte RIFF/WAVE header for `dataBytes` bytes of PCM in `format`: the header, then the
 * samples as they are, make a WAV file. RIFF sizes are 32-bit, so `dataBytes` must stay under
 * 4 GiB less the header (far beyond any answer the proxy reads).
 */
export function wavHeader(dataBytes: number, format: PcmFormat): Buffer {
  const { sampleRate, channels, bitsPerSample } = format;
  const blockAlign = channels * (bitsPerSample / 8);
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  // The RIFF size counts everything after its own 8 bytes.
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

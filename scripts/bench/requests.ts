/**
 * @module The requests the bench sends: Gemini's `generateContent` (pass-through), the SSE
 * stream, and one small request per translated API, streamed and not.
 */

export const MODEL = 'gemini-2.5-flash';
export const GENERATE_PATH = `/v1beta/models/${MODEL}:generateContent`;
export const GENERATE_BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });
export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

/** Gemini's SSE path with the fake upstream's knobs: `events` events, `intervalMs` apart. */
export function streamPath(events: number, intervalMs: number): string {
  return `/v1beta/models/${MODEL}:streamGenerateContent?alt=sse&n=${events}&iv=${intervalMs}`;
}

export interface RequestShape {
  readonly name: string;
  readonly path: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

const MESSAGES = [{ role: 'user', content: 'Hello' }];
const ANTHROPIC_HEADERS = { ...JSON_HEADERS, 'anthropic-version': '2023-06-01' };

/**
 * The translated paths, each plain and streamed. A translated stream asks the fake for its
 * default stream (16 events at once), so these runs measure translation, not pauses.
 */
export const TRANSLATED: readonly RequestShape[] = [
  { name: 'openai chat', path: '/v1/chat/completions', body: JSON.stringify({ model: MODEL, messages: MESSAGES }), headers: JSON_HEADERS },
  { name: 'openai chat stream', path: '/v1/chat/completions', body: JSON.stringify({ model: MODEL, messages: MESSAGES, stream: true }), headers: JSON_HEADERS },
  { name: 'ollama chat', path: '/api/chat', body: JSON.stringify({ model: MODEL, messages: MESSAGES, stream: false }), headers: JSON_HEADERS },
  { name: 'ollama chat stream', path: '/api/chat', body: JSON.stringify({ model: MODEL, messages: MESSAGES }), headers: JSON_HEADERS },
  { name: 'anthropic messages', path: '/v1/messages', body: JSON.stringify({ model: MODEL, max_tokens: 256, messages: MESSAGES }), headers: ANTHROPIC_HEADERS },
  { name: 'anthropic messages stream', path: '/v1/messages', body: JSON.stringify({ model: MODEL, max_tokens: 256, messages: MESSAGES, stream: true }), headers: ANTHROPIC_HEADERS },
  { name: 'openai responses', path: '/v1/responses', body: JSON.stringify({ model: MODEL, input: 'Hello' }), headers: JSON_HEADERS },
  { name: 'openai responses stream', path: '/v1/responses', body: JSON.stringify({ model: MODEL, input: 'Hello', stream: true }), headers: JSON_HEADERS },
];

/** Gemini pass-through of the same default stream, the reference for the streamed translated rows. */
export const GEMINI_STREAM: RequestShape = {
  name: 'gemini stream (16 events)', path: `/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, body: GENERATE_BODY, headers: JSON_HEADERS,
};

export const GENERATE: RequestShape = { name: 'gemini generateContent', path: GENERATE_PATH, body: GENERATE_BODY, headers: JSON_HEADERS };

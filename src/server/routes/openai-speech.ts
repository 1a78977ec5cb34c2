/**
 * @module OpenAI's speech API (`/v1/audio/speech`) through Gemini's TTS models: the request is
 * checked and translated before any key is used, sent as one `generateContent` call, and the
 * audio comes back as binary (the SDK asks for `application/octet-stream`), WAV or raw PCM.
 */

import { isGenerateContentResponse } from '../../protocols/gemini/answers.js';
import type { GenerateContentResponse } from '../../protocols/gemini/types.js';
import { fromGoogleError } from '../../protocols/openai/errors.js';
import { toSpeechAnswer, translateSpeechRequest } from '../../protocols/openai/speech.js';
import type { RequestContext } from '../context.js';
import { callJson, readJson, sendUpstreamError } from '../pipeline.js';
import { sendBody } from '../respond.js';
import { route, type Route } from '../router.js';
import { PREFIXES, type OpenAiRouteDeps } from './openai.js';

async function speech(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const request = translateSpeechRequest(await readJson(ctx, deps), deps);
  const { model, requestedModel, body } = request;
  const result = await callJson(ctx, deps, { model, requestedModel, verb: 'generateContent', body }, isGenerateContentResponse);
  if (result.kind === 'answer') return sendUpstreamError(ctx, result, fromGoogleError);
  const answer = toSpeechAnswer(result.value as GenerateContentResponse, request.format);
  sendBody(ctx.res, 200, { 'content-type': answer.contentType }, answer.body);
}

/** `POST /v1/audio/speech`, and the same under `/openai` and `/hf`. */
export function speechRoutes(deps: OpenAiRouteDeps): Route[] {
  const paths = new Set(PREFIXES.map((prefix) => `${prefix}/audio/speech`));
  return [
    route({ name: 'openai-speech', protocol: 'openai', methods: ['POST'], matches: (_m, p) => paths.has(p) }, (ctx) => speech(ctx, deps)),
  ];
}

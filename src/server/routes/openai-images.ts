/**
 * @module OpenAI's images API (`/v1/images/generations`, `/v1/images/edits`, and the same under
 * `/openai` and `/hf`) through Gemini's image models: one `generateContent` call per image, one
 * after another (image models do not honour `candidateCount` reliably). Requests are checked
 * before any key is used; an edit's form is read within the body limit.
 */

import { isGenerateContentResponse } from '../../protocols/gemini/answers.js';
import type { GenerateContentResponse } from '../../protocols/gemini/types.js';
import { fromGoogleError } from '../../protocols/openai/errors.js';
import { generatedImage, toImagesResponse, type GeneratedImage } from '../../protocols/openai/images-answer.js';
import {
  MAX_EDIT_IMAGES, translateImageEdit, translateImageGeneration, type ImageOptions, type ImageRequest,
} from '../../protocols/openai/images.js';
import type { RequestContext } from '../context.js';
import { readMultipart } from '../multipart.js';
import { applyModelOptions } from '../../protocols/shared/model-variants.js';
import { callJson, readJson, sendUpstreamError } from '../pipeline.js';
import { sendJson } from '../respond.js';
import { route, type Route } from '../router.js';
import { PREFIXES, type OpenAiRouteDeps } from './openai.js';

/** Text fields an edit may send: OpenAI's dozen, with room to spare. */
const MAX_FORM_FIELDS = 64;

function imageOptions(deps: OpenAiRouteDeps): ImageOptions {
  return { imageModel: deps.imageModel, resolveModel: deps.resolveModel };
}

/** Calls the model `n` times and answers with the images, or with the first failure. */
async function answerImages(ctx: RequestContext, deps: OpenAiRouteDeps, request: ImageRequest): Promise<void> {
  const { model, requestedModel, body } = request;
  const images: GeneratedImage[] = [];
  for (let index = 0; index < request.n; index += 1) {
    // The operator's defaults (safety settings) hold for images too.
    const call = { ...applyModelOptions(model, body, deps.generation), requestedModel, verb: 'generateContent' };
    const result = await callJson(ctx, deps, call, isGenerateContentResponse);
    if (result.kind === 'answer') return sendUpstreamError(ctx, result, fromGoogleError);
    // An answer without an image throws the client's 400 here, before the next call.
    images.push(generatedImage(result.value as GenerateContentResponse));
  }
  sendJson(ctx.res, 200, toImagesResponse(images, request.responseFormat, Math.floor(deps.now() / 1000)));
}

async function generations(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  const request = translateImageGeneration(await readJson(ctx, deps), imageOptions(deps));
  await answerImages(ctx, deps, request);
}

async function edits(ctx: RequestContext, deps: OpenAiRouteDeps): Promise<void> {
  // One file more than an edit takes (a mask, or a 17th image) so the translator names the fault.
  const limits = { maxBytes: deps.maxBodyBytes, maxFiles: MAX_EDIT_IMAGES + 1, maxFields: MAX_FORM_FIELDS };
  const request = translateImageEdit(await readMultipart(ctx, limits), imageOptions(deps));
  await answerImages(ctx, deps, request);
}

/** `/v1/images/generations` and the same under every prefix (a POST; others get OpenAI's 405). */
export function imageRoutes(deps: OpenAiRouteDeps): Route[] {
  // Built here, not at load: openai.ts imports this module before its PREFIXES exist.
  const generationPaths = new Set(PREFIXES.map((prefix) => `${prefix}/images/generations`));
  const editPaths = new Set(PREFIXES.map((prefix) => `${prefix}/images/edits`));
  return [
    route({ name: 'openai-image-generations', protocol: 'openai', methods: ['POST'], matches: (_m, p) => generationPaths.has(p) },
      (ctx) => generations(ctx, deps)),
    route({ name: 'openai-image-edits', protocol: 'openai', methods: ['POST'], matches: (_m, p) => editPaths.has(p) },
      (ctx) => edits(ctx, deps)),
  ];
}

/**
 * @module The simple endpoint, from the APIGPT-style document: `POST /gemini/v1/chat/completions`
 * (and `/gemini/v1/chat/completion`, which the same document also uses) takes `contents` and
 * answers `{"message"}`, or streams it as SSE. Its errors are `{"error"}` with the document's
 * statuses (see respond.ts). These paths sit under the Gemini pass-through's `/gemini/v1/`, so
 * the daemon lists this route ahead of it.
 */

import { ProxyError } from '../../errors.js';
import { fromGoogleErrorMessage } from '../../protocols/shared/error-body.js';
import type { ModelResolver } from '../../protocols/shared/model-name.js';
import { toSimpleAnswer } from '../../protocols/simple/answer.js';
import { translateSimpleRequest } from '../../protocols/simple/request.js';
import { SimpleStream } from '../../protocols/simple/stream.js';
import type { RequestContext } from '../context.js';
import { generate, readJson, type PipelineDeps } from '../pipeline.js';
import type { Route } from '../router.js';

const PATHS: ReadonlySet<string> = new Set(['/gemini/v1/chat/completions', '/gemini/v1/chat/completion']);

export interface SimpleRouteDeps extends PipelineDeps {
  readonly resolveModel: ModelResolver;
  /** The model when a request names none (`--session-model`). */
  readonly defaultModel: string;
}

async function complete(ctx: RequestContext, deps: SimpleRouteDeps): Promise<void> {
  const request = translateSimpleRequest(await readJson(ctx, deps), deps.resolveModel, deps.defaultModel);
  await generate(ctx, deps, request, {
    answer: toSimpleAnswer,
    stream: () => new SimpleStream(),
    upstreamError: fromGoogleErrorMessage,
  });
}

export function simpleRoutes(deps: SimpleRouteDeps): Route[] {
  return [{
    name: 'simple-chat',
    protocol: 'simple',
    auth: true,
    matches: (_method, pathname) => PATHS.has(pathname),
    handle: (ctx) => {
      // The paths are this endpoint's whatever the method: a wrong one must not reach Gemini.
      if (ctx.method !== 'POST') throw new ProxyError('GP_METHOD_NOT_ALLOWED');
      return complete(ctx, deps);
    },
  }];
}

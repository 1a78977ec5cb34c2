/** Which upgrade paths are the Live API's, and the one upstream path each maps to. */

import { describe, expect, it } from 'vitest';
import { liveTarget } from '../../src/server/live/paths.js';

const RPC = 'google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';
const CONSTRAINED = 'google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained';

describe('liveTarget', () => {
  it.each([`/ws/${RPC}`, `//ws/${RPC}`, `/gemini/ws/${RPC}`, `/gemini//ws/${RPC}`])('serves %s on one upstream path', (path) => {
    expect(liveTarget(path)).toEqual({ version: 'v1beta', method: 'BidiGenerateContent', upstreamPath: `/ws/${RPC}` });
  });

  it('serves the v1alpha constrained RPC (ephemeral tokens)', () => {
    expect(liveTarget(`//ws/${CONSTRAINED}`)).toEqual({ version: 'v1alpha', method: 'BidiGenerateContentConstrained', upstreamPath: `/ws/${CONSTRAINED}` });
  });

  it.each([
    `///ws/${RPC}`,
    `/gemini/gemini/ws/${RPC}`,
    `/ws/${RPC}/`,
    '/ws/google.ai.generativelanguage.v1.GenerativeService.BidiGenerateContent',
    '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateMusic',
    '/ws/google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent',
    '/v1beta/models',
  ])('serves nothing at %s', (path) => {
    expect(liveTarget(path)).toBeUndefined();
  });
});

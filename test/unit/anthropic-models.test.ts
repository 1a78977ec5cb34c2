/** Gemini's model list in Anthropic's shape, with the Claude names the proxy maps (wire-formats-2 §1.7). */

import { describe, expect, it } from 'vitest';
import { LISTED_CLAUDE_MODELS, toAnthropicModels } from '../../src/protocols/anthropic/models.js';
import type { Model } from '../../src/protocols/gemini/types.js';

const MODELS: Model[] = [
  { name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', inputTokenLimit: 1048576, outputTokenLimit: 65536 },
  { name: 'models/gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', inputTokenLimit: 1048576, outputTokenLimit: 65536 },
  { name: 'models/gemini-2.5-flash-lite' },
];

const EPOCH = '1970-01-01T00:00:00Z';
const LIMITS = { max_input_tokens: 1048576, max_tokens: 65536 };

describe('toAnthropicModels', () => {
  it('Claude names first (each showing its model), then aliases, then Gemini\'s (golden)', () => {
    expect(toAnthropicModels(MODELS, { 'claude-haiku-4-5': 'gemini-2.5-flash', mine: 'models/gemini-2.5-pro' })).toStrictEqual({
      data: [
        { type: 'model', id: 'claude-opus-5-5', display_name: 'Claude Opus 5.5 (gemini-2.5-pro)', created_at: EPOCH, ...LIMITS },
        { type: 'model', id: 'claude-opus-4-8', display_name: 'Claude Opus 4.8 (gemini-2.5-pro)', created_at: EPOCH, ...LIMITS },
        { type: 'model', id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6 (gemini-2.5-flash)', created_at: EPOCH, ...LIMITS },
        { type: 'model', id: 'claude-haiku-4-5', display_name: 'Claude Haiku 4.5 (gemini-2.5-flash)', created_at: EPOCH, ...LIMITS },
        { type: 'model', id: 'mine', display_name: 'mine (gemini-2.5-pro)', created_at: EPOCH, ...LIMITS },
        { type: 'model', id: 'gemini-2.5-flash', display_name: 'Gemini 2.5 Flash', created_at: EPOCH, ...LIMITS },
        { type: 'model', id: 'gemini-2.5-pro', display_name: 'Gemini 2.5 Pro', created_at: EPOCH, ...LIMITS },
        { type: 'model', id: 'gemini-2.5-flash-lite', display_name: 'gemini-2.5-flash-lite', created_at: EPOCH },
      ],
      has_more: false,
      first_id: 'claude-opus-5-5',
      last_id: 'gemini-2.5-flash-lite',
    });
  });

  it('Claude Code\'s discovery keeps ids starting claude or anthropic: one per family survives', () => {
    const { data } = toAnthropicModels(MODELS, {}) as { data: { id: string }[] };
    const kept = data.map((model) => model.id).filter((id) => /^(claude|anthropic)/.test(id));
    expect(kept).toEqual(LISTED_CLAUDE_MODELS.map(([id]) => id));
    expect(kept.some((id) => id.includes('haiku')) && kept.some((id) => id.includes('opus')) && kept.some((id) => id.includes('sonnet'))).toBe(true);
  });

  it('no models and no aliases: still the Claude names; an alias named like a model is listed once', () => {
    const empty = toAnthropicModels([], {}) as { data: { id: string; max_tokens?: number }[]; first_id: string };
    expect(empty.data).toHaveLength(LISTED_CLAUDE_MODELS.length);
    expect(empty.data[0]).not.toHaveProperty('max_tokens');
    const twice = toAnthropicModels(MODELS, { 'gemini-2.5-pro': 'gemini-2.5-flash', constructor: 'gemini-2.5-pro' }) as { data: { id: string; display_name: string }[] };
    expect(twice.data.filter((model) => model.id === 'gemini-2.5-pro')).toEqual([expect.objectContaining({ display_name: 'gemini-2.5-pro (gemini-2.5-flash)' })]);
  });
});

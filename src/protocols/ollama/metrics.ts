/**
 * @module The metrics that end an Ollama answer (wire-formats §4.2): token counts from Gemini's
 * usage, durations from the injected clock. Pure.
 */

import { tokenCounts } from '../gemini/answer-parts.js';
import type { OllamaMetrics } from './types.js';

/** When the answer was asked for, first heard of, and finished; ms since the epoch. */
export interface Timing {
  readonly startedAt: number;
  /** The first Gemini chunk of a stream; undefined for a whole answer (or a stream that sent none). */
  readonly firstChunkAt: number | undefined;
  readonly endedAt: number;
}

/** A span of milliseconds in whole nanoseconds, Ollama's unit; never negative. */
export function nanoseconds(ms: number): number {
  return Math.max(0, Math.round(ms * 1e6));
}

/**
 * The prompt's share of the time. Streamed, it is the wait for the first chunk; whole, the
 * time is split in proportion to the tokens, as nothing tells the two phases apart.
 */
function promptNanoseconds(timing: Timing, total: number, prompt: number, completion: number): number {
  if (timing.firstChunkAt !== undefined) return nanoseconds(timing.firstChunkAt - timing.startedAt);
  const tokens = prompt + completion;
  return Math.round(total * (tokens === 0 ? 0.5 : prompt / tokens));
}

/**
 * Counts (prompt tokens include tool-use tokens, completion tokens thoughts) and integer
 * nanosecond durations. Both phases last at least 1 ns: clients divide counts by them for
 * tokens per second. Gemini loads nothing, so `load_duration` is 0.
 */
export function metrics(usage: unknown, timing: Timing): OllamaMetrics {
  const { prompt, completion } = tokenCounts(usage);
  const total = nanoseconds(timing.endedAt - timing.startedAt);
  const promptDuration = Math.max(1, Math.min(promptNanoseconds(timing, total, prompt, completion), total - 1));
  const evalDuration = Math.max(1, total - promptDuration);
  return {
    total_duration: Math.max(total, promptDuration + evalDuration),
    load_duration: 0,
    prompt_eval_count: prompt,
    prompt_eval_duration: promptDuration,
    eval_count: completion,
    eval_duration: evalDuration,
  };
}

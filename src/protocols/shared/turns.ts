/**
 * @module Gemini's conversation turns, built message by message the same way for every
 * protocol: adjacent messages of one role become one turn. Pure.
 */

import type { Content, Part } from '../gemini/types.js';

/**
 * Appends `parts` to `contents` as a turn of `role`, merged into the last turn when that has the
 * same role: Gemini wants turns to alternate. Nothing is added for no parts.
 */
export function appendTurn(contents: Content[], role: 'user' | 'model', parts: Part[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last?.role !== role) {
    contents.push({ role, parts });
    return;
  }
  // The turn's list grows in place (copying it per message would be quadratic), one part at a
  // time (a spread into push() overflows the stack with enough parts).
  const turn = (last.parts ??= []);
  for (const part of parts) turn.push(part);
}

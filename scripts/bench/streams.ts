/**
 * @module Reading SSE streams as a client does: time to the first event, and the events counted
 * (a lost or duplicated event shows as a count other than the one the fake upstream sent).
 */

import type { Dispatcher } from 'undici';
import { GENERATE_BODY, JSON_HEADERS } from './requests.js';

export interface StreamRead {
  /** Ms from the request to the first chunk holding an event; NaN when none came. */
  readonly firstEventMs: number;
  readonly events: number;
  readonly status: number;
  /** The request or the body failed (reset, refused). */
  readonly failed: boolean;
}

const DATA = 'data:';

/** Occurrences of `data:` in `text`. */
function countEvents(text: string): number {
  let count = 0;
  for (let at = text.indexOf(DATA); at !== -1; at = text.indexOf(DATA, at + DATA.length)) count++;
  return count;
}

export async function readStream(dispatcher: Dispatcher, path: string): Promise<StreamRead> {
  const started = process.hrtime.bigint();
  let firstEventMs = Number.NaN;
  let events = 0;
  let status = 0;
  try {
    const response = await dispatcher.request({ path, method: 'POST', body: GENERATE_BODY, headers: JSON_HEADERS });
    status = response.statusCode;
    let tail = '';
    for await (const chunk of response.body) {
      const text = tail + (chunk as Buffer).toString('latin1');
      const found = countEvents(text);
      if (found > 0 && Number.isNaN(firstEventMs)) firstEventMs = Number(process.hrtime.bigint() - started) / 1e6;
      events += found;
      // Kept shorter than `data:`, so an event split across chunks is counted once, and only once.
      tail = text.slice(-(DATA.length - 1));
    }
    return { firstEventMs, events, status, failed: false };
  } catch {
    return { firstEventMs, events, status, failed: true };
  }
}

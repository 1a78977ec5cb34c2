/** The back-off's sleep that the client's leaving cuts short (src/upstream/client-signal.ts). */

import { describe, expect, it } from 'vitest';
import { sleepUnless } from '../../src/upstream/client-signal.js';

describe('sleepUnless', () => {
  it('resolves after the time when the client stays', async () => {
    await expect(sleepUnless(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it("rejects with the signal's reason when the client leaves during the sleep, or had left", async () => {
    const client = new AbortController();
    const reason = new Error('gone');
    const sleeping = sleepUnless(60_000, client.signal);
    client.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    await expect(sleepUnless(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});

/** The chat-session API's per-user rate and per-chat order, with an injected clock. */

import { describe, expect, it } from 'vitest';
import { ChatSessions } from '../../src/server/chat-sessions.js';

describe('ChatSessions: the per-user message rate', () => {
  it('2 per second means 2 in any window of a second: no third after a burst', () => {
    const sessions = new ChatSessions(['alice'], { requests: 2, perMs: 1_000 });
    expect(sessions.takeMessage('alice', 0)).toBe(0);
    expect(sessions.takeMessage('alice', 0)).toBe(0);
    expect(sessions.takeMessage('alice', 500)).toBe(500);
    expect(sessions.takeMessage('alice', 999)).toBe(1);
    expect(sessions.takeMessage('alice', 1_000)).toBe(0);
    expect(sessions.takeMessage('alice', 1_000)).toBe(0);
    expect(sessions.takeMessage('alice', 1_500)).toBe(500);
  });

  it('a refused message is not counted, and each user has a window of their own', () => {
    const sessions = new ChatSessions(['alice', 'bob'], { requests: 1, perMs: 1_000 });
    expect(sessions.takeMessage('alice', 0)).toBe(0);
    for (let at = 1; at < 1_000; at += 100) expect(sessions.takeMessage('alice', at)).toBeGreaterThan(0);
    expect(sessions.takeMessage('bob', 10)).toBe(0);
    expect(sessions.takeMessage('alice', 1_000)).toBe(0);
  });

  it('without a rate, every message goes', () => {
    const sessions = new ChatSessions(['alice'], undefined);
    for (let n = 0; n < 100; n++) expect(sessions.takeMessage('alice', 0)).toBe(0);
  });
});

describe('ChatSessions: users', () => {
  it('the users are replaced whole on a reload', () => {
    const sessions = new ChatSessions(['alice'], undefined);
    expect([sessions.isUser('alice'), sessions.isUser('bob')]).toEqual([true, false]);
    sessions.replaceUsers(['bob']);
    expect([sessions.isUser('alice'), sessions.isUser('bob')]).toEqual([false, true]);
  });
});

/** The chat-session API's per-user rate and per-chat order, with an injected clock. */

import { describe, expect, it } from 'vitest';
import { ChatSessions as Sessions } from '../../src/server/chat-sessions.js';
import type { Rate } from '../../src/config/parse-value.js';
import { MemoryLink } from '../../src/state/memory.js';
import { MemorySessionStore } from '../../src/state/memory-sessions.js';

const link = () => new MemoryLink(new MemorySessionStore({ maxChats: 10, maxChatsPerUser: 10, idleTimeoutMs: 1_000 }, () => 'id'), 0);
/** The sessions with a link of their own, in memory. */
class ChatSessions extends Sessions {
  constructor(users: readonly string[], rate: Rate | undefined) {
    super(users, rate, link());
  }
}

describe('ChatSessions: the per-user message rate', () => {
  it('2 per second means 2 in any window of a second: no third after a burst', async () => {
    const sessions = new ChatSessions(['alice'], { requests: 2, perMs: 1_000 });
    expect(await sessions.takeMessage('alice', 0)).toBe(0);
    expect(await sessions.takeMessage('alice', 0)).toBe(0);
    expect(await sessions.takeMessage('alice', 500)).toBe(500);
    expect(await sessions.takeMessage('alice', 999)).toBe(1);
    expect(await sessions.takeMessage('alice', 1_000)).toBe(0);
    expect(await sessions.takeMessage('alice', 1_000)).toBe(0);
    expect(await sessions.takeMessage('alice', 1_500)).toBe(500);
  });

  it('a refused message is not counted, and each user has a window of their own', async () => {
    const sessions = new ChatSessions(['alice', 'bob'], { requests: 1, perMs: 1_000 });
    expect(await sessions.takeMessage('alice', 0)).toBe(0);
    for (let at = 1; at < 1_000; at += 100) expect(await sessions.takeMessage('alice', at)).toBeGreaterThan(0);
    expect(await sessions.takeMessage('bob', 10)).toBe(0);
    expect(await sessions.takeMessage('alice', 1_000)).toBe(0);
  });

  it('without a rate, every message goes', async () => {
    const sessions = new ChatSessions(['alice'], undefined);
    for (let n = 0; n < 100; n++) expect(await sessions.takeMessage('alice', 0)).toBe(0);
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

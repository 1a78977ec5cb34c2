/** The state file's writer: at most one save a second, the last state always written. */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Rotator, SavedKeyState } from '../../src/upstream/rotator.js';
import { MemoryAffinity } from '../../src/state/affinity.js';
import { StateFile, parseStateDocument } from '../../src/upstream/state-file.js';

describe('StateFile.scheduleSave', () => {
  let dir: string;
  let now = 1_000_000;
  let exports = 0;
  let state: Record<string, SavedKeyState> = {};
  const rotator = { exportState: () => (exports++, state), importState: () => 0 } as unknown as Rotator;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-state-unit-'));
    exports = 0;
  });

  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves once for a burst of changes, then not again within a second, and the last state wins', async () => {
    const file = join(dir, 'state.json');
    const writer = new StateFile(file, { rotator, affinity: new MemoryAffinity(() => now) }, pino({ level: 'silent' }), () => now);
    state = { key_1: { disabled: { reason: 'A', sinceMs: 1 } } };
    for (let i = 0; i < 10; i++) writer.scheduleSave();
    vi.advanceTimersByTime(0);
    await writer.flush();
    expect(exports).toBe(1);

    state = { key_2: { cooling: { '': now + 5_000 } } };
    writer.scheduleSave();
    writer.scheduleSave();
    vi.advanceTimersByTime(999);
    expect(exports).toBe(1);
    now += 1_000;
    vi.advanceTimersByTime(1);
    await writer.flush();
    expect(exports).toBe(2);
    expect(parseStateDocument(readFileSync(file, 'utf8'))).toEqual({ keys: state, resources: {} });
  });

  it('flush writes a pending save at once (shutdown)', async () => {
    const file = join(dir, 'state.json');
    const writer = new StateFile(file, { rotator, affinity: new MemoryAffinity(() => now) }, pino({ level: 'silent' }), () => now);
    state = { key_3: { disabled: { reason: 'B', sinceMs: 2 } } };
    writer.scheduleSave();
    await writer.flush();
    expect(parseStateDocument(readFileSync(file, 'utf8'))).toEqual({ keys: state, resources: {} });
  });
});

/** @module When Google's per-day quotas reset: the next midnight in America/Los_Angeles. Pure. */

let format: Intl.DateTimeFormat | undefined;

/** Made on first use: loading the time zone took about a tenth of the daemon's start-up. */
function losAngeles(): Intl.DateTimeFormat {
  format ??= new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return format;
}

/** The Los Angeles wall-clock reading at `epochMs`, written as if it were UTC. */
function wallClockAsUtc(epochMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of losAngeles().formatToParts(epochMs)) parts[part.type] = Number(part.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (epochMs % 1000);
}

/** Epoch milliseconds of the first Los Angeles midnight after `nowMs` (DST-aware). */
export function nextPacificMidnight(nowMs: number): number {
  const wall = wallClockAsUtc(nowMs);
  const offset = wall - nowMs;
  const day = new Date(wall);
  const nextMidnightWall = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1);
  const guess = nextMidnightWall - offset;
  // The offset may change between now and midnight (a DST switch at 02:00 does not, but be exact).
  return nextMidnightWall - (wallClockAsUtc(guess) - guess);
}

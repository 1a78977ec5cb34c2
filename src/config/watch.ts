/**
 * @module Watches the key and relay files by polling their stats: this survives editors that
 * replace a file by renaming, and files that do not exist yet. The first reading is taken
 * synchronously, so a change made right after start-up is never missed.
 */

import { stat, statSync, type Stats } from 'node:fs';

/** What tells one version of a file from the next; a missing file has its own signature. */
function signature(stats: Stats | undefined): string {
  return stats === undefined ? 'missing' : `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

function statNow(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** Calls `onChange` when any of `files` changes on disk; returns a function that stops watching. */
export function watchFiles(files: readonly string[], intervalMs: number, onChange: (file: string) => void): () => void {
  if (intervalMs <= 0) return () => undefined;
  const seen = new Map(files.map((file) => [file, signature(statNow(file))]));
  const timer = setInterval(() => {
    for (const file of files) {
      stat(file, (error, stats) => {
        const now = signature(error ? undefined : stats);
        if (now === seen.get(file)) return;
        seen.set(file, now);
        onChange(file);
      });
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

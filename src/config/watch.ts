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

/**
 * Calls `onChange` when any of `files` has changed on disk and then stayed the same for one
 * more poll, so a file caught half-written is not loaded (a key missing for one reload would
 * lose its state). Returns a function that stops watching.
 */
export function watchFiles(files: readonly string[], intervalMs: number, onChange: (file: string) => void): () => void {
  if (intervalMs <= 0) return () => undefined;
  const loaded = new Map(files.map((file) => [file, signature(statNow(file))]));
  const pending = new Map<string, string>();
  const timer = setInterval(() => {
    for (const file of files) {
      stat(file, (error, stats) => {
        const now = signature(error ? undefined : stats);
        if (now === loaded.get(file)) {
          pending.delete(file);
        } else if (pending.get(file) === now) {
          pending.delete(file);
          loaded.set(file, now);
          onChange(file);
        } else {
          pending.set(file, now);
        }
      });
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

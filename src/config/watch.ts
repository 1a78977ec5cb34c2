/**
 * @module Watches the key and relay files. Stat polling rather than inotify: it survives
 * editors that replace a file by renaming, and files that do not exist yet.
 */

import { unwatchFile, watchFile, type Stats } from 'node:fs';

/** Calls `onChange` when any of `files` changes on disk; returns a function that stops watching. */
export function watchFiles(files: readonly string[], intervalMs: number, onChange: (file: string) => void): () => void {
  if (intervalMs <= 0) return () => undefined;
  const listeners = files.map((file) => {
    const listener = (current: Stats, previous: Stats): void => {
      if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino) {
        onChange(file);
      }
    };
    watchFile(file, { interval: intervalMs, persistent: false }, listener);
    return { file, listener };
  });
  return () => {
    for (const { file, listener } of listeners) unwatchFile(file, listener);
  };
}

/**
 * @module Resumable uploads in progress: the opaque id the proxy hands the client → Google's
 * upload path and the key that started it (every chunk must go with that key). Bounded; a
 * session left dangling expires. Holds key ids only, never keys or Google's upload URL's key.
 */

import { randomBytes } from 'node:crypto';

/** How long an unfinished upload may wait for its next chunk. */
export const UPLOAD_SESSION_LIFETIME_MS = 24 * 3_600_000;

/** The most uploads in progress at once; past it the oldest is dropped. */
export const MAX_UPLOAD_SESSIONS = 10_000;

export interface UploadSession {
  readonly keyId: string;
  /** Google's upload path and query, credentials removed, sent after the relay's base path. */
  readonly upstreamPath: string;
}

interface Entry extends UploadSession {
  readonly untilMs: number;
}

export class UploadSessions {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #onOpen: (id: string, session: UploadSession, untilMs: number) => void;

  constructor(
    now: () => number,
    newId: () => string = () => randomBytes(18).toString('base64url'),
    onOpen: (id: string, session: UploadSession, untilMs: number) => void = () => undefined,
  ) {
    this.#now = now;
    this.#newId = newId;
    this.#onOpen = onOpen;
  }

  /** Starts a session; returns the id the client's upload URL carries. */
  open(session: UploadSession): string {
    const id = this.#newId();
    const untilMs = this.#now() + UPLOAD_SESSION_LIFETIME_MS;
    this.adopt(id, session, untilMs);
    this.#onOpen(id, session, untilMs);
    return id;
  }

  /** A session under a known id (one another process started), quietly. */
  adopt(id: string, session: UploadSession, untilMs: number): void {
    this.#entries.set(id, { keyId: session.keyId, upstreamPath: session.upstreamPath, untilMs });
    for (const old of this.#entries.keys()) {
      if (this.#entries.size <= MAX_UPLOAD_SESSIONS) break;
      this.#entries.delete(old);
    }
  }

  /** The live session with this id; touching it extends its life. */
  get(id: string): UploadSession | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    this.#entries.delete(id);
    if (entry.untilMs <= this.#now()) return undefined;
    this.#entries.set(id, { ...entry, untilMs: this.#now() + UPLOAD_SESSION_LIFETIME_MS });
    return entry;
  }

  close(id: string): void {
    this.#entries.delete(id);
  }
}

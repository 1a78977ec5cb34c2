/**
 * @module Key state that survives a restart: cooling deadlines, disabled keys (and whether by
 * hand), the projects Google named for keys, which key made each resource, and the usage counts
 * of the last hours and days (usage.ts), all by key id (a hash prefix, never the key), written
 * atomically (temporary file, then rename) at most once a second (usage alone: every
 * USAGE_SAVE_MS), read once at start-up. A missing, corrupted or foreign file is ignored with a warning.
 */

import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { errorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isObject } from '../protocols/shared/json.js';
import type { AffinityEntry, ResourceAffinity } from '../state/affinity.js';
import type { Rotator, SavedKeyState } from './rotator.js';
import { parseUsageDoc, type UsageBook, type UsageDoc } from './usage.js';

const FORMAT = 'gemini-proxy-state';
const VERSION = 1;
const MIN_INTERVAL_MS = 1_000;
/** How often at most new usage counts alone cause a save: they change with every request. */
export const USAGE_SAVE_MS = 10_000;

interface StateDocument {
  format: typeof FORMAT;
  version: typeof VERSION;
  savedAt: string;
  keys: Record<string, SavedKeyState>;
  /** Resource name → the key that made it; absent in files written before affinity existed. */
  resources?: Record<string, AffinityEntry>;
  /** The usage counts; absent in files written before usage was counted. */
  usage?: UsageDoc;
}

/** What the state file holds: the rotator's key state and the affinity map. */
export interface SavedState {
  readonly rotator: Rotator;
  readonly affinity: ResourceAffinity;
  /** Absent in tools that count no usage. */
  readonly usage?: UsageBook;
}

function validResource(value: unknown): value is AffinityEntry {
  return isObject(value) && typeof value['keyId'] === 'string' && typeof value['untilMs'] === 'number';
}

/** A learned project is Google's number, never a name: no file can put other text in /status. */
const LEARNED_PROJECT = /^projects\/\d{1,30}$/;

function validEntry(value: unknown): value is SavedKeyState {
  if (!isObject(value)) return false;
  const { disabled, cooling, project } = value;
  const disabledOk = disabled === undefined || (isObject(disabled) && typeof disabled['reason'] === 'string' &&
    typeof disabled['sinceMs'] === 'number' && (disabled['manual'] === undefined || disabled['manual'] === true));
  const coolingOk = cooling === undefined ||
    (isObject(cooling) && Object.values(cooling).every((until) => typeof until === 'number'));
  const projectOk = project === undefined || (typeof project === 'string' && LEARNED_PROJECT.test(project));
  return disabledOk && coolingOk && projectOk;
}

type Parsed = { keys: Record<string, SavedKeyState>; resources: Record<string, AffinityEntry> };
/** Usage counts that are malformed are left out alone: the key state still loads. */
type Read = Parsed & { usage: UsageDoc | 'malformed' | undefined };

/** The keys and resources of a state document, or a reason it is not one of ours. */
export function parseStateDocument(text: string): Parsed | { problem: string } {
  const read = readStateDocument(text);
  return 'problem' in read ? read : { keys: read.keys, resources: read.resources };
}

function readStateDocument(text: string): Read | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  if (!isObject(value) || value['format'] !== FORMAT || value['version'] !== VERSION || !isObject(value['keys'])) {
    return { problem: `not a ${FORMAT} version ${VERSION} document` };
  }
  const keys = value['keys'];
  if (!Object.values(keys).every(validEntry)) return { problem: 'a key entry is malformed' };
  const resources = value['resources'] ?? {};
  if (!isObject(resources) || !Object.values(resources).every(validResource)) return { problem: 'a resource entry is malformed' };
  const usage = value['usage'] === undefined ? undefined : parseUsageDoc(value['usage']) ?? 'malformed';
  return { keys: keys as Record<string, SavedKeyState>, resources: resources as Record<string, AffinityEntry>, usage };
}

export class StateFile {
  readonly #path: string;
  readonly #state: SavedState;
  readonly #log: Logger;
  readonly #now: () => number;
  #lastSave = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  /** When the scheduled save is due (the injected clock's ms). */
  #dueAt = Number.POSITIVE_INFINITY;
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string, state: SavedState, log: Logger, now: () => number) {
    this.#path = path;
    this.#state = state;
    this.#log = log;
    this.#now = now;
  }

  /** Reads the file into the rotator; anything wrong with it is a warning, never a stop. */
  load(): void {
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'ENOENT') this.#log.warn({ event: 'state-ignored', file: this.#path, code }, 'state file unreadable, ignored');
      return;
    }
    const parsed = readStateDocument(text);
    if ('problem' in parsed) {
      this.#log.warn({ event: 'state-ignored', file: this.#path, problem: parsed.problem }, 'state file ignored');
      return;
    }
    const restored = this.#state.rotator.importState(parsed.keys);
    const resources = this.#state.affinity.importEntries(parsed.resources);
    // By maximum, as a snapshot's totals: counts the process already holds are not added twice.
    if (parsed.usage === 'malformed') this.#log.warn({ event: 'state-usage-ignored', file: this.#path }, 'usage counts in the state file malformed, ignored');
    else if (parsed.usage !== undefined) this.#state.usage?.merge(parsed.usage, 'max', this.#now());
    this.#log.info({ event: 'state-loaded', file: this.#path, keys: restored, resources }, 'key state restored');
  }

  /**
   * Asks for a save; saves happen at most once a second (or every `everyMs`, for a change that
   * can wait longer: an earlier request moves the save forward), the last state always included.
   */
  scheduleSave(everyMs = MIN_INTERVAL_MS): void {
    const now = this.#now();
    const dueAt = Math.max(now, this.#lastSave + everyMs);
    if (this.#timer !== undefined && this.#dueAt <= dueAt) return;
    clearTimeout(this.#timer);
    this.#dueAt = dueAt;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#dueAt = Number.POSITIVE_INFINITY;
      this.#writing = this.#writing.then(() => this.#save());
    }, dueAt - now);
    this.#timer.unref();
  }

  /** Writes a pending save now (at shutdown) and waits for every write to finish. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#dueAt = Number.POSITIVE_INFINITY;
      this.#writing = this.#writing.then(() => this.#save());
    }
    await this.#writing;
  }

  async #save(): Promise<void> {
    this.#lastSave = this.#now();
    const document: StateDocument = {
      format: FORMAT, version: VERSION, savedAt: new Date(this.#lastSave).toISOString(), keys: this.#state.rotator.exportState(),
      resources: this.#state.affinity.exportEntries(),
    };
    // One fixed temporary name, so a crash between write and rename leaves no litter behind.
    const temporary = `${this.#path}.tmp`;
    try {
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(documentText(document, this.#state.usage?.toDoc()));
        await handle.sync(); // on disk before it replaces the old file
      } finally {
        await handle.close();
      }
      await rename(temporary, this.#path);
    } catch (error) {
      this.#log.warn({ event: 'state-save-failed', file: this.#path, code: errorCode(error) }, 'could not save key state');
    }
  }
}

/**
 * The file's text: the key state indented, as an operator reads it; the usage counts, which can
 * run to thousands of cells, on one line at its end.
 */
function documentText(document: StateDocument, usage: UsageDoc | undefined): string {
  const text = JSON.stringify(document, null, 2);
  if (usage === undefined) return `${text}\n`;
  // `text` ends with the document's closing brace: the usage goes in just before it.
  return `${text.slice(0, -2)},\n  "usage": ${JSON.stringify(usage)}\n}\n`;
}

/**
 * @module What each shared change does to the state a process that starts or reconnects is given:
 * it sets or clears one entry, named by what it is about (a key's cooling for a scope, a key's
 * disabled mark, a path's health, a resource's owner, …), in force until a time or until cleared.
 * The cluster primary's snapshot, Redis's state keys and the tests' bus all keep entries by this
 * one table. Usage counts are not entries: they add up. Pure.
 */

import type { SharedChange } from './link.js';

/** A change kept as one state entry: every change but usage counts. */
export type EntryChange = Exclude<SharedChange, { type: 'usage' }>;

/** What an entry is about: its kind and the ids that name it. */
export interface EntrySubject {
  readonly kind: 'cooling' | 'disabled' | 'project' | 'path' | 'resource' | 'upload';
  readonly parts: readonly string[];
}

export interface EntryEffect {
  readonly subject: EntrySubject;
  /** True: the change is the entry's new value; false: it clears the entry. */
  readonly set: boolean;
  /** When the entry stops being in force (epoch ms); Infinity: until another change clears it. */
  readonly untilMs: number;
}

const subject = (kind: EntrySubject['kind'], ...parts: string[]): EntrySubject => ({ kind, parts });

export function entryOf(change: EntryChange): EntryEffect {
  switch (change.type) {
    case 'key-cooling': return { subject: subject('cooling', change.keyId, change.scope), set: true, untilMs: change.untilMs };
    case 'key-uncooled': return { subject: subject('cooling', change.keyId, change.scope), set: false, untilMs: 0 };
    case 'key-disabled': return { subject: subject('disabled', change.keyId), set: true, untilMs: Infinity };
    case 'key-enabled': return { subject: subject('disabled', change.keyId), set: false, untilMs: 0 };
    case 'key-project': return { subject: subject('project', change.keyId), set: true, untilMs: Infinity };
    // A path healthy again (0) holds nothing a new process needs: every path starts healthy.
    case 'path-health': return { subject: subject('path', change.path, change.id), set: change.unhealthyUntilMs > 0, untilMs: change.unhealthyUntilMs };
    case 'resource': return { subject: subject('resource', change.name), set: true, untilMs: change.untilMs };
    case 'resource-forgotten': return { subject: subject('resource', change.name), set: false, untilMs: 0 };
    case 'upload': return { subject: subject('upload', change.id), set: true, untilMs: change.untilMs };
  }
}

/** One string per subject, for maps keyed by entry. */
export function subjectName({ kind, parts }: EntrySubject): string {
  return [kind, ...parts].join('\n');
}

/** Whether a change that sets an entry has run out: re-sending it later would only erase newer state. */
export function expired(change: EntryChange, nowMs: number): boolean {
  const { set, untilMs } = entryOf(change);
  return set && untilMs <= nowMs;
}

/** The change with its entry's end moved to `untilMs` (a change in force until cleared is returned as it is). */
export function endingAt(change: EntryChange, untilMs: number): EntryChange {
  switch (change.type) {
    case 'key-cooling':
    case 'resource':
    case 'upload':
      return { ...change, untilMs };
    case 'path-health':
      return { ...change, unhealthyUntilMs: untilMs };
    default:
      return change;
  }
}

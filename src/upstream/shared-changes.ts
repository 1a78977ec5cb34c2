/**
 * @module The rotator's state changes as the other processes hear of them, and theirs applied
 * here: a key cooling or disabled elsewhere is cooling or disabled here too, a relay or egress
 * proxy found unhealthy elsewhere is passed over here. Applied quietly (no event, no log line, no
 * publishing back), so a change makes one round. A key disabled by hand travels as a `key-disabled`
 * whose reason is `MANUAL`: the link's wire format and Redis's stored changes stay as they were.
 * No I/O.
 */

import type { SharedChange } from '../state/link.js';
import type { Health } from './health.js';
import { MANUAL_REASON, type KeyRecord, type Rotator, type StateChange } from './rotator.js';

/** The shared form of a change this process made, or undefined for one not shared. */
export function toShared(change: StateChange, nowMs: number): SharedChange | undefined {
  switch (change.type) {
    case 'key-cooling': return { type: 'key-cooling', keyId: change.keyId, scope: change.scope, untilMs: change.untilMs, reason: change.reason };
    case 'key-uncooled': return { type: 'key-uncooled', keyId: change.keyId, scope: change.scope };
    case 'key-disabled': return { type: 'key-disabled', keyId: change.keyId, reason: change.reason, sinceMs: nowMs };
    case 'key-enabled': return { type: 'key-enabled', keyId: change.keyId };
    case 'key-project': return { type: 'key-project', keyId: change.keyId, learned: change.learned };
    case 'relay-unhealthy':
      return { type: 'path-health', path: 'relay', id: change.relayId, unhealthyUntilMs: change.untilMs, consecutiveFailures: change.failures, reason: change.reason };
    case 'relay-healthy': return { type: 'path-health', path: 'relay', id: change.relayId, unhealthyUntilMs: 0, consecutiveFailures: 0 };
    case 'egress-unhealthy':
      return { type: 'path-health', path: 'egress', id: change.egressId, unhealthyUntilMs: change.untilMs, consecutiveFailures: change.failures, reason: change.reason };
    case 'egress-healthy': return { type: 'path-health', path: 'egress', id: change.egressId, unhealthyUntilMs: 0, consecutiveFailures: 0 };
  }
}

function setHealth(health: Health, change: Extract<SharedChange, { type: 'path-health' }>): void {
  health.unhealthyUntilMs = change.unhealthyUntilMs;
  health.consecutiveFailures = change.consecutiveFailures;
  health.reason = change.reason;
}

function applyToKey(rotator: Rotator, record: KeyRecord, change: SharedChange): void {
  switch (change.type) {
    case 'key-cooling':
      if ((record.cooling.get(change.scope) ?? 0) < change.untilMs) record.cooling.set(change.scope, change.untilMs);
      return;
    case 'key-uncooled':
      record.cooling.delete(change.scope);
      return;
    case 'key-disabled':
      // Disabled by hand elsewhere (its reason says so): so it is here, whatever disabled it before.
      if (change.reason === MANUAL_REASON) record.disabled = { reason: change.reason, sinceMs: change.sinceMs, manual: true };
      else record.disabled ??= { reason: change.reason, sinceMs: change.sinceMs };
      return;
    case 'key-enabled':
      // By hand, or by a probe of a key its process saw disabled by an answer: either way, back.
      record.disabled = undefined;
      return;
    case 'key-project':
      rotator.learnProject(record, change.learned);
      return;
    default:
      return;
  }
}

/** Applies another process's change; true when it named a key, relay or proxy this process has. */
export function applyShared(rotator: Rotator, change: SharedChange): boolean {
  if (change.type === 'path-health') {
    const records: Health[] = change.path === 'relay'
      ? rotator.relays.filter((record) => record.relay.id === change.id)
      : [...rotator.egress.records].filter((record) => record.proxy.id === change.id);
    let found = false;
    for (const record of records) {
      setHealth(record, change);
      found = true;
    }
    return found;
  }
  if (!('keyId' in change) || change.type === 'resource' || change.type === 'upload') return false;
  const record = rotator.keys.find((candidate) => candidate.key.id === change.keyId);
  if (record === undefined) return false;
  applyToKey(rotator, record, change);
  return true;
}

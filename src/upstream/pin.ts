/**
 * @module Which key a request must use because of what it names: a resource (a file, a cache, a
 * batch, …) is served only to the project of the key that made it, so a request about one goes
 * out with that key and no other. Reads the affinity map; the body is searched only when the map
 * holds something and the body holds a collection's name.
 */

import { ProxyError } from '../errors.js';
import { OWNED_COLLECTIONS, resourceOfPath, resourcesInText } from '../protocols/gemini/resources.js';
import type { ResourceAffinity } from '../state/affinity.js';

/** The key a request is pinned to, and the resource that pins it (for errors and logs). */
export interface Pin {
  readonly keyId: string;
  readonly resource: string;
}

/** Byte patterns that must appear in a body naming a resource; most bodies hold none of them. */
const MARKERS: readonly Buffer[] = [...OWNED_COLLECTIONS.map((collection) => Buffer.from(`${collection}/`)), Buffer.from('previous_interaction_id')];

function namedInBody(body: Buffer | undefined): string[] {
  if (body === undefined || !MARKERS.some((marker) => body.includes(marker))) return [];
  return resourcesInText(body.toString('latin1'));
}

/**
 * The pin of a request whose path or body names known resources; undefined when none is known.
 * Two resources made by different keys cannot be used together (their projects differ): a 400
 * naming both, and no key is blamed.
 */
export function pinFor(path: string, body: Buffer | undefined, affinity: ResourceAffinity | undefined): Pin | undefined {
  if (affinity === undefined || affinity.size === 0) return undefined;
  const fromPath = resourceOfPath(path);
  const names = fromPath === undefined ? namedInBody(body) : [fromPath, ...namedInBody(body)];
  let pin: Pin | undefined;
  for (const resource of names) {
    const keyId = affinity.keyFor(resource);
    if (keyId === undefined) continue;
    if (pin === undefined) pin = { keyId, resource };
    else if (pin.keyId !== keyId) {
      throw new ProxyError('GP_RESOURCE_CONFLICT',
        `${pin.resource} and ${resource} were made with different keys (${pin.keyId}, ${keyId}), so they live in different ` +
        'projects: one request cannot use both; upload them again with one key, or use them in separate requests');
    }
  }
  return pin;
}

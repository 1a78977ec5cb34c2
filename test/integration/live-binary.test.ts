/**
 * A Live session through the esbuild bundle as shipped (ws's optional native add-ons left out);
 * test/binary runs the same session through the single executable it builds.
 */

import { afterEach, beforeAll, describe, it } from 'vitest';
import { assertBundleFresh, cleanUp } from '../cli/support.js';
import { liveSessionThrough } from '../support/live-session.js';

describe('a Live session through the shipped bundle', () => {
  beforeAll(() => assertBundleFresh());
  afterEach(() => cleanUp());

  it('relays a session', () => liveSessionThrough({}));
});

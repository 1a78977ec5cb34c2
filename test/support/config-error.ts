/** Runs `fn` and returns the ConfigError it throws; anything else fails the test. */

import { ConfigError } from '../../src/config/config-error.js';

export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** @module The error every configuration problem becomes: where, what was found, what was expected. */

export type ConfigErrorCode =
  | 'GP_CONFIG_INVALID'
  | 'GP_CONFIG_FILE_UNREADABLE'
  | 'GP_CONFIG_NO_KEYS'
  | 'GP_CONFIG_UNSAFE_BIND';

/**
 * A configuration error names the field (a flag, a variable, a file and line), the value it
 * found and what it expected. Its message is one line, fit to print as the CLI's last words.
 */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly field: string;

  constructor(code: ConfigErrorCode, field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'ConfigError';
    this.code = code;
    this.field = field;
  }

  /** The usual case: `field: got "x", expected y`. */
  static invalid(field: string, got: unknown, expected: string): ConfigError {
    return new ConfigError('GP_CONFIG_INVALID', field, `got ${quote(got)}, expected ${expected}`);
  }
}

function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

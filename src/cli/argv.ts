/**
 * @module Go-style flags as users type them (`-protocol=openai`, `-port 8080`): a single dash
 * before a long name becomes two, so commander reads it as the long option it is. Pure.
 */

/**
 * Rewrites `-name`, `-name=value` to `--name…` when `name` is a known long option. Short flags
 * (`-h`, `-v`), values and everything after `--` are left alone.
 */
export function normaliseArgv(args: readonly string[], longNames: ReadonlySet<string>): string[] {
  const result: string[] = [];
  let passthrough = false;
  for (const arg of args) {
    if (passthrough || arg === '--') {
      passthrough = true;
      result.push(arg);
      continue;
    }
    const match = /^-([a-zA-Z][a-zA-Z0-9-]+)(=.*)?$/.exec(arg);
    result.push(match?.[1] !== undefined && longNames.has(match[1]) ? `-${arg}` : arg);
  }
  return result;
}

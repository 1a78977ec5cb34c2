/**
 * @module The command line: commander options built from the settings table, so every
 * setting has one flag, one variable and one INI name.
 */

import { Command, Option } from 'commander';
import type { RawValue } from '../config/parse-value.js';
import type { CliSettings } from '../config/resolve.js';
import { SETTINGS, SETTING_KEYS } from '../config/settings.js';
import { VERSION } from '../version.js';
import { normaliseArgv } from './argv.js';

export interface ParsedCommandLine {
  readonly settings: CliSettings;
  readonly configFile: string | undefined;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function buildProgram(): Command {
  const program = new Command('gemini-proxy')
    .usage('[options]\n       gemini-proxy doctor [options]   probe every key through every relay, print a table')
    .description('A key-rotating proxy in front of the Gemini API, for Gemini and OpenAI clients.')
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .addOption(new Option('--config <path>', 'an INI file holding any of the settings below (env GEMINI_PROXY_CONFIG)'));
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key];
    const flags = spec.switch ? `--${spec.flag}` : `--${spec.flag} <${spec.valueName}>`;
    const option = new Option(flags, `${spec.help} (default: ${spec.defaultText}; env ${spec.env})`);
    if (spec.repeatable) option.argParser(collect);
    program.addOption(option);
    if (spec.negatable) program.addOption(new Option(`--no-${spec.flag}`, `turn ${spec.flag} off`));
  }
  return program;
}

/** The long option names, for Go-style single-dash flags. */
function longNames(program: Command): Set<string> {
  return new Set(program.options.flatMap((option) => (option.long ? [option.long.slice(2)] : [])));
}

/**
 * Parses `args` (without `node` and the script). Commander prints help, the version or a
 * usage error itself and exits; everything else comes back as raw values for the config layer.
 */
export function parseCommandLine(args: readonly string[]): ParsedCommandLine {
  const program = buildProgram();
  program.parse(normaliseArgv(args, longNames(program)), { from: 'user' });
  const options = program.opts<Record<string, unknown>>();
  const settings: CliSettings = {};
  for (const key of SETTING_KEYS) {
    const value = options[camel(SETTINGS[key].flag)];
    if (isRawValue(value)) settings[key] = value;
  }
  const configFile = typeof options['config'] === 'string' ? options['config'] : undefined;
  return { settings, configFile };
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function isRawValue(value: unknown): value is RawValue {
  return typeof value === 'string' || typeof value === 'boolean' ||
    (Array.isArray(value) && value.every((item) => typeof item === 'string'));
}

/** @module Reads the INI configuration file: every line checked, every key known, paths resolved. */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseIni } from 'ini';
import { errorCode } from '../errors.js';
import { ConfigError } from './config-error.js';
import type { RawValue } from './parse-value.js';
import { SETTINGS, SETTING_KEYS, type Settings } from './settings.js';

export type IniSettings = Partial<Record<keyof Settings, RawValue>>;

export interface IniFile {
  readonly settings: IniSettings;
  /** The `[models]` section: model names clients send → the Gemini model to use. */
  readonly modelAliases: Readonly<Record<string, string>>;
}

const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const KEY_BY_NAME = new Map(SETTING_KEYS.map((key) => [SETTINGS[key].flag, key] as const));

/** The INI name of a line's key: `max_attempts` and `max-attempts` are one name; `x[]` is `x`. */
function normaliseName(name: string): string {
  return name.trim().replace(/\[\]$/, '').replaceAll('_', '-').toLowerCase();
}

/** One `alias = model` line of the `[models]` section. */
function aliasLine(line: string, where: string, aliases: Record<string, string>): void {
  const equals = line.indexOf('=');
  const alias = line.slice(0, equals).trim();
  const model = line.slice(equals + 1).trim().replace(/^models\//, '');
  if (equals <= 0 || !ALIAS.test(alias) || FORBIDDEN_KEYS.has(alias)) {
    throw new ConfigError('GP_CONFIG_INVALID', where, 'expected a line of the form alias = gemini-model-id');
  }
  if (!MODEL_ID.test(model)) throw ConfigError.invalid(where, model, 'a Gemini model id such as gemini-2.5-flash');
  aliases[alias] = model;
}

function settingLine(line: string, where: string): void {
  const equals = line.indexOf('=');
  if (equals <= 0) throw new ConfigError('GP_CONFIG_INVALID', where, 'expected a line of the form name = value');
  const rawName = line.slice(0, equals).trim();
  const name = normaliseName(rawName);
  if (FORBIDDEN_KEYS.has(rawName.replace(/\[\]$/, '')) || !KEY_BY_NAME.has(name)) {
    throw ConfigError.invalid(where, rawName, `a known setting (${[...KEY_BY_NAME.keys()].join(', ')})`);
  }
}

/**
 * Checks the file line by line, because `ini.parse` accepts anything (a stray word becomes a
 * key set to `true`); a mistyped setting must fail loudly, naming its line. A malformed line is
 * never repeated in the message: it may hold a token. Returns the `[models]` aliases.
 */
function checkLines(text: string, file: string): Record<string, string> {
  const aliases: Record<string, string> = {};
  let section = '';
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    const where = `${file}:${index + 1}`;
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    if (line.startsWith('[')) {
      if (line !== '[models]') throw new ConfigError('GP_CONFIG_INVALID', where, 'expected no section but [models]');
      section = 'models';
    } else if (section === 'models') {
      aliasLine(line, where, aliases);
    } else {
      settingLine(line, where);
    }
  });
  return aliases;
}

function toRawValue(value: unknown): RawValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => String(item));
  return undefined;
}

/** Reads and checks an INI file; relative paths in it are relative to the file's folder. */
export function readIniFile(file: string): IniFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('GP_CONFIG_FILE_UNREADABLE', `--config ${file}`,
      `cannot read the file (${errorCode(error) ?? 'unreadable'})`);
  }
  const modelAliases = checkLines(text, file);
  const parsed: Record<string, unknown> = parseIni(text);
  const settings: IniSettings = {};
  for (const [name, value] of Object.entries(parsed)) {
    const key = KEY_BY_NAME.get(normaliseName(name));
    const raw = toRawValue(value);
    if (key === undefined || raw === undefined) continue;
    const resolvedRaw =
      SETTINGS[key].isPath && typeof raw === 'string' ? resolve(dirname(file), raw) : raw;
    settings[key] = resolvedRaw;
  }
  return { settings, modelAliases };
}

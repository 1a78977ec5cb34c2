/**
 * @module One line of `api_keys.txt`: one key or several (separated by commas or whitespace, as
 * operators paste them), then optional `name=value` labels (`AIza…  project=alpha`). A key never
 * holds whitespace or a comma, and a word shaped like a label is a label, so a label can never
 * be read as a key nor a key as a label.
 */

import { ConfigError } from './config-error.js';

/** What the labels of one key line say. */
export interface KeyLabels {
  /** The project the operator says the key belongs to: a name, or `projects/NNN`. */
  readonly project?: string;
  /**
   * The egress proxy the key always leaves through (its `host:port` in the egress proxies file),
   * or `direct` for none, instead of the one the hash ring gives it.
   */
  readonly egress?: string;
}

const PRINTABLE_TOKEN = /^[\x21-\x7e]+$/;
/** `name=value`: a lower-case name, then anything up to the next whitespace. */
const LABEL = /^([a-z][a-z0-9_-]{0,31})=(.*)$/;
/** A word meant as a label (`Project=alpha` too, refused for its case): never a key. */
const LABEL_LIKE = /^[A-Za-z][A-Za-z0-9_-]{0,31}=/;
/** A project label: a short name (no `/`, so it never looks like Google's `projects/NNN`). */
const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A project label of digits only is Google's project number, named as Google's errors name it. */
const PROJECT_NUMBER = /^\d{1,30}$/;

/** A proxy label: `host:port` as the egress proxies file gives it, or `direct`. */
const PROXY_NAME = /^[A-Za-z0-9.:[\]_-]{1,300}$/;

/**
 * Labels this version reads. Any other well-formed `name=value` is ignored with a warning, so a
 * file written for a newer version still loads, and a typo shows in the log.
 */
const KNOWN_LABELS = new Set(['project', 'proxy']);

/** The key of a line: printable, no whitespace, not shaped like a label. Never echoed. */
export function checkKey(secret: string, where: string): void {
  if (!PRINTABLE_TOKEN.test(secret)) {
    throw new ConfigError('GP_CONFIG_INVALID', where, 'expected a key of printable characters without spaces');
  }
  if (LABEL.test(secret)) {
    throw new ConfigError('GP_CONFIG_INVALID', where, 'expected a key first; name=value labels go after the key on its line');
  }
}

function projectOf(value: string, where: string): string {
  if (PROJECT_NUMBER.test(value)) return `projects/${value}`;
  if (PROJECT_NAME.test(value)) return value;
  // Not echoed: a malformed value may be a key pasted in the wrong place.
  throw new ConfigError('GP_CONFIG_INVALID', where,
    'expected project=NAME (letters, digits, ".", "_", "-"; at most 64) or project=NUMBER (Google\'s project number)');
}

function proxyOf(value: string, where: string): string {
  if (PROXY_NAME.test(value)) return value;
  throw new ConfigError('GP_CONFIG_INVALID', where, 'expected proxy=HOST:PORT (an egress proxy as its file lists it) or proxy=direct');
}

/**
 * Splits a trimmed key line into its keys and its labels; `warnings` gets unknown label names.
 * Keys come first, separated by commas or whitespace as operators paste them; the labels after
 * them hold for every key of the line.
 */
export function parseKeyLine(line: string, where: string, warnings: string[]): { secrets: string[]; labels: KeyLabels } {
  const words = line.split(/[\s,]+/).filter((word) => word !== '');
  const firstLabel = words.findIndex((word) => LABEL_LIKE.test(word));
  const secrets = firstLabel === -1 ? words : words.slice(0, firstLabel);
  if (secrets.length === 0) {
    throw new ConfigError('GP_CONFIG_INVALID', where, 'expected a key first; name=value labels go after the key on its line');
  }
  for (const secret of secrets) checkKey(secret, where);
  return { secrets, labels: parseLabels(firstLabel === -1 ? [] : words.slice(firstLabel), where, warnings) };
}

function parseLabels(words: readonly string[], where: string, warnings: string[]): KeyLabels {
  const seen = new Set<string>();
  const labels: { project?: string; egress?: string } = {};
  for (const word of words) {
    const match = LABEL.exec(word);
    const name = match?.[1];
    const value = match?.[2];
    if (name === undefined || value === undefined) {
      // Not echoed: a word after a label that is no label is most likely a key.
      throw new ConfigError('GP_CONFIG_INVALID', where, 'expected the keys first, then lower-case name=value labels');
    }
    if (seen.has(name)) throw new ConfigError('GP_CONFIG_INVALID', where, `the label ${name} is given twice`);
    seen.add(name);
    if (!KNOWN_LABELS.has(name)) {
      warnings.push(`${where}: unknown label ${name}, ignored`);
      continue;
    }
    if (name === 'project') labels.project = projectOf(value, where);
    else labels.egress = proxyOf(value, where);
  }
  return labels;
}

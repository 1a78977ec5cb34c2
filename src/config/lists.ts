/**
 * @module The key, relay and valid-user lists: parsed from their files (and the environment),
 * checked, given ids.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errorCode } from '../errors.js';
import { ConfigError } from './config-error.js';
import { toEgress, type EgressProxy } from './egress-line.js';
import { checkKey, parseKeyLine } from './key-line.js';

export type { EgressProxy } from './egress-line.js';

export const GOOGLE_ENDPOINT = 'https://generativelanguage.googleapis.com';

/** A Gemini API key and the short id that stands for it everywhere outside the process. */
export interface ApiKey {
  readonly id: string;
  readonly secret: string;
  /** The project its line's `project=` label names (src/config/key-line.ts); absent without one. */
  readonly project?: string;
  /** The egress proxy its line's `proxy=` label pins it to (an id, or `direct`); absent without one. */
  readonly egress?: string;
}

/** An upstream base URL: Google's endpoint or a relay in front of it. */
export interface Relay {
  readonly id: string;
  /** `scheme://host:port`, what the connection pool is keyed on. */
  readonly origin: string;
  /** Path prefix put before every forwarded path; '' for none. */
  readonly basePath: string;
}

export interface Lists {
  readonly keys: readonly ApiKey[];
  readonly relays: readonly Relay[];
  /** The forward proxies upstream connections leave through; empty for none (direct). */
  readonly egress: readonly EgressProxy[];
  /** The user ids allowed to start chats (the session API); empty when there is no users file. */
  readonly users: readonly string[];
  /** Things worth a warning line (duplicates dropped), never containing a secret. */
  readonly warnings: readonly string[];
}

export interface ListSources {
  apiKeysFile: string;
  /** False when the path is the built-in default, so a missing file is not an error. */
  apiKeysFileExplicit: boolean;
  proxyUrlsFile: string;
  /** '' or absent: no egress proxies. */
  egressProxiesFile?: string;
  envKeys: readonly string[];
  usersFile: string;
}

interface Line {
  readonly value: string;
  readonly line: number;
}

/** A stable short id for a key: a prefix of its SHA-256, so logs can tell keys apart safely. */
export function keyId(secret: string): string {
  return `key_${createHash('sha256').update(secret).digest('hex').slice(0, 8)}`;
}

/** One entry a line; blank lines and `#` comments skipped; duplicates dropped with a warning. */
export function parseLines(text: string, file: string, warnings: string[]): Line[] {
  const seen = new Map<string, number>();
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const value = raw.trim();
    if (value === '' || value.startsWith('#')) return;
    const first = seen.get(value);
    if (first !== undefined) {
      warnings.push(`${file}:${index + 1}: duplicate of line ${first}, dropped`);
      return;
    }
    seen.set(value, index + 1);
    lines.push({ value, line: index + 1 });
  });
  return lines;
}

const PRINTABLE_TOKEN = /^[\x21-\x7e]+$/;

/** A key given alone (the environment): no labels. The message never repeats the key. */
function toKey(entry: Line, file: string): ApiKey {
  checkKey(entry.value, `${file}:${entry.line}`);
  return { id: keyId(entry.value), secret: entry.value };
}

/** A line of the key file: its keys, each with the line's labels. */
function toLabelledKeys(entry: Line, file: string, warnings: string[]): ApiKey[] {
  const { secrets, labels } = parseKeyLine(entry.value, `${file}:${entry.line}`, warnings);
  return secrets.map((secret) => ({ id: keyId(secret), secret, ...labels }));
}

/**
 * One key a file: a key on two lines (with other labels, or spaced differently) is dropped with
 * a warning. A label holding a key would show it in /status: refused, without saying which.
 */
function uniqueKeys(entries: readonly { key: ApiKey; line: number }[], file: string, warnings: string[]): ApiKey[] {
  const first = new Map<string, number>();
  const keys: ApiKey[] = [];
  for (const { key, line } of entries) {
    const earlier = first.get(key.secret);
    if (earlier !== undefined) {
      const again = earlier === line ? 'twice on the line' : `the same key as line ${earlier}`;
      warnings.push(`${file}:${line}: ${again}, dropped`);
      continue;
    }
    first.set(key.secret, line);
    keys.push(key);
  }
  for (const { key, line } of entries) {
    if ((key.project !== undefined && first.has(key.project)) || (key.egress !== undefined && first.has(key.egress))) {
      throw new ConfigError('GP_CONFIG_INVALID', `${file}:${line}`, 'a label must not hold a key');
    }
  }
  return keys;
}

function toUser(entry: Line, file: string): string {
  if (!PRINTABLE_TOKEN.test(entry.value)) {
    // Not echoed: a malformed line may be a key pasted into the wrong file.
    throw new ConfigError('GP_CONFIG_INVALID', `${file}:${entry.line}`,
      'expected a user id of printable characters without spaces');
  }
  return entry.value;
}

/** Parses a relay line: an http(s) base URL, optionally with a path, without query or fragment. */
export function toRelay(value: string, where: string): Relay {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: an unparsable line may still hold a password.
    throw new ConfigError('GP_CONFIG_INVALID', where, 'expected an http:// or https:// base URL');
  }
  if (url.username || url.password) {
    throw ConfigError.invalid(where, `${url.protocol}//…@${url.host}`, 'a URL without user:password');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    // Only scheme and host are repeated: a query or path may hold a relay's token.
    throw ConfigError.invalid(where, `${url.protocol}//${url.host}`, 'an http:// or https:// base URL without query or fragment');
  }
  const basePath = url.pathname.replace(/\/+$/, '');
  // The id reads like the URL (without `https://`, the usual case), but a path shows only as a
  // short hash: some relays put their access token in the path.
  const host = url.protocol === 'https:' ? url.host : url.origin;
  const id = basePath === '' ? host : `${host}/…${createHash('sha256').update(basePath).digest('hex').slice(0, 6)}`;
  return { id, origin: url.origin, basePath };
}

function readOptional(file: string, field: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return undefined;
    throw new ConfigError('GP_CONFIG_FILE_UNREADABLE', field, `cannot read ${file} (${code ?? 'error'})`);
  }
}

function loadKeys(sources: ListSources, warnings: string[]): ApiKey[] {
  const file = sources.apiKeysFile;
  const text = readOptional(file, '--api-keys-file');
  if (text === undefined && (sources.apiKeysFileExplicit || sources.envKeys.length === 0)) {
    throw new ConfigError('GP_CONFIG_NO_KEYS', '--api-keys-file',
      `${file} does not exist; expected a file of Gemini API keys, one per line (or GEMINI_API_KEY)`);
  }
  const lines = text === undefined ? [] : parseLines(text, file, warnings);
  const entries = lines.flatMap((line) => toLabelledKeys(line, file, warnings).map((key) => ({ key, line: line.line })));
  const fromFile = uniqueKeys(entries, file, warnings);
  if (text !== undefined && fromFile.length === 0) {
    throw new ConfigError('GP_CONFIG_NO_KEYS', file, 'the file holds no keys; expected one key per line');
  }
  const fromEnv = sources.envKeys.map((secret, index) =>
    toKey({ value: secret, line: index + 1 }, 'GEMINI_API_KEYS'));
  const seen = new Set(fromFile.map((key) => key.secret));
  return [...fromFile, ...fromEnv.filter((key) => !seen.has(key.secret) && seen.add(key.secret))];
}

function loadRelays(file: string, warnings: string[]): Relay[] {
  const text = readOptional(file, '--proxy-urls-file');
  const lines = text === undefined ? [] : parseLines(text, file, warnings);
  if (lines.length === 0) return [toRelay(GOOGLE_ENDPOINT, 'default relay')];
  // `https://r.example`, `https://r.example/` and `https://r.example:443` are one relay.
  const byId = new Map<string, Relay>();
  for (const line of lines) {
    const relay = toRelay(line.value, `${file}:${line.line}`);
    if (byId.has(relay.id)) warnings.push(`${file}:${line.line}: the same relay as an earlier line, dropped`);
    else byId.set(relay.id, relay);
  }
  return [...byId.values()];
}

/** One proxy a `host:port`: two lines naming it (with other credentials, say) are one proxy. */
function loadEgress(file: string, warnings: string[]): EgressProxy[] {
  if (file === '') return [];
  const text = readOptional(file, '--egress-proxies-file');
  const byId = new Map<string, EgressProxy>();
  for (const line of text === undefined ? [] : parseLines(text, file, warnings)) {
    const proxy = toEgress(line.value, `${file}:${line.line}`);
    if (byId.has(proxy.id)) warnings.push(`${file}:${line.line}: the same proxy as an earlier line, dropped`);
    else byId.set(proxy.id, proxy);
  }
  return [...byId.values()];
}

/** A key pinned to a proxy the egress file does not list would leave from an address nobody chose. */
function checkPins(keys: readonly ApiKey[], egress: readonly EgressProxy[], sources: ListSources): void {
  const ids = new Set(egress.map((proxy) => proxy.id));
  for (const key of keys) {
    if (key.egress === undefined || key.egress === 'direct' || ids.has(key.egress)) continue;
    throw new ConfigError('GP_CONFIG_INVALID', sources.apiKeysFile,
      `${key.id} has proxy=${key.egress}, which ${sources.egressProxiesFile || 'no egress proxies file'} does not list`);
  }
}

/** Most operators do not serve chat sessions, so a missing users file means no users, not an error. */
function loadUsers(file: string, warnings: string[]): string[] {
  if (file === '') return [];
  const text = readOptional(file, '--users-file');
  return text === undefined ? [] : parseLines(text, file, warnings).map((line) => toUser(line, file));
}

/**
 * Where a resolved configuration says the lists are. The users file is read only when the
 * session API is served ('' otherwise): a file nobody uses must not stop a start or a reload.
 */
export function listSourcesOf(config: ListSources & { readonly protocols: readonly string[] }): ListSources {
  const { apiKeysFile, apiKeysFileExplicit, proxyUrlsFile, egressProxiesFile, envKeys, usersFile } = config;
  const users = config.protocols.includes('session') ? usersFile : '';
  return { apiKeysFile, apiKeysFileExplicit, proxyUrlsFile, egressProxiesFile: egressProxiesFile ?? '', envKeys, usersFile: users };
}

/** Reads the lists; throws a ConfigError naming the file and line of the first problem. */
export function loadLists(sources: ListSources): Lists {
  const warnings: string[] = [];
  const keys = loadKeys(sources, warnings);
  const relays = loadRelays(sources.proxyUrlsFile, warnings);
  const egress = loadEgress(sources.egressProxiesFile ?? '', warnings);
  checkPins(keys, egress, sources);
  const users = loadUsers(sources.usersFile, warnings);
  return { keys, relays, egress, users, warnings };
}

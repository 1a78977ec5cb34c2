/**
 * @module Resolves the configuration once at start-up: built-in default < INI file < environment
 * < command line. The only module that reads `process.env`.
 */

import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { ConfigError } from './config-error.js';
import { readIniFile, type IniSettings } from './ini-file.js';
import { parseList, type RawValue } from './parse-value.js';
import { defaultSettings, SETTINGS, SETTING_KEYS, type Settings } from './settings.js';

export type CliSettings = Partial<Record<keyof Settings, RawValue>>;

/** Everything the daemon needs, validated and frozen. */
export interface Config extends Settings {
  /** The INI file that was read, if any. */
  readonly configFile: string | undefined;
  /** Keys given through GEMINI_API_KEY / GEMINI_API_KEYS. */
  readonly envKeys: readonly string[];
  /** Whether the key file path was chosen by the user (a missing default file is no error). */
  readonly apiKeysFileExplicit: boolean;
  /** Model names clients send → Gemini model ids (the INI file's `[models]` section). */
  readonly modelAliases: Readonly<Record<string, string>>;
}

export interface ResolveInput {
  cli: CliSettings;
  /** `--config`, when given on the command line. */
  cliConfigFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

type Env = Readonly<Record<string, string | undefined>>;

function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function resolveSetting<K extends keyof Settings>(
  key: K,
  layers: { cli: CliSettings; env: Env; ini: IniSettings; iniFile: string | undefined },
  fallback: Settings[K],
): Settings[K] {
  const spec = SETTINGS[key];
  const cli = layers.cli[key];
  if (cli !== undefined) return spec.parse(`--${spec.flag}`, cli);
  const env = envValue(layers.env, spec.env);
  if (env !== undefined) return spec.parse(spec.env, env);
  const ini = layers.ini[key];
  if (ini !== undefined) return spec.parse(`${layers.iniFile ?? 'config'}: ${spec.flag}`, ini);
  return fallback;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

function envKeys(env: Env): string[] {
  return [
    ...parseList(envValue(env, 'GEMINI_API_KEY') ?? ''),
    ...parseList(envValue(env, 'GEMINI_API_KEYS') ?? ''),
  ];
}

/** Merges every layer, validates each value once, and checks the settings against each other. */
export function resolveConfig(input: ResolveInput): Config {
  const env: Env = input.env ?? process.env;
  const configFile = input.cliConfigFile ?? envValue(env, 'GEMINI_PROXY_CONFIG');
  const iniFile = configFile === undefined ? undefined : resolvePath(configFile);
  const iniContent = iniFile === undefined ? undefined : readIniFile(iniFile);
  const ini = iniContent?.settings ?? {};
  const layers = { cli: input.cli, env, ini, iniFile };
  const defaults = defaultSettings();
  const settings = {} as Record<keyof Settings, unknown>;
  for (const key of SETTING_KEYS) settings[key] = resolveSetting(key, layers, defaults[key]);
  const resolved = settings as Settings;
  const apiKeysFileExplicit =
    layers.cli.apiKeysFile !== undefined ||
    envValue(env, SETTINGS.apiKeysFile.env) !== undefined ||
    ini.apiKeysFile !== undefined;
  const config: Config = {
    ...resolved,
    apiKeysFile: resolvePath(resolved.apiKeysFile),
    proxyUrlsFile: resolvePath(resolved.proxyUrlsFile),
    egressProxiesFile: resolvePath(resolved.egressProxiesFile),
    stateFile: resolved.stateFile === '' ? '' : resolvePath(resolved.stateFile),
    usersFile: resolvePath(resolved.usersFile),
    interactionLog: resolved.interactionLog === '' ? '' : resolvePath(resolved.interactionLog),
    configFile: iniFile,
    envKeys: envKeys(env),
    apiKeysFileExplicit,
    modelAliases: iniContent?.modelAliases ?? {},
  };
  checkBind(config);
  checkBodyBudget(config);
  return Object.freeze(config);
}

function checkBind(config: Config): void {
  if (isLoopback(config.host) || config.proxyKeys.length > 0 || config.allowUnauthenticated) return;
  throw new ConfigError('GP_CONFIG_UNSAFE_BIND', '--host',
    `${config.host} is not a loopback address; expected at least one --proxy-key ` +
      '(or --allow-unauthenticated to serve anyone who can reach it)');
}

/**
 * A budget smaller than one body of the largest allowed size would refuse such a body every
 * time, with a 503 that promises a retry can succeed: refuse the start instead of raising the
 * budget silently, so the memory bound stays the number the operator wrote.
 */
function checkBodyBudget(config: Config): void {
  if (config.maxInflightBodyBytes >= config.maxBodyBytes) return;
  throw new ConfigError('GP_CONFIG_INVALID', `--${SETTINGS.maxInflightBodyBytes.flag}`,
    `${config.maxInflightBodyBytes} bytes is less than --${SETTINGS.maxBodyBytes.flag} ` +
      `(${config.maxBodyBytes} bytes); expected at least that, so the largest allowed body fits`);
}

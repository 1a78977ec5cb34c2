/**
 * @module The table of settings: each one's flag, environment variable, INI name, default and
 * parser. The CLI, the INI reader, the environment reader and the README all follow this table.
 */

import {
  durationAtLeast, keepaliveInterval, LOG_LEVELS, parseLogLevel, parseProtocols, parsePublicUrl, parseUserRate, type LogLevel, type ProtocolName,
} from './setting-parsers.js';
import {
  parseBoolean,
  parseDuration,
  parseInteger,
  parseList,
  parseRate,
  parseSize,
  parseText,
  type Rate,
  type RawValue,
} from './parse-value.js';

import { MODEL_SETTINGS, type ModelSettings } from './model-settings.js';
import { SCALE_SETTINGS, type ScaleSettings } from './scale-settings.js';

export { LOG_LEVELS, PROTOCOL_NAMES, type LogLevel, type ProtocolName } from './setting-parsers.js';
export type { SafetySetting } from './model-settings.js';

/** Every setting after parsing; the fully-resolved configuration adds what the files hold. */
export interface Settings extends ModelSettings, ScaleSettings {
  protocols: readonly ProtocolName[];
  host: string;
  port: number;
  apiKeysFile: string;
  proxyUrlsFile: string;
  /** Forward proxies (HTTP, HTTPS, SOCKS5) upstream connections leave through, one per line. */
  egressProxiesFile: string;
  proxyKeys: readonly string[];
  allowUnauthenticated: boolean;
  fetchImageUrls: boolean;
  maxAttempts: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Keep-alive comments on the Gemini pass-through's SSE streams too (the legacy SDK stalls on them). */
  geminiKeepAlive: boolean;
  maxBodyBytes: number;
  /** Request body bytes all requests together may hold at once. */
  maxInflightBodyBytes: number;
  /** The largest file upload (streamed, never held). */
  maxUploadBytes: number;
  /** The base URL clients reach the proxy at, for upload URLs; '' to use the request's Host. */
  publicUrl: string;
  /** Requests per client; undefined for no limit. */
  rateLimit: Rate | undefined;
  probeIntervalMs: number;
  drainTimeoutMs: number;
  watchIntervalMs: number;
  /** Where key state is kept across restarts; '' for nowhere. */
  stateFile: string;
  logLevel: LogLevel;
  /** Map retired Gemini model names to current ones where no alias says otherwise. */
  legacyModels: boolean;
  usersFile: string;
  /** send_message calls per user; undefined for no limit. */
  userRate: Rate | undefined;
  sessionModel: string;
  sessionIdleTimeoutMs: number;
  maxChatsPerUser: number;
  maxChats: number;
  maxHistoryBytes: number;
  /** Where interactions are appended as JSON lines; '' for stdout only. */
  interactionLog: string;
}

export interface SettingSpec<T> {
  /** Long flag name without dashes; also the INI key. */
  readonly flag: string;
  readonly env: string;
  readonly valueName: string;
  readonly defaultText: string;
  readonly help: string;
  /** Repeatable flags collect every occurrence. */
  readonly repeatable?: boolean;
  /** A flag that takes no value. */
  readonly switch?: boolean;
  /** A switch that is on by default also has a `--no-` form. */
  readonly negatable?: boolean;
  /** Relative paths from an INI file are taken relative to that file. */
  readonly isPath?: boolean;
  /** The value when the setting is not given, for settings whose default is "none". */
  readonly none?: T;
  parse(field: string, raw: RawValue): T;
}

type SpecTable = { readonly [K in keyof Settings]: SettingSpec<Settings[K]> };

export const SETTINGS: SpecTable = {
  protocols: {
    flag: 'protocol', env: 'GEMINI_PROXY_PROTOCOL', valueName: 'list', defaultText: 'all',
    help: 'protocols to serve: a comma list of gemini, openai, anthropic, ollama, session, or all',
    parse: parseProtocols,
  },
  host: {
    flag: 'host', env: 'GEMINI_PROXY_HOST', valueName: 'address', defaultText: '127.0.0.1',
    help: 'address to listen on; a non-loopback address needs --proxy-key',
    parse: parseText,
  },
  port: {
    flag: 'port', env: 'GEMINI_PROXY_PORT', valueName: 'number', defaultText: '8000',
    help: 'TCP port to listen on (0 picks a free one)',
    parse: (field, raw) => parseInteger(field, raw, 0, 65_535),
  },
  apiKeysFile: {
    flag: 'api-keys-file', env: 'GEMINI_PROXY_API_KEYS_FILE', valueName: 'path',
    defaultText: 'api_keys.txt', help: 'Gemini API keys, one per line', isPath: true,
    parse: parseText,
  },
  proxyUrlsFile: {
    flag: 'proxy-urls-file', env: 'GEMINI_PROXY_PROXY_URLS_FILE', valueName: 'path',
    defaultText: 'proxy_urls.txt', isPath: true,
    help: 'upstream base URLs, one per line; when absent, Google\'s endpoint is the one relay',
    parse: parseText,
  },
  egressProxiesFile: {
    flag: 'egress-proxies-file', env: 'GEMINI_PROXY_EGRESS_PROXIES_FILE', valueName: 'path',
    defaultText: 'egress_proxies.txt', isPath: true,
    help: 'forward proxies (http://, https://, socks5://) upstream connections leave through, one per line; when absent, none',
    parse: parseText,
  },
  proxyKeys: {
    flag: 'proxy-key', env: 'GEMINI_PROXY_PROXY_KEYS', valueName: 'token', defaultText: 'none',
    help: 'a token clients must present (repeatable; the variable takes a comma list)',
    repeatable: true,
    none: [],
    parse: (_field, raw) => parseList(raw),
  },
  allowUnauthenticated: {
    flag: 'allow-unauthenticated', env: 'GEMINI_PROXY_ALLOW_UNAUTHENTICATED', valueName: 'bool',
    defaultText: 'false', switch: true,
    help: 'allow a non-loopback --host without any --proxy-key',
    parse: parseBoolean,
  },
  fetchImageUrls: {
    flag: 'fetch-image-urls', env: 'GEMINI_PROXY_FETCH_IMAGE_URLS', valueName: 'bool',
    defaultText: 'false', switch: true,
    help: 'fetch http(s) image_url links of OpenAI requests (public addresses only, 20 MiB, 15 s)',
    parse: parseBoolean,
  },
  maxAttempts: {
    flag: 'max-attempts', env: 'GEMINI_PROXY_MAX_ATTEMPTS', valueName: 'number', defaultText: '3',
    help: 'upstream attempts per request, across keys and relays',
    parse: (field, raw) => parseInteger(field, raw, 1, 50),
  },
  requestTimeoutMs: {
    flag: 'request-timeout', env: 'GEMINI_PROXY_REQUEST_TIMEOUT', valueName: 'duration',
    defaultText: '15m',
    help: 'deadline for all attempts and waits of one request until its response starts',
    parse: durationAtLeast(1),
  },
  connectTimeoutMs: {
    flag: 'connect-timeout', env: 'GEMINI_PROXY_CONNECT_TIMEOUT', valueName: 'duration',
    defaultText: '10s', help: 'time to open a connection to a relay',
    parse: durationAtLeast(1),
  },
  headersTimeoutMs: {
    flag: 'headers-timeout', env: 'GEMINI_PROXY_HEADERS_TIMEOUT', valueName: 'duration',
    defaultText: '10m',
    help: 'time for one attempt to get response headers (a non-streamed answer sends them last)',
    parse: durationAtLeast(1),
  },
  idleTimeoutMs: {
    flag: 'idle-timeout', env: 'GEMINI_PROXY_IDLE_TIMEOUT', valueName: 'duration',
    defaultText: '5m', help: 'longest gap between two chunks of an upstream response body',
    parse: durationAtLeast(1),
  },
  keepaliveIntervalMs: {
    flag: 'stream-keepalive', env: 'GEMINI_PROXY_STREAM_KEEPALIVE', valueName: 'duration',
    defaultText: '15s',
    help: 'while a stream is silent (the model thinking), send a frame clients ignore this often; also the longest a stream\'s headers wait for its first content (0 turns both off)',
    parse: keepaliveInterval,
  },
  geminiKeepAlive: {
    flag: 'gemini-keep-alive', env: 'GEMINI_PROXY_GEMINI_KEEP_ALIVE', valueName: 'bool', defaultText: 'false', switch: true,
    help: 'also send keep-alive comments on Gemini pass-through streams (alt=sse); the legacy @google/generative-ai SDK stalls on them',
    parse: parseBoolean,
  },
  maxBodyBytes: {
    flag: 'max-body-size', env: 'GEMINI_PROXY_MAX_BODY_SIZE', valueName: 'size',
    defaultText: '20mb', help: 'largest request body accepted; larger ones get 413',
    parse: parseSize,
  },
  maxInflightBodyBytes: {
    flag: 'max-inflight-body-size', env: 'GEMINI_PROXY_MAX_INFLIGHT_BODY_SIZE', valueName: 'size',
    defaultText: '256mb',
    help: 'bytes all requests together may hold (bodies, translated bodies, answers); over it, 503 (at least --max-body-size)',
    parse: parseSize,
  },
  maxUploadBytes: {
    flag: 'max-upload-size', env: 'GEMINI_PROXY_MAX_UPLOAD_SIZE', valueName: 'size', defaultText: '2gb',
    help: 'largest file upload through /upload (streamed, not held in memory); larger ones get 413',
    parse: parseSize,
  },
  publicUrl: {
    flag: 'public-url', env: 'GEMINI_PROXY_PUBLIC_URL', valueName: 'url', defaultText: 'none',
    help: 'the base URL clients reach the proxy at (behind a reverse proxy), for the upload URLs it hands out',
    none: '',
    parse: parsePublicUrl,
  },
  rateLimit: {
    flag: 'rate-limit', env: 'GEMINI_PROXY_RATE_LIMIT', valueName: 'rate', defaultText: 'none',
    help: 'requests per client (its proxy key, else its address), such as 60/m, 5/s or 1000/h; over it, 429',
    none: undefined,
    parse: parseRate,
  },
  probeIntervalMs: {
    flag: 'probe-interval', env: 'GEMINI_PROXY_PROBE_INTERVAL', valueName: 'duration',
    defaultText: '1h', help: 'how often disabled keys are probed for recovery (0 turns it off)',
    parse: parseDuration,
  },
  drainTimeoutMs: {
    flag: 'drain-timeout', env: 'GEMINI_PROXY_DRAIN_TIMEOUT', valueName: 'duration',
    defaultText: '25s', help: 'on SIGTERM, how long in-flight requests may finish',
    parse: parseDuration,
  },
  watchIntervalMs: {
    flag: 'watch-interval', env: 'GEMINI_PROXY_WATCH_INTERVAL', valueName: 'duration',
    defaultText: '2s', help: 'how often the key and relay files are checked for changes (0: only SIGHUP)',
    parse: parseDuration,
  },
  stateFile: {
    flag: 'state-file', env: 'GEMINI_PROXY_STATE_FILE', valueName: 'path', defaultText: 'none',
    help: 'keep key state (cooling, disabled) in this file across restarts; keys only as ids',
    isPath: true, none: '',
    parse: parseText,
  },
  logLevel: {
    flag: 'log-level', env: 'GEMINI_PROXY_LOG_LEVEL', valueName: 'level', defaultText: 'info',
    help: `one of ${LOG_LEVELS.join(', ')}`,
    parse: parseLogLevel,
  },
  legacyModels: {
    flag: 'legacy-models', env: 'GEMINI_PROXY_LEGACY_MODELS', valueName: 'bool', defaultText: 'true',
    switch: true, negatable: true,
    help: 'map retired Gemini model names (gemini-pro, gemini-1.5-flash, …) to current ones; --no-legacy-models turns it off',
    parse: parseBoolean,
  },
  usersFile: {
    flag: 'users-file', env: 'GEMINI_PROXY_USERS_FILE', valueName: 'path', defaultText: 'valid_users.txt',
    isPath: true, help: 'user ids allowed to start chats (the session API), one per line',
    parse: parseText,
  },
  userRate: {
    flag: 'user-rate', env: 'GEMINI_PROXY_USER_RATE', valueName: 'rate', defaultText: '2/s',
    help: 'send_message calls per user, across all their chats, such as 2/s or 60/m (none: no limit); over it, 429',
    parse: parseUserRate,
  },
  sessionModel: {
    flag: 'session-model', env: 'GEMINI_PROXY_SESSION_MODEL', valueName: 'model', defaultText: 'gemini-2.5-flash',
    help: 'the model of a chat started without model_name, and of the simple endpoint without model',
    parse: parseText,
  },
  sessionIdleTimeoutMs: {
    flag: 'session-idle-timeout', env: 'GEMINI_PROXY_SESSION_IDLE_TIMEOUT', valueName: 'duration', defaultText: '30m',
    help: 'a chat unused this long ends by itself',
    parse: durationAtLeast(1),
  },
  maxChatsPerUser: {
    flag: 'max-chats-per-user', env: 'GEMINI_PROXY_MAX_CHATS_PER_USER', valueName: 'number', defaultText: '10',
    help: 'open chats one user may hold; one more is a 429',
    parse: (field, raw) => parseInteger(field, raw, 1, 1_000_000),
  },
  maxChats: {
    flag: 'max-chats', env: 'GEMINI_PROXY_MAX_CHATS', valueName: 'number', defaultText: '1000',
    help: 'open chats in all; one more is a 503',
    parse: (field, raw) => parseInteger(field, raw, 1, 10_000_000),
  },
  maxHistoryBytes: {
    flag: 'max-history-size', env: 'GEMINI_PROXY_MAX_HISTORY_SIZE', valueName: 'size', defaultText: '256kb',
    help: 'history one chat keeps; past it the oldest exchanges are dropped, whole',
    parse: parseSize,
  },
  interactionLog: {
    flag: 'interaction-log', env: 'GEMINI_PROXY_INTERACTION_LOG', valueName: 'path', defaultText: 'none',
    help: 'also append every session interaction to this file as a JSON line (reopened on SIGHUP)',
    isPath: true, none: '',
    parse: parseText,
  },
  ...MODEL_SETTINGS,
  ...SCALE_SETTINGS,
};

export const SETTING_KEYS = Object.keys(SETTINGS) as (keyof Settings)[];

/** The defaults, parsed through the same parsers as everything else. */
export function defaultSettings(): Settings {
  const parsed: Partial<Record<keyof Settings, unknown>> = {};
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key];
    parsed[key] = spec.defaultText === 'none' ? spec.none : spec.parse(`default ${spec.flag}`, spec.defaultText);
  }
  return parsed as Settings;
}

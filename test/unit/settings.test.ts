/** The settings table: protocol parsing, defaults, log levels. */

import { describe, expect, it } from 'vitest';
import { configError } from '../support/config-error.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { defaultSettings, SETTINGS, SETTING_KEYS } from '../../src/config/settings.js';

describe('SETTINGS.protocols.parse', () => {
  const parse = SETTINGS.protocols.parse;

  it("'all' is every protocol", () => {
    expect(parse('--protocol', 'all')).toEqual(['gemini', 'openai', 'anthropic', 'ollama', 'session']);
  });

  it("'all' among other names is still every protocol", () => {
    expect(parse('--protocol', 'gemini,ALL')).toEqual(['gemini', 'openai', 'anthropic', 'ollama', 'session']);
  });

  it('a comma list, in the table order, whatever the order or case given', () => {
    expect(parse('--protocol', 'gemini,openai')).toEqual(['gemini', 'openai']);
    expect(parse('--protocol', 'Ollama , gemini')).toEqual(['gemini', 'ollama']);
  });

  it('repeated flags are merged and duplicates collapse', () => {
    expect(parse('--protocol', ['openai', 'gemini,openai'])).toEqual(['gemini', 'openai']);
  });

  it('an unknown protocol is a ConfigError naming the field and the value', () => {
    const error = configError(() => parse('GEMINI_PROXY_PROTOCOL', 'gemini,claude'));
    expect(error.code).toBe('GP_CONFIG_INVALID');
    expect(error.field).toBe('GEMINI_PROXY_PROTOCOL');
    expect(error.message).toBe(
      'GEMINI_PROXY_PROTOCOL: got "claude", expected a comma list of gemini, openai, anthropic, ollama, session, or all');
  });

  it('an empty list is a ConfigError', () => {
    const error = configError(() => parse('--protocol', ' , '));
    expect(error.field).toBe('--protocol');
    expect(error.message).toContain('expected a comma list');
  });
});

describe('SETTINGS.logLevel.parse', () => {
  it('accepts a level in any case', () => {
    expect(SETTINGS.logLevel.parse('--log-level', 'DEBUG')).toBe('debug');
  });

  it('rejects an unknown level, listing the known ones', () => {
    expect(configError(() => SETTINGS.logLevel.parse('--log-level', 'verbose')).message).toBe(
      '--log-level: got "verbose", expected one of fatal, error, warn, info, debug, trace, silent');
  });
});

describe('bounded settings', () => {
  it('port accepts 0 and 65535 and rejects 65536', () => {
    expect(SETTINGS.port.parse('--port', '0')).toBe(0);
    expect(SETTINGS.port.parse('--port', '65535')).toBe(65_535);
    expect(configError(() => SETTINGS.port.parse('--port', '65536')).field).toBe('--port');
  });

  it('stream keep-alive is 0 (off) or from 1 s to 1 h: shorter floods a stream, longer overflows a timer', () => {
    expect(SETTINGS.keepaliveIntervalMs.parse('--stream-keepalive', '0')).toBe(0);
    expect(SETTINGS.keepaliveIntervalMs.parse('--stream-keepalive', '1s')).toBe(1_000);
    expect(SETTINGS.keepaliveIntervalMs.parse('--stream-keepalive', '1h')).toBe(3_600_000);
    for (const raw of ['999ms', '1ms', '61m', '600h']) {
      expect(configError(() => SETTINGS.keepaliveIntervalMs.parse('--stream-keepalive', raw)).message).toContain('from 1s to 1h');
    }
  });

  it('max attempts is from 1 to 50', () => {
    expect(configError(() => SETTINGS.maxAttempts.parse('--max-attempts', '0')).message).toContain('from 1 to 50');
    expect(SETTINGS.maxAttempts.parse('--max-attempts', '50')).toBe(50);
  });

  it('request timeout must be at least 1 ms, while the probe interval may be 0', () => {
    expect(configError(() => SETTINGS.requestTimeoutMs.parse('--request-timeout', '0')).message)
      .toContain('at least 1 ms');
    expect(SETTINGS.probeIntervalMs.parse('--probe-interval', '0')).toBe(0);
  });

  it('proxy keys take a comma list', () => {
    expect(SETTINGS.proxyKeys.parse('GEMINI_PROXY_PROXY_KEYS', 'a, b,c')).toEqual(['a', 'b', 'c']);
  });
});

describe('client limits', () => {
  it('the rate limit is off by default, and "none" turns it off again', () => {
    expect(defaultSettings().rateLimit).toBeUndefined();
    expect(SETTINGS.rateLimit.parse('--rate-limit', 'none')).toBeUndefined();
    expect(SETTINGS.rateLimit.parse('--rate-limit', '60/m')).toEqual({ requests: 60, perMs: 60_000 });
  });

  it('a bad rate is a ConfigError naming the field', () => {
    const error = configError(() => SETTINGS.rateLimit.parse('GEMINI_PROXY_RATE_LIMIT', 'fast'));
    expect(error.field).toBe('GEMINI_PROXY_RATE_LIMIT');
    expect(error.message).toContain('expected a rate such as 60/m');
  });

  it('the in-flight body budget is a size', () => {
    expect(SETTINGS.maxInflightBodyBytes.parse('--max-inflight-body-size', '1gb')).toBe(1024 ** 3);
    expect(configError(() => SETTINGS.maxInflightBodyBytes.parse('--max-inflight-body-size', '0')).field)
      .toBe('--max-inflight-body-size');
  });

  it('resolveConfig refuses a body budget smaller than the largest body', () => {
    const error = configError(() => resolveConfig({ cli: { maxBodyBytes: '2mb', maxInflightBodyBytes: '1mb' }, env: {} }));
    expect(error.field).toBe('--max-inflight-body-size');
    expect(error.message).toBe('--max-inflight-body-size: 1048576 bytes is less than --max-body-size (2097152 bytes); ' +
      'expected at least that, so the largest allowed body fits');
  });

  it('resolveConfig takes a body budget equal to the largest body, and both limits from any layer', () => {
    expect(resolveConfig({ cli: { maxBodyBytes: '2mb', maxInflightBodyBytes: '2mb' }, env: {} }).maxInflightBodyBytes)
      .toBe(2 * 1024 ** 2);
    const config = resolveConfig({ cli: {}, env: { GEMINI_PROXY_RATE_LIMIT: '5/s', GEMINI_PROXY_MAX_INFLIGHT_BODY_SIZE: '64mb' } });
    expect(config.rateLimit).toEqual({ requests: 5, perMs: 1_000 });
    expect(config.maxInflightBodyBytes).toBe(64 * 1024 ** 2);
  });
});

describe('defaultSettings', () => {
  it('parses every default through its own parser', () => {
    expect(defaultSettings()).toEqual({
      protocols: ['gemini', 'openai', 'anthropic', 'ollama', 'session'],
      host: '127.0.0.1',
      port: 8000,
      apiKeysFile: 'api_keys.txt',
      proxyUrlsFile: 'proxy_urls.txt',
      egressProxiesFile: 'egress_proxies.txt',
      proxyKeys: [],
      allowUnauthenticated: false,
      fetchImageUrls: false,
      maxAttempts: 3,
      requestTimeoutMs: 900_000,
      connectTimeoutMs: 10_000,
      headersTimeoutMs: 600_000,
      idleTimeoutMs: 300_000,
      keepaliveIntervalMs: 15_000,
      geminiKeepAlive: false,
      maxBodyBytes: 20 * 1024 * 1024,
      maxInflightBodyBytes: 256 * 1024 * 1024,
      maxUploadBytes: 2 * 1024 ** 3,
      publicUrl: '',
      rateLimit: undefined,
      probeIntervalMs: 3_600_000,
      drainTimeoutMs: 25_000,
      watchIntervalMs: 2_000,
      stateFile: '',
      logLevel: 'info',
      legacyModels: true,
      usersFile: 'valid_users.txt',
      userRate: { requests: 2, perMs: 1_000 },
      sessionModel: 'gemini-2.5-flash',
      sessionIdleTimeoutMs: 1_800_000,
      maxChatsPerUser: 10,
      maxChats: 1_000,
      maxHistoryBytes: 256 * 1024,
      interactionLog: '',
      hiddenModels: [],
      safetySettings: [],
      thinkingBudgets: {},
      imageModel: 'gemini-2.5-flash-image',
      speechModel: 'gemini-2.5-flash-preview-tts',
      searchSources: false,
      workers: 1,
      redis: '',
      redisPrefix: 'gemini-proxy:',
    });
  });

  it('every setting has a distinct flag and a GEMINI_PROXY_ variable', () => {
    const flags = SETTING_KEYS.map((key) => SETTINGS[key].flag);
    expect(new Set(flags).size).toBe(SETTING_KEYS.length);
    for (const key of SETTING_KEYS) expect(SETTINGS[key].env).toMatch(/^GEMINI_PROXY_[A-Z_]+$/);
  });
});

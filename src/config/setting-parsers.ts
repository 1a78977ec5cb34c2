/** @module The parsers of the settings that need more than a plain value: lists, levels, bounds. */

import { ConfigError } from './config-error.js';
import { parseDuration, parseList, parseRate, parseText, type Rate, type RawValue } from './parse-value.js';

export const PROTOCOL_NAMES = ['gemini', 'openai', 'anthropic', 'ollama', 'session'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function parseProtocols(field: string, raw: RawValue): ProtocolName[] {
  const names = parseList(raw).map((name) => name.toLowerCase());
  if (names.length === 0) throw ConfigError.invalid(field, raw, expectedProtocols());
  if (names.includes('all')) return [...PROTOCOL_NAMES];
  const known = new Set<string>(PROTOCOL_NAMES);
  const unknown = names.find((name) => !known.has(name));
  if (unknown !== undefined) throw ConfigError.invalid(field, unknown, expectedProtocols());
  return PROTOCOL_NAMES.filter((name) => names.includes(name));
}

function expectedProtocols(): string {
  return `a comma list of ${PROTOCOL_NAMES.join(', ')}, or all`;
}

export function parseLogLevel(field: string, raw: RawValue): LogLevel {
  const text = parseText(field, raw).toLowerCase();
  const level = LOG_LEVELS.find((name) => name === text);
  if (level === undefined) throw ConfigError.invalid(field, raw, `one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

export function durationAtLeast(minMs: number): (field: string, raw: RawValue) => number {
  return (field, raw) => {
    const ms = parseDuration(field, raw);
    if (ms < minMs) throw ConfigError.invalid(field, raw, `a duration of at least ${minMs} ms`);
    return ms;
  };
}

/** 0 (off), or from 1 s to 1 h: shorter would flood a stream, longer is no keep-alive at all. */
export function keepaliveInterval(field: string, raw: RawValue): number {
  const ms = parseDuration(field, raw);
  if (ms !== 0 && (ms < 1_000 || ms > 3_600_000)) throw ConfigError.invalid(field, raw, '0 (off) or a duration from 1s to 1h');
  return ms;
}

/** A rate of at most 1000: each user's last messages are kept to enforce it exactly. */
export function parseUserRate(field: string, raw: RawValue): Rate | undefined {
  const rate = parseRate(field, raw);
  if (rate !== undefined && rate.requests > 1_000) throw ConfigError.invalid(field, raw, 'at most 1000 messages per s, m or h');
  return rate;
}

/** An http(s) base URL without query or fragment, kept without its trailing `/`. */
export function parsePublicUrl(field: string, raw: RawValue): string {
  const text = parseText(field, raw);
  if (text === '') return '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw ConfigError.invalid(field, raw, 'an http(s) URL such as https://gemini.example.com');
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw ConfigError.invalid(field, raw, 'an http(s) URL with no query, fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

/** Parsers for setting values: durations, sizes, integers, booleans, lists, text. */

import { describe, expect, it } from 'vitest';
import { configError } from '../support/config-error.js';
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
} from '../../src/config/parse-value.js';

describe('parseDuration', () => {
  it.each<[RawValue, number]>([
    ['90', 90_000],
    ['90s', 90_000],
    ['1500ms', 1_500],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['0', 0],
    ['0.5s', 500],
    ['1.5', 1_500],
    [' 2 S ', 2_000],
    ['3 m', 180_000],
    [['5s', '7s'], 7_000],
  ])('%j → %i ms', (raw, ms) => {
    expect(parseDuration('--x', raw)).toBe(ms);
  });

  it.each<[RawValue]>([['abc'], ['-1s'], ['10d'], ['s'], [''], ['1e3'], [true], [[]]])('rejects %j', (raw) => {
    const error = configError(() => parseDuration('--request-timeout', raw));
    expect(error.code).toBe('GP_CONFIG_INVALID');
    expect(error.field).toBe('--request-timeout');
    expect(error.message).toMatch(/^--request-timeout: got .*, expected /);
  });

  it('names the value it got and what it expected', () => {
    expect(configError(() => parseDuration('GEMINI_PROXY_IDLE_TIMEOUT', '10d')).message).toBe(
      'GEMINI_PROXY_IDLE_TIMEOUT: got "10d", expected a duration such as 90, 90s, 1500ms, 10m or 1h');
  });
});

describe('parseSize', () => {
  it.each<[RawValue, number]>([
    ['1048576', 1_048_576],
    ['20mb', 20 * 1024 * 1024],
    ['20MiB', 20 * 1024 * 1024],
    ['512kb', 512 * 1024],
    ['512 KiB', 512 * 1024],
    ['1gb', 1024 ** 3],
    ['1gib', 1024 ** 3],
    ['10b', 10],
    ['1.5kb', 1_536],
  ])('%j → %i bytes', (raw, bytes) => {
    expect(parseSize('--max-body-size', raw)).toBe(bytes);
  });

  it.each<[RawValue]>([['0'], ['0mb'], ['0.1b'], ['10tb'], ['mb'], ['-5mb'], ['']])('rejects %j', (raw) => {
    const error = configError(() => parseSize('--max-body-size', raw));
    expect(error.field).toBe('--max-body-size');
    expect(error.code).toBe('GP_CONFIG_INVALID');
  });

  it('says a size of zero is too small', () => {
    expect(configError(() => parseSize('--max-body-size', '0')).message).toContain('at least 1 byte');
  });
});

describe('parseRate', () => {
  it.each<[RawValue, Rate]>([
    ['60/m', { requests: 60, perMs: 60_000 }],
    ['5/s', { requests: 5, perMs: 1_000 }],
    ['1000/h', { requests: 1_000, perMs: 3_600_000 }],
    [' 10 / S ', { requests: 10, perMs: 1_000 }],
    ['1000000/s', { requests: 1_000_000, perMs: 1_000 }],
    [['1/s', '2/m'], { requests: 2, perMs: 60_000 }],
  ])('%j → %j', (raw, rate) => {
    expect(parseRate('--rate-limit', raw)).toEqual(rate);
  });

  it.each<[RawValue]>([['none'], ['NONE'], ['off']])('%j is no limit', (raw) => {
    expect(parseRate('--rate-limit', raw)).toBeUndefined();
  });

  it.each<[RawValue]>([
    ['60'], ['60/'], ['/m'], ['0/m'], ['-1/s'], ['1.5/s'], ['60/d'], ['60/min'], ['60 per m'], ['1000001/s'], [''], [true],
  ])('rejects %j', (raw) => {
    const error = configError(() => parseRate('GEMINI_PROXY_RATE_LIMIT', raw));
    expect(error.code).toBe('GP_CONFIG_INVALID');
    expect(error.field).toBe('GEMINI_PROXY_RATE_LIMIT');
  });

  it('names the value it got and what it expected', () => {
    expect(configError(() => parseRate('--rate-limit', '60/d')).message).toBe(
      '--rate-limit: got "60/d", expected a rate such as 60/m: from 1 to 1000000 requests per s, m or h (or none)');
  });
});

describe('parseInteger', () => {
  it.each<[RawValue, number]>([['0', 0], ['8080', 8080], [' 65535 ', 65_535], ['-3', -3], [['1', '2'], 2]])(
    '%j → %i', (raw, value) => {
      expect(parseInteger('--port', raw, -10, 65_535)).toBe(value);
    });

  it.each<[RawValue]>([['65536'], ['-11'], ['1.5'], ['80a'], [''], ['0x10'], ['1e3'], ['99999999999999999999']])(
    'rejects %j with the range in the message', (raw) => {
      const error = configError(() => parseInteger('--port', raw, -10, 65_535));
      expect(error.field).toBe('--port');
      expect(error.message).toContain('an integer from -10 to 65535');
    });
});

describe('parseBoolean', () => {
  it.each<[RawValue, boolean]>([
    ['true', true], ['TRUE', true], ['1', true], ['yes', true], ['on', true], [true, true],
    ['false', false], ['0', false], ['No', false], ['off', false], [false, false],
  ])('%j → %s', (raw, value) => {
    expect(parseBoolean('--allow-unauthenticated', raw)).toBe(value);
  });

  it.each<[RawValue]>([['maybe'], [''], ['2'], ['y']])('rejects %j', (raw) => {
    expect(configError(() => parseBoolean('--allow-unauthenticated', raw)).message).toContain('expected true or false');
  });
});

describe('parseList', () => {
  it.each<[RawValue, string[]]>([
    ['a,b,c', ['a', 'b', 'c']],
    [' a , b ,, ', ['a', 'b']],
    ['', []],
    [['a', 'b,c', ' '], ['a', 'b', 'c']],
    [true, []],
    [false, []],
  ])('%j → %j', (raw, items) => {
    expect(parseList(raw)).toEqual(items);
  });
});

describe('parseText', () => {
  it('trims the value', () => {
    expect(parseText('--host', '  0.0.0.0 ')).toBe('0.0.0.0');
  });

  it('takes the last of repeated values', () => {
    expect(parseText('--host', ['a', 'b'])).toBe('b');
  });

  it.each<[RawValue]>([[''], ['   '], [[]]])('rejects %j as empty', (raw) => {
    const error = configError(() => parseText('--host', raw));
    expect(error.field).toBe('--host');
    expect(error.code).toBe('GP_CONFIG_INVALID');
  });
});

/** Go-style single-dash long flags become double-dash ones; nothing else changes. */

import { describe, expect, it } from 'vitest';
import { normaliseArgv } from '../../src/cli/argv.js';

const LONG_NAMES: ReadonlySet<string> = new Set([
  'protocol', 'port', 'host', 'proxy-key', 'api-keys-file', 'allow-unauthenticated', 'config', 'help', 'version',
]);

const normalise = (...args: string[]): string[] => normaliseArgv(args, LONG_NAMES);

describe('normaliseArgv', () => {
  it('rewrites -name=value to --name=value', () => {
    expect(normalise('-protocol=openai')).toEqual(['--protocol=openai']);
    expect(normalise('-api-keys-file=/etc/keys.txt')).toEqual(['--api-keys-file=/etc/keys.txt']);
  });

  it('rewrites -name value, leaving the value alone', () => {
    expect(normalise('-port', '8080')).toEqual(['--port', '8080']);
  });

  it('rewrites a single-dash switch', () => {
    expect(normalise('-allow-unauthenticated')).toEqual(['--allow-unauthenticated']);
  });

  it('keeps an empty value after =', () => {
    expect(normalise('-host=')).toEqual(['--host=']);
  });

  it('leaves double-dash flags as they are', () => {
    expect(normalise('--port', '8080', '--protocol=gemini')).toEqual(['--port', '8080', '--protocol=gemini']);
  });

  it('leaves unknown single-dash words untouched', () => {
    expect(normalise('-prot=openai', '-verbose', '-Port', '8080')).toEqual(['-prot=openai', '-verbose', '-Port', '8080']);
  });

  it('leaves short flags -h and -v untouched', () => {
    expect(normalise('-h')).toEqual(['-h']);
    expect(normalise('-v')).toEqual(['-v']);
  });

  it('leaves values that are not flags untouched', () => {
    expect(normalise('-', '-1', '-8080', 'port', '-=x', '---port')).toEqual(['-', '-1', '-8080', 'port', '-=x', '---port']);
  });

  it('touches nothing after --, and keeps the -- itself', () => {
    expect(normalise('-port', '1', '--', '-port', '2', '-protocol=openai', '--')).toEqual(
      ['--port', '1', '--', '-port', '2', '-protocol=openai', '--']);
  });

  it('mixes all of the above in order', () => {
    expect(normalise('-protocol=gemini,openai', '--host', '0.0.0.0', '-proxy-key', 'tok', '-h')).toEqual(
      ['--protocol=gemini,openai', '--host', '0.0.0.0', '--proxy-key', 'tok', '-h']);
  });

  it('returns a new array and leaves the input unchanged', () => {
    const input = ['-port', '8080'];
    const output = normaliseArgv(input, LONG_NAMES);
    expect(output).not.toBe(input);
    expect(input).toEqual(['-port', '8080']);
  });

  it('an empty argument list stays empty', () => {
    expect(normalise()).toEqual([]);
  });
});

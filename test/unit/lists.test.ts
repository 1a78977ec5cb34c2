/** The key, relay and user lists: line parsing, relay URLs, key ids, loading from files and env. */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configError } from '../support/config-error.js';
import { GOOGLE_ENDPOINT, keyId, listSourcesOf, loadLists, parseLines, toRelay, type ListSources } from '../../src/config/lists.js';

const GOOGLE_RELAY = { id: 'generativelanguage.googleapis.com', origin: GOOGLE_ENDPOINT, basePath: '' };

describe('parseLines', () => {
  it('skips blanks and # comments, trims, and keeps line numbers', () => {
    const warnings: string[] = [];
    const text = '# keys\n\n  alpha  \n\t# indented comment\nbeta\n   \ngamma';
    expect(parseLines(text, 'keys.txt', warnings)).toEqual([
      { value: 'alpha', line: 3 }, { value: 'beta', line: 5 }, { value: 'gamma', line: 7 },
    ]);
    expect(warnings).toEqual([]);
  });

  it('drops duplicates (after trimming) with a warning naming both lines', () => {
    const warnings: string[] = [];
    expect(parseLines('a\nb\n a \nb\n', 'keys.txt', warnings)).toEqual([{ value: 'a', line: 1 }, { value: 'b', line: 2 }]);
    expect(warnings).toEqual(['keys.txt:3: duplicate of line 1, dropped', 'keys.txt:4: duplicate of line 2, dropped']);
  });

  it('reads CRLF files without carriage returns in the values', () => {
    expect(parseLines('one\r\ntwo\r\n\r\nthree\r\n', 'f', [])).toEqual([
      { value: 'one', line: 1 }, { value: 'two', line: 2 }, { value: 'three', line: 4 },
    ]);
  });

  it('an empty text gives no lines', () => {
    expect(parseLines('', 'f', [])).toEqual([]);
  });
});

describe('toRelay', () => {
  it.each([
    ['https://relay.example', { id: 'relay.example', origin: 'https://relay.example', basePath: '' }],
    ['https://relay.example/', { id: 'relay.example', origin: 'https://relay.example', basePath: '' }],
    ['https://relay.example:8443/gemini/', { id: 'relay.example:8443/…cb86bf', origin: 'https://relay.example:8443', basePath: '/gemini' }],
    ['https://relay.example/a/b//', { id: 'relay.example/…662b7b', origin: 'https://relay.example', basePath: '/a/b' }],
    ['http://10.0.0.5:8080/proxy', { id: 'http://10.0.0.5:8080/…651a82', origin: 'http://10.0.0.5:8080', basePath: '/proxy' }],
    ['HTTPS://Relay.Example:443', { id: 'relay.example', origin: 'https://relay.example', basePath: '' }],
    [GOOGLE_ENDPOINT, GOOGLE_RELAY],
  ])('%s', (value, expected) => {
    expect(toRelay(value, 'proxy_urls.txt:1')).toEqual(expected);
  });

  it.each([
    ['not a URL', 'relay.example'],
    ['ftp', 'ftp://relay.example'],
    ['socks', 'socks5://relay.example:1080'],
    ['a query', 'https://relay.example/?token=abc'],
    ['a fragment', 'https://relay.example/#x'],
  ])('rejects %s, naming the line', (_label, value) => {
    const error = configError(() => toRelay(value, 'proxy_urls.txt:4'));
    expect(error.code).toBe('GP_CONFIG_INVALID');
    expect(error.field).toBe('proxy_urls.txt:4');
    expect(error.message).toContain('http:// or https://');
  });

  it.each([
    ['with a query', 'https://alice:s3cr3t-pw@relay.example/?x=1'],
    ['with another scheme', 'ftp://alice:s3cr3t-pw@relay.example'],
    ['unparsable', 'https://alice:s3cr3t-pw@[bad'],
  ])('never repeats a password, even %s', (_label, value) => {
    const error = configError(() => toRelay(value, 'proxy_urls.txt:2'));
    expect(error.message).not.toContain('s3cr3t-pw');
  });

  it('rejects user:password without repeating them', () => {
    const error = configError(() => toRelay('https://alice:s3cr3t-pw@relay.example/x', 'proxy_urls.txt:2'));
    expect(error.field).toBe('proxy_urls.txt:2');
    expect(error.message).toContain('without user:password');
    expect(error.message).toContain('relay.example');
    expect(error.message).not.toContain('s3cr3t-pw');
    expect(error.message).not.toContain('alice');
  });
});

describe('keyId', () => {
  it('is stable, short, and derived from SHA-256', () => {
    // SHA-256("abc") = ba7816bf8f01cfea…
    expect(keyId('abc')).toBe('key_ba7816bf');
    expect(keyId('AIzaSyExampleKey123')).toBe(keyId('AIzaSyExampleKey123'));
    expect(keyId('AIzaSyExampleKey123')).toMatch(/^key_[0-9a-f]{8}$/);
  });

  it('differs between keys and never contains the key', () => {
    expect(keyId('AIza-one')).not.toBe(keyId('AIza-two'));
    const secret = 'fakeSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY';
    const id = keyId(secret);
    expect(id).toHaveLength(12);
    for (let start = 0; start + 5 <= secret.length; start++) {
      expect(id).not.toContain(secret.slice(start, start + 5));
    }
  });
});

describe('loadLists', () => {
  let dir: string;
  const file = (name: string, text?: string): string => {
    const path = join(dir, name);
    if (text !== undefined) writeFileSync(path, text);
    return path;
  };
  const sources = (overrides: Partial<ListSources>): ListSources => ({
    apiKeysFile: file('api_keys.txt'),
    apiKeysFileExplicit: false,
    proxyUrlsFile: file('proxy_urls.txt'),
    envKeys: [],
    usersFile: file('valid_users.txt'),
    ...overrides,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-lists-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads keys and relays from their files', () => {
    const lists = loadLists(sources({
      apiKeysFile: file('api_keys.txt', '# pool\nAIza-one\nAIza-two\nAIza-one\n'),
      proxyUrlsFile: file('proxy_urls.txt', 'https://relay.example/g/\nhttp://127.0.0.1:9000\n'),
    }));
    expect(lists.keys).toEqual([
      { id: keyId('AIza-one'), secret: 'AIza-one' }, { id: keyId('AIza-two'), secret: 'AIza-two' },
    ]);
    expect(lists.relays.map((relay) => relay.id)).toEqual(['relay.example/…acafaa', 'http://127.0.0.1:9000']);
    expect(lists.warnings).toEqual([`${file('api_keys.txt')}:4: duplicate of line 2, dropped`]);
  });

  it('relay lines that spell one relay differently are one relay, with a warning', () => {
    const lists = loadLists(sources({
      apiKeysFile: file('api_keys.txt', 'k\n'),
      proxyUrlsFile: file('proxy_urls.txt', 'https://r.example\nhttps://r.example/\nhttps://r.example:443\n'),
    }));
    expect(lists.relays.map((relay) => relay.id)).toEqual(['r.example']);
    expect(lists.warnings).toEqual([
      `${file('proxy_urls.txt')}:2: the same relay as an earlier line, dropped`,
      `${file('proxy_urls.txt')}:3: the same relay as an earlier line, dropped`,
    ]);
  });

  it('a missing default key file is fine when keys come from the environment', () => {
    const lists = loadLists(sources({ envKeys: ['AIza-env-1', 'AIza-env-2'] }));
    expect(lists.keys.map((key) => key.secret)).toEqual(['AIza-env-1', 'AIza-env-2']);
  });

  it('file keys come first and an env key already in the file is not repeated', () => {
    const lists = loadLists(sources({
      apiKeysFile: file('api_keys.txt', 'AIza-file\nAIza-both\n'), envKeys: ['AIza-both', 'AIza-env'],
    }));
    expect(lists.keys.map((key) => key.secret)).toEqual(['AIza-file', 'AIza-both', 'AIza-env']);
  });

  it('a missing default key file without env keys is an error', () => {
    const error = configError(() => loadLists(sources({})));
    expect(error.code).toBe('GP_CONFIG_NO_KEYS');
    expect(error.message).toContain('does not exist');
  });

  it('a missing explicit key file is an error even with env keys', () => {
    const error = configError(() => loadLists(sources({ apiKeysFileExplicit: true, envKeys: ['AIza-env'] })));
    expect(error.code).toBe('GP_CONFIG_NO_KEYS');
    expect(error.field).toBe('--api-keys-file');
    expect(error.message).toContain(file('api_keys.txt'));
  });

  it('a key file of only comments and blanks is an error', () => {
    const path = file('api_keys.txt', '# nothing yet\n\n   \n');
    const error = configError(() => loadLists(sources({ apiKeysFile: path, envKeys: ['AIza-env'] })));
    expect(error.code).toBe('GP_CONFIG_NO_KEYS');
    expect(error.field).toBe(path);
  });

  it('a key with a control character is an error naming the line, never the key', () => {
    const path = file('api_keys.txt', 'AIza-good\nAIza\u0007bad-SECRET-part\n');
    const error = configError(() => loadLists(sources({ apiKeysFile: path })));
    expect(error.code).toBe('GP_CONFIG_INVALID');
    expect(error.field).toBe(`${path}:2`);
    expect(error.message).not.toContain('AIza');
    expect(error.message).not.toContain('SECRET');
  });

  it('an env key with a control character is an error naming GEMINI_API_KEYS and its position', () => {
    const error = configError(() => loadLists(sources({ envKeys: ['AIza-ok', 'AIza\u0007-BELL-SECRET'] })));
    expect(error.field).toBe('GEMINI_API_KEYS:2');
    expect(error.message).not.toContain('BELL-SECRET');
  });

  it('a key file that cannot be read (a directory) is FILE_UNREADABLE', () => {
    const error = configError(() => loadLists(sources({ apiKeysFile: dir })));
    expect(error.code).toBe('GP_CONFIG_FILE_UNREADABLE');
    expect(error.message).toContain('EISDIR');
  });

  it('a missing relays file means Google’s endpoint', () => {
    const lists = loadLists(sources({ apiKeysFile: file('api_keys.txt', 'AIza-one\n') }));
    expect(lists.relays).toEqual([GOOGLE_RELAY]);
  });

  it('an empty relays file means Google’s endpoint', () => {
    const lists = loadLists(sources({
      apiKeysFile: file('api_keys.txt', 'AIza-one\n'), proxyUrlsFile: file('proxy_urls.txt', '\n# none\n'),
    }));
    expect(lists.relays).toEqual([GOOGLE_RELAY]);
  });

  it('a bad relay line is an error naming file and line', () => {
    const relays = file('proxy_urls.txt', '# relays\nhttps://ok.example\nftp://bad.example\n');
    const error = configError(() => loadLists(sources({ apiKeysFile: file('api_keys.txt', 'AIza-one\n'), proxyUrlsFile: relays })));
    expect(error.field).toBe(`${relays}:3`);
  });

  describe('the users file', () => {
    const withUsers = (text?: string): ListSources => sources({
      apiKeysFile: file('api_keys.txt', 'AIza-one\n'), usersFile: file('valid_users.txt', text),
    });

    it('is read like the key file: comments, blanks and spaces around skipped', () => {
      const lists = loadLists(withUsers('# chat users\n\n  alice  \nbob@example.com\n'));
      expect(lists.users).toEqual(['alice', 'bob@example.com']);
      expect(lists.warnings).toEqual([]);
    });

    it('drops a duplicate with a warning naming the line', () => {
      const lists = loadLists(withUsers('alice\nbob\nalice\n'));
      expect(lists.users).toEqual(['alice', 'bob']);
      expect(lists.warnings).toEqual([`${file('valid_users.txt')}:3: duplicate of line 1, dropped`]);
    });

    it('is not read at all when the session API is not served: a bad line there stops nothing', () => {
      const configured = { ...withUsers('John Doe\n'), protocols: ['gemini', 'openai'] };
      expect(loadLists(listSourcesOf(configured)).users).toEqual([]);
      expect(() => loadLists(listSourcesOf({ ...configured, protocols: ['session'] }))).toThrow();
    });

    it('a missing file means no users, not an error', () => {
      expect(loadLists(withUsers()).users).toEqual([]);
    });

    it('an empty file means no users', () => {
      expect(loadLists(withUsers('# nobody yet\n')).users).toEqual([]);
    });

    it('a user id with a space is an error naming the line, never the id', () => {
      const error = configError(() => loadLists(withUsers('alice\nbob SECRET-part\n')));
      expect(error.code).toBe('GP_CONFIG_INVALID');
      expect(error.field).toBe(`${file('valid_users.txt')}:2`);
      expect(error.message).not.toContain('bob');
      expect(error.message).not.toContain('SECRET');
    });

    it('a user id with a control character is an error', () => {
      const error = configError(() => loadLists(withUsers('al\u0007ice\n')));
      expect(error.field).toBe(`${file('valid_users.txt')}:1`);
    });

    it('a users file that cannot be read (a directory) is FILE_UNREADABLE', () => {
      const error = configError(() => loadLists(sources({ apiKeysFile: file('api_keys.txt', 'AIza-one\n'), usersFile: dir })));
      expect(error.code).toBe('GP_CONFIG_FILE_UNREADABLE');
      expect(error.field).toBe('--users-file');
      expect(error.message).toContain('EISDIR');
    });
  });
});

describe('key labels in api_keys.txt', () => {
  let dir: string;
  const load = (text: string) => {
    const apiKeysFile = join(dir, 'api_keys.txt');
    writeFileSync(apiKeysFile, text);
    return { ...loadLists({ apiKeysFile, apiKeysFileExplicit: true, proxyUrlsFile: join(dir, 'none.txt'), envKeys: [], usersFile: '' }), apiKeysFile };
  };
  const loadError = (text: string) => configError(() => load(text));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-labels-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('an old file (bare keys, comments, blanks, CRLF) reads exactly as before: no projects', () => {
    const { keys, warnings } = load('# pool\r\nAIza-one\r\n\r\n  AIza-two  \r\n\tAQ.Ab-three\r\n');
    expect(keys).toStrictEqual([
      { id: keyId('AIza-one'), secret: 'AIza-one' }, { id: keyId('AIza-two'), secret: 'AIza-two' }, { id: keyId('AQ.Ab-three'), secret: 'AQ.Ab-three' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('a project label after the key, separated by spaces or tabs; the id is the key\'s alone', () => {
    const { keys } = load('AIza-a1  project=alpha\nAIza-a2\tproject=alpha\nAIza-b1 project=beta\nAIza-solo\n');
    expect(keys).toStrictEqual([
      { id: keyId('AIza-a1'), secret: 'AIza-a1', project: 'alpha' },
      { id: keyId('AIza-a2'), secret: 'AIza-a2', project: 'alpha' },
      { id: keyId('AIza-b1'), secret: 'AIza-b1', project: 'beta' },
      { id: keyId('AIza-solo'), secret: 'AIza-solo' },
    ]);
  });

  it('a project of digits is Google\'s project number', () => {
    expect(load('AIza-one project=123456789\n').keys[0]?.project).toBe('projects/123456789');
  });

  it('an unknown label (one a later version reads) is ignored with a warning naming it, never its value', () => {
    const { keys, warnings, apiKeysFile } = load('AIza-one region=http://user:SECRET@p.example:8080 project=alpha\n');
    expect(keys).toStrictEqual([{ id: keyId('AIza-one'), secret: 'AIza-one', project: 'alpha' }]);
    expect(warnings).toEqual([`${apiKeysFile}:1: unknown label region, ignored`]);
    expect(warnings.join()).not.toContain('SECRET');
  });

  it('keys pasted in bulk: several on a line, split by commas or whitespace, each a key; the labels hold for all', () => {
    const { keys, warnings, apiKeysFile } = load('AIza-a1, AIza-a2,AIza-a3\tAIza-a2  project=alpha\nAIza-b1 AIza-b2\n');
    expect(keys.map((key) => [key.secret, key.project])).toEqual([
      ['AIza-a1', 'alpha'], ['AIza-a2', 'alpha'], ['AIza-a3', 'alpha'], ['AIza-b1', undefined], ['AIza-b2', undefined],
    ]);
    expect(warnings).toEqual([`${apiKeysFile}:1: twice on the line, dropped`]);
  });

  it('the same key on two lines (other labels, other spacing) is one key, with a warning', () => {
    const { keys, warnings, apiKeysFile } = load('AIza-one project=alpha\nAIza-two\nAIza-one   project=beta\n');
    expect(keys.map((key) => [key.secret, key.project])).toEqual([['AIza-one', 'alpha'], ['AIza-two', undefined]]);
    expect(warnings).toEqual([`${apiKeysFile}:3: the same key as line 1, dropped`]);
  });

  it.each([
    ['a label where the key goes', 'project=alpha\n', 'expected a key first'],
    ['a label alone after a blank key line', 'AIza-one\nproject=alpha AIza-two\n', 'expected a key first'],
    ['a key after a label', 'AIza-one project=a AIza-SECRET-two\n', 'expected the keys first'],
    ['a label given twice', 'AIza-one project=a project=b\n', 'the label project is given twice'],
    ['an empty project', 'AIza-one project=\n', 'expected project=NAME'],
    ['a project with a slash', 'AIza-one project=a/SECRET\n', 'expected project=NAME'],
    ['an upper-case label name', 'AIza-one Project=alpha\n', 'lower-case name=value labels'],
  ])('%s is an error naming the line, never the value', (_label, text, message) => {
    const error = loadError(text);
    expect(error.code).toBe('GP_CONFIG_INVALID');
    expect(error.field).toMatch(/api_keys\.txt:\d$/);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('SECRET');
    expect(error.message).not.toContain('AIza');
  });

  it('a label that holds a key is refused: /status would show it', () => {
    const error = loadError('AIza-one\nAIza-two project=AIza-one\n');
    expect(error.field).toMatch(/api_keys\.txt:2$/);
    expect(error.message).toContain('a label must not hold a key');
    expect(error.message).not.toContain('AIza');
  });

  it('keys from the environment take no labels', () => {
    const error = configError(() => loadLists({
      apiKeysFile: join(dir, 'none.txt'), apiKeysFileExplicit: false, proxyUrlsFile: join(dir, 'none.txt'), envKeys: ['project=alpha'], usersFile: '',
    }));
    expect(error.field).toBe('GEMINI_API_KEYS:1');
  });
});

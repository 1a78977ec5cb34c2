/** ClientAuth: proxy keys accepted wherever client SDKs put their API key. */

import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientAuth } from '../../src/server/auth.js';

const TOKEN = 'proxy-token-123';
const auth = new ClientAuth([TOKEN]);
/** What the app lets through: no proxy key configured, or one presented. */
const allows = (headers: IncomingHttpHeaders, search = '', checker = auth): boolean =>
  !checker.required || checker.identify(headers, new URLSearchParams(search)) !== undefined;

describe('ClientAuth', () => {
  it.each<[string, IncomingHttpHeaders, string]>([
    ['Bearer', { authorization: `Bearer ${TOKEN}` }, ''],
    ['bearer, lower case', { authorization: `bearer ${TOKEN}` }, ''],
    ['BEARER, extra spaces', { authorization: `  BEARER   ${TOKEN}  ` }, ''],
    ['x-goog-api-key', { 'x-goog-api-key': TOKEN }, ''],
    ['x-api-key', { 'x-api-key': TOKEN }, ''],
    ['api-key', { 'api-key': TOKEN }, ''],
    ['?key=', {}, `key=${TOKEN}`],
    ['?key= among other parameters', {}, `alt=sse&key=${encodeURIComponent(TOKEN)}`],
  ])('accepts the token in %s', (_label, headers, search) => {
    expect(allows(headers, search)).toBe(true);
  });

  it.each<[string, IncomingHttpHeaders, string]>([
    ['no credentials', {}, ''],
    ['a wrong token', { 'x-goog-api-key': 'proxy-token-124' }, ''],
    ['a prefix of the token', { 'x-goog-api-key': 'proxy-token-12' }, ''],
    ['a longer token', { authorization: `Bearer ${TOKEN}X` }, ''],
    ['a very long token', { 'x-api-key': 'x'.repeat(10_000) }, ''],
    ['an empty header', { 'x-goog-api-key': '' }, ''],
    ['an empty ?key=', {}, 'key='],
    ['Bearer without a token', { authorization: 'Bearer ' }, ''],
    ['Basic credentials', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }, ''],
    ['the raw token as Authorization', { authorization: TOKEN }, ''],
    ['non-ASCII', { 'x-goog-api-key': 'próxy-tøken-123' }, ''],
    ['non-ASCII bearer', { authorization: 'Bearer \u00ff\u00fe' }, ''],
    ['the token in a different header', { 'x-token': TOKEN }, ''],
    ['the token in another query parameter', {}, `api_key=${TOKEN}`],
  ])('rejects %s without throwing', (_label, headers, search) => {
    expect(() => allows(headers, search)).not.toThrow();
    expect(allows(headers, search)).toBe(false);
  });

  it('accepts when one of several presented credentials is right', () => {
    expect(allows({ authorization: 'Bearer wrong', 'x-goog-api-key': TOKEN })).toBe(true);
    expect(allows({ 'x-goog-api-key': 'wrong' }, `key=${TOKEN}`)).toBe(true);
  });

  it('lets everyone in when no token is configured', () => {
    const open = new ClientAuth([]);
    expect(open.required).toBe(false);
    expect(allows({}, '', open)).toBe(true);
    expect(allows({ authorization: 'Bearer anything' }, '', open)).toBe(true);
  });

  it('accepts any of several configured tokens, and nothing else', () => {
    const several = new ClientAuth(['alpha-token', 'beta', 'gamma-token-long']);
    expect(several.required).toBe(true);
    expect(allows({ 'x-goog-api-key': 'alpha-token' }, '', several)).toBe(true);
    expect(allows({ authorization: 'Bearer beta' }, '', several)).toBe(true);
    expect(allows({}, 'key=gamma-token-long', several)).toBe(true);
    expect(allows({ 'x-goog-api-key': 'delta' }, '', several)).toBe(false);
    expect(allows({ 'x-goog-api-key': 'alpha-tokenbeta' }, '', several)).toBe(false);
  });

  it('a token is compared exactly (case matters)', () => {
    expect(allows({ 'x-goog-api-key': TOKEN.toUpperCase() })).toBe(false);
  });
});

describe('ClientAuth.identify', () => {
  const several = new ClientAuth(['alpha-token', 'beta', 'gamma-token-long']);
  const identify = (headers: IncomingHttpHeaders, search = ''): number | undefined =>
    several.identify(headers, new URLSearchParams(search));

  it('names the configured token presented by its position, wherever it is presented', () => {
    expect(identify({ 'x-goog-api-key': 'alpha-token' })).toBe(0);
    expect(identify({ authorization: 'Bearer beta' })).toBe(1);
    expect(identify({}, 'key=gamma-token-long')).toBe(2);
  });

  it('is undefined for a wrong, missing or partial token', () => {
    expect(identify({})).toBeUndefined();
    expect(identify({ 'x-goog-api-key': 'delta' })).toBeUndefined();
    expect(identify({ 'x-api-key': 'bet' })).toBeUndefined();
    expect(identify({ 'x-api-key': 'x'.repeat(10_000) })).toBeUndefined();
  });

  it('takes the first presented credential that matches, skipping wrong ones', () => {
    expect(identify({ authorization: 'Bearer wrong', 'x-goog-api-key': 'beta' })).toBe(1);
    expect(identify({ authorization: 'Bearer gamma-token-long', 'x-goog-api-key': 'beta' })).toBe(2);
  });

  it('is undefined when no token is configured (nothing to identify by)', () => {
    expect(new ClientAuth([]).identify({ authorization: 'Bearer anything' }, new URLSearchParams())).toBeUndefined();
  });
});

/** Gemini REST paths: prefix removed, client key dropped, model extracted, unsafe paths refused. */

import { describe, expect, it } from 'vitest';
import { ProxyError, type ProxyErrorCode } from '../../src/errors.js';
import { geminiTarget, isGeminiPath } from '../../src/protocols/gemini/paths.js';

const target = (pathname: string, search = '') => geminiTarget(pathname, new URLSearchParams(search));

function proxyError(fn: () => unknown): ProxyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProxyError) return error;
    throw error;
  }
  throw new Error('expected a ProxyError');
}

describe('geminiTarget: upstream path', () => {
  it('removes the /gemini prefix', () => {
    expect(target('/gemini/v1beta/models/gemini-2.5-flash:generateContent').upstreamPath)
      .toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });

  it('forwards an unprefixed path as it is', () => {
    expect(target('/v1/models/gemini-2.5-pro:countTokens').upstreamPath).toBe('/v1/models/gemini-2.5-pro:countTokens');
  });

  it('removes the key query parameter and keeps alt=sse', () => {
    expect(target('/gemini/v1beta/models/x:streamGenerateContent', 'alt=sse&key=CLIENT-TOKEN').upstreamPath)
      .toBe('/v1beta/models/x:streamGenerateContent?alt=sse');
    expect(target('/v1beta/models/x:streamGenerateContent', 'key=A&alt=sse&key=B').upstreamPath)
      .toBe('/v1beta/models/x:streamGenerateContent?alt=sse');
  });

  it('removes every credential and identity parameter, with or without Google\'s $ prefix, in any case', () => {
    const search = 'alt=sse&access_token=ya29.x&%24key=K&oauth_token=o&Access_Token=y&api_key=a&apiKey=b&token=t' +
      '&passwd=p&password=p&userProject=other&$userProject=other&quotaUser=u&$httpMethod=DELETE&pageToken=next';
    expect(target('/v1beta/models', search).upstreamPath).toBe('/v1beta/models?alt=sse&pageToken=next');
  });

  it('drops every system parameter but the harmless ones: $httpHeaders would set any header', () => {
    const search = '%24httpHeaders=Authorization%3ABearer%20x&$ct=text/plain&$callback=f&$alt=sse&$fields=name&$prettyPrint=false&$.xgafv=2&httpHeaders=x';
    expect(target('/v1beta/models', search).upstreamPath).toBe('/v1beta/models?%24alt=sse&%24fields=name&%24prettyPrint=false&%24.xgafv=2');
  });

  it('finds a credential however its name is encoded', () => {
    expect(target('/v1beta/models', 'acc%65ss_token=x&%6Bey=y&alt=json').upstreamPath).toBe('/v1beta/models?alt=json');
  });

  it('leaves no trailing ? when key was the only parameter', () => {
    expect(target('/v1beta/models', 'key=CLIENT-TOKEN').upstreamPath).toBe('/v1beta/models');
  });

  it('keeps other query parameters', () => {
    expect(target('/v1beta/models', 'pageSize=50&pageToken=abc').upstreamPath).toBe('/v1beta/models?pageSize=50&pageToken=abc');
  });

  it('does not change the URLSearchParams it was given', () => {
    const search = new URLSearchParams('alt=sse&key=K');
    geminiTarget('/v1beta/models/x:streamGenerateContent', search);
    expect(search.get('key')).toBe('K');
  });
});

describe('geminiTarget: model and verb', () => {
  it.each([
    ['/gemini/v1beta/models/gemini-2.5-flash:generateContent', 'gemini-2.5-flash', 'generateContent'],
    ['/v1beta/models/gemini-2.5-flash:streamGenerateContent', 'gemini-2.5-flash', 'streamGenerateContent'],
    ['/v1beta/models/text-embedding-004:batchEmbedContents', 'text-embedding-004', 'batchEmbedContents'],
    ['/v1beta/models/gemini-2.5-flash', 'gemini-2.5-flash', ''],
    ['/v1beta/tunedModels/my-model-7:generateContent', 'tunedModels/my-model-7', 'generateContent'],
    ['/v1beta/models', '', ''],
    ['/v1beta/files', '', ''],
    ['/v1beta/cachedContents/abc', '', ''],
    ['/v1beta/files/abc:download', '', 'download'],
    ['/v1alpha/batches/b1:cancel', '', 'cancel'],
  ])('%s → model %j, verb %j', (path, model, verb) => {
    const result = target(path);
    expect(result.model).toBe(model);
    expect(result.verb).toBe(verb);
  });
});

describe('geminiTarget: quota scope', () => {
  it.each([
    ['/v1beta/models/gemini-2.5-flash:generateContent', 'gemini-2.5-flash'],
    ['/v1beta/tunedModels/t1:generateContent', 'tunedModels/t1'],
    ['/v1beta/models', 'models:*'],
    ['/v1beta/files', 'files:*'],
    ['/v1beta/files/abc', 'files:*'],
    ['/v1beta/cachedContents/abc', 'cachedContents:*'],
    ['/v1alpha/batches/b1:cancel', 'batches:*'],
    ['/v1beta/tunedModels', 'tunedModels:*'],
    ['/v1beta/models/gemini-2.5-flash:streamGenerateContent', 'gemini-2.5-flash'],
    ['/v1beta/models/gemini-2.5-flash:countTokens', 'gemini-2.5-flash:countTokens'],
    ['/v1beta/models/gemini-embedding-001:embedContent', 'gemini-embedding-001:embed'],
    ['/v1beta/models/gemini-embedding-001:batchEmbedContents', 'gemini-embedding-001:embed'],
    ['/v1beta/models/gemini-2.5-flash', 'gemini-2.5-flash:get'],
  ])('%s → %s', (path, scope) => {
    expect(target(path).scope).toBe(scope);
  });
});

describe('geminiTarget: refused paths', () => {
  it.each<[string, string, ProxyErrorCode]>([
    ['a .. segment', '/gemini/v1beta/models/../../admin', 'GP_BAD_PATH'],
    ['a . segment', '/v1beta/./models', 'GP_BAD_PATH'],
    ['a double slash', '/v1beta//models', 'GP_BAD_PATH'],
    ['a trailing slash', '/v1beta/models/', 'GP_BAD_PATH'],
    ['an encoded dot', '/v1beta/models/%2e%2e/x', 'GP_BAD_PATH'],
    ['an encoded slash', '/v1beta/models/a%2Fb:generateContent', 'GP_BAD_PATH'],
    ['a backslash', '/v1beta/models\\..\\x', 'GP_BAD_PATH'],
    ['a space', '/v1beta/models/a b', 'GP_BAD_PATH'],
    ['an @ (authority confusion)', '/v1beta/models/x@evil.example', 'GP_BAD_PATH'],
    ['an unknown collection', '/v1beta/admin/x', 'GP_NOT_FOUND'],
    ['a collection name with a different case', '/v1beta/Models/x', 'GP_NOT_FOUND'],
    ['an unknown version', '/v2/models/x:generateContent', 'GP_NOT_FOUND'],
    ['no collection', '/v1beta', 'GP_NOT_FOUND'],
    ['the bare prefix', '/gemini/', 'GP_NOT_FOUND'],
    ['a prefix look-alike', '/geminix/v1beta/models', 'GP_NOT_FOUND'],
  ])('%s: %s → %s', (_label, path, code) => {
    const error = proxyError(() => target(path));
    expect(error.code).toBe(code);
    expect(error.status).toBe(code === 'GP_BAD_PATH' ? 400 : 404);
  });
});

describe('isGeminiPath', () => {
  it.each([
    ['/gemini/v1beta/models', true],
    ['/gemini/v1/models/x:generateContent', true],
    ['/v1alpha/files', true],
    ['/v1beta', true],
    ['/v2/models', false],
    ['/gemini', false],
    ['/gemini/', false],
    ['/v1beta2/models', false],
    ['/openai/v1/chat/completions', false],
    ['/api/chat', false],
    ['/', false],
    ['', false],
  ])('%j → %s', (path, expected) => {
    expect(isGeminiPath(path)).toBe(expected);
  });
});

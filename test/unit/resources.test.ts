/** Which Gemini resources a request names and an answer creates, and the pin they give a request. */

import { describe, expect, it } from 'vitest';
import { createdResources, createsResource, resourceOfPath, resourcesInText } from '../../src/protocols/gemini/resources.js';
import { MemoryAffinity } from '../../src/state/affinity.js';
import { pinFor } from '../../src/upstream/pin.js';
import { MAX_UPLOAD_SESSIONS, UPLOAD_SESSION_LIFETIME_MS, UploadSessions } from '../../src/state/uploads.js';
import { ProxyError } from '../../src/errors.js';

describe('resourceOfPath', () => {
  it.each([
    ['/v1beta/files/abc-1', 'files/abc-1'],
    ['/v1beta/files/abc:download', 'files/abc'],
    ['/download/v1beta/files/abc:download?alt=media', 'files/abc'],
    ['/v1/cachedContents/c1?fields=name', 'cachedContents/c1'],
    ['/v1beta/batches/b1:cancel', 'batches/b1'],
    ['/v1beta/tunedModels/t1/operations/o1', 'tunedModels/t1'],
    ['/upload/v1beta/fileSearchStores/s1:uploadToFileSearchStore', 'fileSearchStores/s1'],
  ])('%s → %s', (path, name) => expect(resourceOfPath(path)).toBe(name));

  it.each(['/v1beta/files', '/v1beta/models/gemini-2.5-flash:generateContent', '/v1beta/files?pageSize=5', '/upload/v1beta/files'])('%s names none', (path) => {
    expect(resourceOfPath(path)).toBeUndefined();
  });
});

describe('resourcesInText', () => {
  it('finds every file URI, cache and interaction a body names, once each', () => {
    const body = JSON.stringify({
      contents: [{ parts: [
        { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc', mimeType: 'application/pdf' } },
        { fileData: { fileUri: 'http://127.0.0.1:9/v1beta/files/def' } },
        { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
      ] }],
      cachedContent: 'cachedContents/xyz',
      previous_interaction_id: 'int-7',
    });
    expect(resourcesInText(body)).toEqual(['files/abc', 'files/def', 'cachedContents/xyz', 'interactions/int-7']);
  });

  it('does not take a longer word for a collection', () => {
    expect(resourcesInText('"myfiles/abc" "profiles/x" "files/ok"')).toEqual(['files/ok']);
  });
});

describe('createdResources and createsResource', () => {
  it('reads the names an answer makes', () => {
    expect(createdResources({ file: { name: 'files/abc', uri: 'x' } })).toEqual(['files/abc']);
    expect(createdResources({ name: 'cachedContents/c1', model: 'models/x' })).toEqual(['cachedContents/c1']);
    expect(createdResources({ name: 'batches/b1', metadata: { state: 'BATCH_STATE_PENDING' } })).toEqual(['batches/b1']);
    expect(createdResources({ name: 'tunedModels/t1/operations/o1', metadata: { tunedModel: 'tunedModels/t1' } })).toEqual(['tunedModels/t1']);
    expect(createdResources({ id: 'int-1' }, true)).toEqual(['interactions/int-1']);
    expect(createdResources({ name: 'auth_tokens/tok-9' })).toEqual(['auth_tokens/tok-9']);
    expect(createdResources({ name: 'models/gemini-2.5-flash' })).toEqual([]);
    expect(createdResources('files/abc')).toEqual([]);
  });

  it.each([
    ['POST', '/v1beta/cachedContents', true],
    ['POST', '/v1beta/tunedModels', true],
    ['POST', '/v1beta/models/gemini-2.5-flash:batchGenerateContent', true],
    ['POST', '/v1beta/models/veo-3:predictLongRunning', true],
    ['POST', '/v1beta/interactions?alt=json', true],
    ['POST', '/v1alpha/auth_tokens', true],
    ['POST', '/v1beta/models/gemini-2.5-flash:generateContent', false],
    ['GET', '/v1beta/cachedContents', false],
    ['POST', '/v1beta/batches/b1:cancel', false],
  ] as const)('%s %s creates: %s', (method, path, creates) => expect(createsResource(method, path)).toBe(creates));
});

describe('pinFor', () => {
  const affinity = new MemoryAffinity(() => 0);
  affinity.remember('files/a', 'key_1');
  affinity.remember('files/b', 'key_1');
  affinity.remember('files/c', 'key_2');
  const body = (...names: string[]) => Buffer.from(JSON.stringify({ contents: [{ parts: names.map((name) => ({ fileData: { fileUri: `https://g/v1beta/${name}` } })) }] }));

  it('pins a request to the key that made what it names', () => {
    expect(pinFor('/v1beta/files/c', undefined, affinity)).toEqual({ keyId: 'key_2', resource: 'files/c' });
    expect(pinFor('/v1beta/models/m:generateContent', body('files/a', 'files/b', 'files/unknown'), affinity)).toEqual({ keyId: 'key_1', resource: 'files/a' });
  });

  it('leaves a request naming nothing known unpinned, and an empty map unread', () => {
    expect(pinFor('/v1beta/models/m:generateContent', body('files/zzz'), affinity)).toBeUndefined();
    expect(pinFor('/v1beta/files/a', body('files/a'), new MemoryAffinity(() => 0))).toBeUndefined();
  });

  it('refuses resources of two keys in one request, naming both', () => {
    let caught: unknown;
    try {
      pinFor('/v1beta/models/m:generateContent', body('files/a', 'files/c'), affinity);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProxyError);
    expect(caught).toMatchObject({ code: 'GP_RESOURCE_CONFLICT', status: 400 });
    expect((caught as Error).message).toContain('files/a and files/c');
  });
});

describe('MemoryAffinity', () => {
  it('forgets a resource when Google would have deleted it, and past its bound the oldest first', () => {
    let now = 0;
    const affinity = new MemoryAffinity(() => now, () => undefined, 2);
    affinity.remember('files/a', 'k1');
    affinity.remember('tunedModels/t', 'k1');
    now = 48 * 3_600_000;
    expect(affinity.keyFor('files/a')).toBeUndefined();
    expect(affinity.keyFor('tunedModels/t')).toBe('k1');
    affinity.remember('files/b', 'k2');
    affinity.remember('files/c', 'k2');
    expect(affinity.size).toBe(2);
    expect(affinity.keyFor('tunedModels/t')).toBeUndefined();
    expect(Object.keys(affinity.exportEntries())).toEqual(['files/b', 'files/c']);
  });
});

describe('UploadSessions', () => {
  it('forgets an upload left waiting longer than its lifetime; a chunk extends it; past the bound the oldest goes', () => {
    let now = 0;
    let next = 0;
    const sessions = new UploadSessions(() => now, () => `u${next++}`);
    const id = sessions.open({ keyId: 'k1', upstreamPath: '/upload/v1beta/files?upload_id=g1' });
    now = UPLOAD_SESSION_LIFETIME_MS - 1;
    expect(sessions.get(id)).toMatchObject({ keyId: 'k1' });
    now += UPLOAD_SESSION_LIFETIME_MS - 1;
    expect(sessions.get(id)).toMatchObject({ keyId: 'k1' });
    now += UPLOAD_SESSION_LIFETIME_MS;
    expect(sessions.get(id)).toBeUndefined();
    for (let i = 0; i <= MAX_UPLOAD_SESSIONS; i++) sessions.open({ keyId: 'k', upstreamPath: '/p' });
    expect(sessions.get('u1')).toBeUndefined();
    expect(sessions.get(`u${MAX_UPLOAD_SESSIONS + 1}`)).toMatchObject({ keyId: 'k' });
  });
});

/**
 * The project-scoped fake (test/support/fake-projects.ts) driven directly by `@google/genai`, no
 * proxy: proves it speaks what the SDK sends and expects, so proxy tests can trust its 403s.
 */

import { createHash } from 'node:crypto';
import { ApiError, GoogleGenAI, type File as GenaiFile } from '@google/genai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGemini } from '../support/fake-gemini.js';
import { FakeProjects, PROJECT_ERRORS, projectsOf } from '../support/fake-projects.js';

const MIB = 1024 * 1024;
const PROJECTS = projectsOf({ 'key-alpha-1': 'alpha', 'key-alpha-2': 'alpha', 'key-beta-1': 'beta' });
const MODEL = 'gemini-2.5-flash';

/** ASCII bytes (FakeGemini records bodies as UTF-8 text), not all alike. */
function payload(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => 97 + ((i * 7 + (i >> 10)) % 26));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The ApiError a call rejects with (fails the test if it resolves). */
async function apiError(call: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const error: unknown = await call.then(() => undefined, (reason: unknown) => reason);
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return { status: error.status, body: JSON.parse(error.message) as unknown };
}

describe('FakeProjects, driven by @google/genai', () => {
  let upstream: FakeGemini;
  let fake: FakeProjects;
  const ai = (key: string): GoogleGenAI => new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: upstream.url } });
  const upload = (key: string, bytes: Uint8Array, mimeType = 'text/plain', displayName = 'doc.txt'): Promise<GenaiFile> =>
    ai(key).files.upload({ file: new Blob([bytes], { type: mimeType }), config: { displayName } });
  const post = (path: string, key: string | undefined, headers: Record<string, string>, body: string): Promise<Response> =>
    fetch(`${upstream.url}${path}`, { method: 'POST', headers: { ...(key !== undefined && { 'x-goog-api-key': key }), ...headers }, body });

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    fake = new FakeProjects(PROJECTS);
    upstream.setDefault(fake.behaviour);
  });

  afterEach(async () => {
    await upstream.close();
  });

  it('takes a 3 MiB resumable upload to final and records it for the starting project', async () => {
    const bytes = payload(3 * MIB);
    const file = await upload('key-alpha-1', bytes);
    expect(file).toMatchObject({ displayName: 'doc.txt', mimeType: 'text/plain', sizeBytes: String(3 * MIB), state: 'ACTIVE', source: 'UPLOADED' });
    expect(file.name).toMatch(/^files\/[a-z0-9]+$/);
    expect(file.uri).toBe(`${upstream.url}/v1beta/${file.name ?? ''}`);
    expect(fake.ownerOf(file.name ?? '')).toBe('alpha');
    expect(fake.fileBytes(file.name ?? '')).toBe(3 * MIB);
    expect(fake.uploads).toMatchObject([{ project: 'alpha', key: 'key-alpha-1', declaredBytes: 3 * MIB, received: 3 * MIB, chunks: 1, status: 'final', file: file.name, sha256: sha256(bytes) }]);
    const [start, chunk] = upstream.requests;
    expect(start?.pathname).toBe('/upload/v1beta/files');
    expect(start?.headers).toMatchObject({ 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'x-goog-upload-header-content-length': String(3 * MIB) });
    expect(chunk?.query.get('upload_id')).toBe(fake.uploads[0]?.uploadId);
    expect(chunk?.headers).toMatchObject({ 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' });
    expect(chunk?.key).toBe('key-alpha-1');
  });

  it('takes a 9 MiB upload in two 8 MiB-aligned chunks', async () => {
    const bytes = payload(9 * MIB);
    const file = await upload('key-alpha-2', bytes);
    const chunks = upstream.requests.slice(1);
    expect(chunks.map((request) => request.headers['x-goog-upload-command'])).toEqual(['upload', 'upload, finalize']);
    expect(chunks.map((request) => request.headers['x-goog-upload-offset'])).toEqual(['0', String(8 * MIB)]);
    expect(fake.uploads[0]).toMatchObject({ chunks: 2, received: 9 * MIB, sha256: sha256(bytes) });
    expect(fake.file(file.name ?? '').sha256).toBe(sha256(bytes));
  });

  it('gets, lists and deletes files per project; another project gets Google\'s 403', async () => {
    const names: string[] = [];
    for (const text of ['one', 'two', 'three']) names.push((await upload('key-alpha-1', new TextEncoder().encode(text))).name ?? '');
    const [first = ''] = names;
    const id = first.slice('files/'.length);
    expect((await ai('key-alpha-2').files.get({ name: first })).name).toBe(first);
    expect(await apiError(ai('key-beta-1').files.get({ name: first }))).toEqual({ status: 403, body: PROJECT_ERRORS.file(id).body });
    expect(await apiError(ai('key-beta-1').files.get({ name: first }))).toMatchObject({ body: { error: { message: `You do not have permission to access the File ${id} or it may not exist.` } } });

    const listed: string[] = [];
    for await (const file of await ai('key-alpha-2').files.list({ config: { pageSize: 2 } })) listed.push(file.name ?? '');
    expect(listed).toEqual(names);
    expect(upstream.requests.filter((request) => request.pathname === '/v1beta/files').map((request) => request.query.get('pageSize'))).toEqual(['2', '2']);
    const beta: unknown[] = [];
    for await (const file of await ai('key-beta-1').files.list()) beta.push(file);
    expect(beta).toEqual([]);

    expect((await apiError(ai('key-beta-1').files.delete({ name: first }))).status).toBe(403);
    await ai('key-alpha-1').files.delete({ name: first });
    expect(fake.ownerOf(first)).toBeUndefined();
    expect((await apiError(ai('key-alpha-1').files.get({ name: first }))).status).toBe(403);
  });

  it('downloads a file only for its project', async () => {
    const file = await upload('key-alpha-1', new TextEncoder().encode('download me'));
    const path = `/v1beta/${file.name ?? ''}:download?alt=media`;
    const mine = await fetch(`${upstream.url}${path}`, { headers: { 'x-goog-api-key': 'key-alpha-2' } });
    expect(await mine.text()).toBe('download me');
    const other = await fetch(`${upstream.url}/download${path}`, { headers: { 'x-goog-api-key': 'key-beta-1' } });
    expect(other.status).toBe(403);
  });

  it('generates with a file only for its project, unary and streamed', async () => {
    const file = await upload('key-alpha-1', new TextEncoder().encode('a document'));
    const contents = [{ role: 'user', parts: [{ fileData: { fileUri: file.uri ?? '', mimeType: 'text/plain' } }, { text: 'summarise' }] }];
    const response = await ai('key-alpha-2').models.generateContent({ model: MODEL, contents });
    expect(response.text).toBe(`Used ${file.name ?? ''}`);
    const texts: string[] = [];
    for await (const item of await ai('key-alpha-1').models.generateContentStream({ model: MODEL, contents })) texts.push(item.text ?? '');
    expect(texts).toEqual([`Used ${file.name ?? ''}`]);
    expect((await apiError(ai('key-beta-1').models.generateContent({ model: MODEL, contents }))).status).toBe(403);
    expect((await ai('key-beta-1').models.generateContent({ model: MODEL, contents: 'plain' })).text).toBe('Hello from fake Gemini: plain');
  });

  it('creates caches over its own files and generates with them; another project gets the cache 403', async () => {
    const file = await upload('key-alpha-1', new TextEncoder().encode('cache me'));
    const contents = [{ role: 'user', parts: [{ fileData: { fileUri: file.uri ?? '', mimeType: 'text/plain' } }] }];
    expect(await apiError(ai('key-beta-1').caches.create({ model: MODEL, config: { contents } })))
      .toEqual({ status: 403, body: PROJECT_ERRORS.file(file.name?.slice('files/'.length) ?? '').body });
    const cache = await ai('key-alpha-2').caches.create({ model: MODEL, config: { contents, ttl: '600s', displayName: 'c1' } });
    expect(cache).toMatchObject({ model: `models/${MODEL}`, displayName: 'c1', usageMetadata: { totalTokenCount: expect.any(Number) as number } });
    expect(cache.name).toMatch(/^cachedContents\/[a-z0-9]+$/);
    const name = cache.name ?? '';
    expect(fake.ownerOf(name)).toBe('alpha');
    expect((await ai('key-alpha-1').caches.get({ name })).name).toBe(name);

    const used = await ai('key-alpha-1').models.generateContent({ model: MODEL, contents: 'hi', config: { cachedContent: name } });
    expect(used.text).toBe(`Used ${name}`);
    expect(upstream.requests.at(-1)?.body).toContain(`"cachedContent":"${name}"`);
    expect(await apiError(ai('key-beta-1').models.generateContent({ model: MODEL, contents: 'hi', config: { cachedContent: name } })))
      .toEqual({ status: 403, body: PROJECT_ERRORS.cache().body });
    expect(await apiError(ai('key-beta-1').caches.get({ name }))).toEqual({ status: 403, body: { error: { code: 403, message: 'CachedContent not found (or permission denied)', status: 'PERMISSION_DENIED' } } });

    const listed: string[] = [];
    for await (const item of await ai('key-alpha-2').caches.list()) listed.push(item.name ?? '');
    expect(listed).toEqual([name]);
    await ai('key-alpha-2').caches.delete({ name });
    expect((await apiError(ai('key-alpha-1').caches.get({ name }))).status).toBe(403);
  });

  it('runs batches from a file and inline, pinned to the creating project', async () => {
    const lines = ['{"key":"r1","request":{"contents":[{"parts":[{"text":"one"}]}]}}', '{"key":"r2","request":{"contents":[{"parts":[{"text":"two"}]}]}}'];
    const input = await upload('key-alpha-1', new TextEncoder().encode(lines.join('\n')), 'application/jsonl', 'input.jsonl');
    expect((await apiError(ai('key-beta-1').batches.create({ model: MODEL, src: input.name ?? '' }))).status).toBe(403);
    const job = await ai('key-alpha-2').batches.create({ model: MODEL, src: input.name ?? '', config: { displayName: 'job1' } });
    expect(job).toMatchObject({ displayName: 'job1', state: 'JOB_STATE_PENDING', model: `models/${MODEL}` });
    const name = job.name ?? '';
    expect(fake.ownerOf(name)).toBe('alpha');
    expect(await apiError(ai('key-beta-1').batches.get({ name }))).toEqual({ status: 403, body: PROJECT_ERRORS.batch(name.slice('batches/'.length)).body });

    fake.finishBatch(name);
    const done = await ai('key-alpha-1').batches.get({ name });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    const output = done.dest?.fileName ?? '';
    expect(fake.ownerOf(output)).toBe('alpha');
    const download = await fetch(`${upstream.url}/download/v1beta/${output}:download?alt=media`, { headers: { 'x-goog-api-key': 'key-alpha-2' } });
    expect((await download.text()).trim().split('\n').map((line) => (JSON.parse(line) as { key: string }).key)).toEqual(['r1', 'r2']);

    const inline = await ai('key-alpha-1').batches.create({ model: MODEL, src: [{ contents: [{ role: 'user', parts: [{ text: 'x' }] }], metadata: { key: 'i1' } }] });
    fake.finishBatch(inline.name ?? '');
    const answered = await ai('key-alpha-2').batches.get({ name: inline.name ?? '' });
    expect(answered.dest?.inlinedResponses?.map((item) => item.metadata)).toEqual([{ key: 'i1' }]);
    expect(answered.dest?.inlinedResponses?.[0]?.response?.candidates?.[0]?.content?.parts?.[0]?.text).toContain('Hello from fake Gemini batch');

    const cancelled = await ai('key-alpha-1').batches.create({ model: MODEL, src: [{ contents: 'y' }] });
    await ai('key-alpha-2').batches.cancel({ name: cancelled.name ?? '' });
    expect((await ai('key-alpha-1').batches.get({ name: cancelled.name ?? '' })).state).toBe('JOB_STATE_CANCELLED');
  });

  it('speaks the resumable protocol on the wire: key canary, offsets, foreign chunks, one-shot', async () => {
    const startHeaders = { 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'content-type': 'application/json' };
    const start = await post('/upload/v1beta/files?key=key-alpha-1', undefined, startHeaders, '{"file":{"displayName":"c.txt","mimeType":"text/plain"}}');
    expect(start.status).toBe(200);
    expect(start.headers.get('x-goog-upload-status')).toBe('active');
    const url = new URL(start.headers.get('x-goog-upload-url') ?? '');
    expect(url.host).toBe(new URL(upstream.url).host);
    expect(url.searchParams.get('upload_protocol')).toBe('resumable');
    expect(url.searchParams.get('key')).toBe('key-alpha-1');
    const path = `${url.pathname}?upload_id=${url.searchParams.get('upload_id') ?? ''}`;

    const chunk = (key: string, command: string, offset: number, body: string): Promise<Response> =>
      post(path, key, { 'x-goog-upload-command': command, 'x-goog-upload-offset': String(offset) }, body);
    expect((await chunk('key-beta-1', 'upload', 0, 'abc')).status).toBe(403);
    const first = await chunk('key-alpha-2', 'upload', 0, 'abc');
    expect([first.status, first.headers.get('x-goog-upload-status')]).toEqual([200, 'active']);
    expect((await chunk('key-alpha-1', 'upload', 1, 'def')).status).toBe(400);
    const last = await chunk('key-alpha-1', 'upload, finalize', 3, 'def');
    expect(last.headers.get('x-goog-upload-status')).toBe('final');
    const { file } = (await last.json()) as { file: { name: string; sizeBytes: string; displayName: string } };
    expect(file).toMatchObject({ sizeBytes: '6', displayName: 'c.txt' });
    expect(fake.file(file.name).bytes.toString()).toBe('abcdef');
    expect((await post('/upload/v1beta/files?upload_id=nope', 'key-alpha-1', { 'x-goog-upload-command': 'upload', 'x-goog-upload-offset': '0' }, 'x')).status).toBe(404);

    const oneShot = await post('/upload/v1beta/files', 'key-beta-1', {
      'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start, upload, finalize',
      'x-goog-upload-header-content-type': 'text/csv', 'x-goog-upload-file-name': 'data.csv',
    }, 'a,b\n1,2\n');
    expect(oneShot.headers.get('x-goog-upload-status')).toBe('final');
    const made = ((await oneShot.json()) as { file: { name: string; mimeType: string; sizeBytes: string } }).file;
    expect(made).toMatchObject({ mimeType: 'text/csv', sizeBytes: '8' });
    expect(fake.ownerOf(made.name)).toBe('beta');
  });

  it('answers unknown and missing keys like Google, and delegates other routes to gemini()', async () => {
    const unknown = await apiError(ai('key-nobody').models.list());
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('API_KEY_INVALID');
    const keyless = await fetch(`${upstream.url}/v1beta/files`);
    expect(keyless.status).toBe(403);
    const models: string[] = [];
    for await (const model of await ai('key-beta-1').models.list()) models.push(model.name ?? '');
    expect(models).toContain(`models/${MODEL}`);
  });
});

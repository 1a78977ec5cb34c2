/**
 * Files, caches and batches through a pool of 3 keys from 2 projects (@google/genai against the
 * proxy, a fake upstream that keeps resources per project and answers 403 to the wrong one):
 * resumable uploads streamed through, and key affinity sending every later request about a
 * resource with the key that made it. Round-robin over 3 keys would hit the wrong project within
 * three calls, so each test fails without affinity.
 */

import '../support/node-fetch.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, GoogleGenAI, type File as GenaiFile } from '@google/genai';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/config/lists.js';
import { FakeProjects, projectsOf } from '../support/fake-projects.js';
import { withProxy } from '../support/harness.js';
import { rawRequest } from '../support/http.js';

const MIB = 1024 * 1024;
const KEYS = ['files-key-alpha-1', 'files-key-alpha-2', 'files-key-beta-1'];
const PROJECTS = projectsOf({ [KEYS[0] ?? '']: 'alpha', [KEYS[1] ?? '']: 'alpha', [KEYS[2] ?? '']: 'beta' });
const TOKEN = 'files-proxy-token-6d1f';
const MODEL = 'gemini-2.5-flash';

const h = withProxy({ keys: KEYS, settings: { proxyKeys: [TOKEN] } });
let fake: FakeProjects;
const ai = (): GoogleGenAI => new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: h.proxy.url } });

/** Bytes not all alike, so a chunk out of place would change the hash. */
function payload(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 12)) % 251);
}

const upload = (bytes: Uint8Array, displayName = 'doc.bin'): Promise<GenaiFile> =>
  ai().files.upload({ file: new Blob([bytes], { type: 'application/octet-stream' }), config: { displayName } });

const fileUri = (file: GenaiFile): string => file.uri ?? '';

async function rejection(call: Promise<unknown>): Promise<ApiError> {
  const error: unknown = await call.then(() => undefined, (reason: unknown) => reason);
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

beforeEach(() => {
  fake = new FakeProjects(PROJECTS);
  h.upstream.setDefault(fake.behaviour);
});

describe('uploads and key affinity, through @google/genai', () => {
  it('uploads 9 MiB in two streamed chunks with the starting key, then get, use and delete it with that key', async () => {
    const bytes = payload(9 * MIB);
    const file = await upload(bytes);
    const [session] = fake.uploads;
    expect(session).toMatchObject({ chunks: 2, received: 9 * MIB, status: 'final', file: file.name });
    expect(session?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const owner = fake.ownerOf(file.name ?? '');
    for (let i = 0; i < 3; i++) expect((await ai().files.get({ name: file.name ?? '' })).sizeBytes).toBe(String(9 * MIB));
    for (let i = 0; i < 3; i++) {
      const answer = await ai().models.generateContent({ model: MODEL, contents: [{ role: 'user', parts: [{ fileData: { fileUri: fileUri(file), mimeType: 'application/octet-stream' } }, { text: 'read it' }] }] });
      expect(answer.text).toContain(file.name);
    }
    // Every call about the file went with its key; then the list (not pinned) and the delete.
    const used = h.upstream.requests.filter((request) => request.key !== undefined).map((request) => fake.projectOf(request.key ?? ''));
    expect(new Set(used)).toEqual(new Set([owner]));
    const statuses = h.proxy.logs.lines.filter((line) => line.msg === 'request').map((line) => line['status']);
    expect(statuses.length).toBeGreaterThan(6);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const listed = await ai().files.list({ config: { pageSize: 10 } });
    const names: string[] = [];
    for await (const item of listed) names.push(item.name ?? '');
    expect(names.every((name) => fake.ownerOf(name) !== undefined)).toBe(true);
    await ai().files.delete({ name: file.name ?? '' });
    expect(await rejection(ai().files.get({ name: file.name ?? '' }))).toMatchObject({ status: 403 });
    const seen = JSON.stringify([h.proxy.logs.raw, names]);
    for (const key of KEYS) expect(seen).not.toContain(key);
  });

  it('hands out its own upload URL: an opaque id, never a key or Google\'s upload id', async () => {
    const start = await rawRequest(h.proxy.url, {
      method: 'POST', path: `/upload/v1beta/files?key=${TOKEN}`,
      headers: { 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'content-type': 'application/json', 'x-goog-upload-header-content-length': '5' },
      body: JSON.stringify({ file: { displayName: 'x' } }),
    });
    expect(start.status).toBe(200);
    const url = String(start.headers['x-goog-upload-url']);
    const googleId = fake.uploads[0]?.uploadId ?? '';
    expect(url).toMatch(new RegExp(`^${h.proxy.url}/upload/v1beta/files\\?upload_id=[A-Za-z0-9_-]+&upload_protocol=resumable$`));
    expect(url).not.toContain(googleId);
    for (const secret of [...KEYS, TOKEN]) expect(url).not.toContain(secret);
    expect(h.upstream.requests[0]?.query.has('key')).toBe(false);
    const finish = await rawRequest(h.proxy.url, {
      method: 'POST', path: url.slice(h.proxy.url.length),
      headers: { 'x-goog-api-key': TOKEN, 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' },
      body: 'hello',
    });
    expect(finish.status).toBe(200);
    expect(finish.headers['x-goog-upload-status']).toBe('final');
    const again = await rawRequest(h.proxy.url, { method: 'POST', path: url.slice(h.proxy.url.length), headers: { 'x-goog-api-key': TOKEN, 'x-goog-upload-command': 'upload', 'x-goog-upload-offset': '5' }, body: 'x' });
    expect(again.status).toBe(404);
  });

  it('starts the upload URL with --public-url behind a reverse proxy, keeping the /gemini prefix', async () => {
    await h.restart({ settings: { proxyKeys: [TOKEN], publicUrl: 'https://gemini.example.com/base' } });
    const start = await rawRequest(h.proxy.url, {
      method: 'POST', path: '/gemini/upload/v1beta/files',
      headers: { 'x-goog-api-key': TOKEN, 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(String(start.headers['x-goog-upload-url'])).toMatch(/^https:\/\/gemini\.example\.com\/base\/gemini\/upload\/v1beta\/files\?upload_id=/);
  });

  it('a cache over a file, and generation with that cache, go with the file\'s key', async () => {
    const file = await upload(payload(1024));
    const cache = await ai().caches.create({ model: MODEL, config: { contents: [{ role: 'user', parts: [{ fileData: { fileUri: fileUri(file), mimeType: 'application/octet-stream' } }] }] } });
    expect(fake.ownerOf(cache.name ?? '')).toBe(fake.ownerOf(file.name ?? ''));
    for (let i = 0; i < 3; i++) {
      const answer = await ai().models.generateContent({ model: MODEL, contents: 'summarise', config: { cachedContent: cache.name ?? '' } });
      expect(answer.text).toContain(cache.name);
    }
  });

  it('a batch over a file goes with the file\'s key, and so does every later call about the batch', async () => {
    const file = await upload(payload(2048));
    const batch = await ai().batches.create({ model: MODEL, src: file.name ?? '' });
    expect(fake.ownerOf(batch.name ?? '')).toBe(fake.ownerOf(file.name ?? ''));
    for (let i = 0; i < 3; i++) expect((await ai().batches.get({ name: batch.name ?? '' })).name).toBe(batch.name);
    const download = await rawRequest(h.proxy.url, { method: 'GET', path: `/download/v1beta/${file.name ?? ''}:download?alt=media`, headers: { 'x-goog-api-key': TOKEN } });
    expect(download.status).toBe(200);
  });

  it('two files made by one key go together in one request', async () => {
    const byKey = new Map<string, string[]>();
    while (![...byKey.values()].some((names) => names.length === 2)) {
      const file = await upload(payload(64));
      const key = fake.uploads.find((session) => session.file === file.name)?.key ?? '';
      byKey.set(key, [...(byKey.get(key) ?? []), file.uri ?? '']);
    }
    const uris = [...byKey.values()].find((names) => names.length === 2) ?? [];
    const answer = await ai().models.generateContent({ model: MODEL, contents: [{ role: 'user', parts: uris.map((fileUri) => ({ fileData: { fileUri, mimeType: 'text/plain' } })) }] });
    expect(answer.text).toMatch(/^Used files\/\w+, files\/\w+/);
  });

  it('two files made by keys of different projects cannot go in one request: a 400 naming both, no key blamed', async () => {
    const files: GenaiFile[] = [];
    while (new Set(files.map((file) => fake.ownerOf(file.name ?? ''))).size < 2) files.push(await upload(payload(64)));
    const [first, last] = [files[0], files.at(-1)];
    if (first === undefined || last === undefined) throw new Error('no files');
    const before = h.upstream.requests.length;
    const error = await rejection(ai().models.generateContent({ model: MODEL, contents: [{ role: 'user', parts: [
      { fileData: { fileUri: fileUri(first), mimeType: 'text/plain' } }, { fileData: { fileUri: fileUri(last), mimeType: 'text/plain' } },
    ] }] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain(`${first.name ?? ''} and ${last.name ?? ''}`);
    expect(h.upstream.requests.length).toBe(before);
    expect((await h.proxy.status({ 'x-goog-api-key': TOKEN })).keys.every((key) => key.state === 'active')).toBe(true);
  });
});

describe('affinity on every surface, and across restarts', () => {
  it('an OpenAI chat naming the file by its Gemini id goes with the file\'s key', async () => {
    const file = await upload(payload(64));
    const openai = new OpenAI({ apiKey: TOKEN, baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      const answer = await openai.chat.completions.create({
        model: MODEL, messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: file.name ?? '' } }, { type: 'text', text: 'read it' }] }],
      });
      expect(answer.choices[0]?.message.content).toContain(file.name);
    }
  });

  it('keeps which key made each file in --state-file (ids only), so a restart still finds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-affinity-'));
    const settings = { proxyKeys: [TOKEN], stateFile: join(dir, 'state.json') };
    try {
      await h.restart({ settings });
      const file = await upload(payload(64));
      await h.restart({ settings });
      const saved = readFileSync(settings.stateFile, 'utf8');
      expect(saved).toContain(file.name);
      for (const key of KEYS) expect(saved).not.toContain(key);
      for (let i = 0; i < 3; i++) expect((await ai().files.get({ name: file.name ?? '' })).name).toBe(file.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a resource whose key cannot serve', () => {
  it('waits for its own key while that key cools (429, Retry-After), never another key', async () => {
    const file = await upload(payload(64));
    const owner = h.upstream.requests.at(-1)?.key ?? '';
    h.upstream.next((_request, res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '30s' }] } }));
    });
    const before = h.upstream.requests.length;
    const first = await rawRequest(h.proxy.url, { method: 'GET', path: `/v1beta/${file.name ?? ''}`, headers: { 'x-goog-api-key': TOKEN } });
    expect(first.status).toBe(429);
    expect(Number(first.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    const second = await rawRequest(h.proxy.url, { method: 'GET', path: `/v1beta/${file.name ?? ''}`, headers: { 'x-goog-api-key': TOKEN } });
    expect(second.status).toBe(429);
    expect(h.upstream.requests.slice(before).map((request) => request.key)).toEqual([owner]);
  });

  it('answers 503 naming the resource when its key is disabled', async () => {
    const file = await upload(payload(64));
    const owner = h.upstream.requests.at(-1)?.key ?? '';
    const record = h.proxy.daemon.rotator.keys.find((candidate) => candidate.key.secret === owner);
    if (record === undefined) throw new Error('no record');
    h.proxy.daemon.rotator.disable(record, 'test');
    const answer = await rawRequest(h.proxy.url, { method: 'GET', path: `/v1beta/${file.name ?? ''}`, headers: { 'x-goog-api-key': TOKEN } });
    expect(answer.status).toBe(503);
    expect(answer.body).toContain(file.name);
    expect(answer.body).toContain(keyId(owner));
    expect(answer.body).not.toContain(owner);
  });

  it('refuses an upload over --max-upload-size with 413, and blames no key or relay', async () => {
    await h.restart({ settings: { proxyKeys: [TOKEN], maxUploadBytes: MIB } });
    const error = await rejection(upload(payload(2 * MIB)));
    expect(error.status).toBe(413);
    const status = await h.proxy.status({ 'x-goog-api-key': TOKEN });
    expect(status.keys.every((key) => key.state === 'active')).toBe(true);
    expect(status.relays.every((relay) => relay.state === 'healthy')).toBe(true);
  });
});

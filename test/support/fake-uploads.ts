/**
 * The Files part of the project-scoped fake Gemini (fake-projects.ts): resumable uploads and the
 * File resource (get, list, delete, download). Every file belongs to the project of the key that
 * started its upload; wire shapes follow shared/reference/wire-formats-2.md §3 and `@google/genai`'s
 * uploader.
 */

import { createHash, type Hash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ErrorFixture } from '../fixtures/gemini-errors.js';
import type { Recorded } from './fake-gemini.js';
import {
  header, isRecord, parseJson, PROJECT_ERRORS, randomId, sendError, sendJson, sendOwnedPage, stringField, VERSION, type Caller,
} from './fake-google.js';

export interface StoredFile {
  /** `files/<id>`. */
  readonly name: string;
  readonly project: string;
  readonly displayName: string | undefined;
  readonly mimeType: string;
  readonly bytes: Buffer;
  /** Hex SHA-256 of `bytes`. */
  readonly sha256: string;
  readonly createTime: string;
  readonly expirationTime: string;
  /** UPLOADED by a client, or GENERATED (a batch's responses file). */
  readonly source: 'UPLOADED' | 'GENERATED';
}

export interface UploadSession {
  readonly uploadId: string;
  /** The project of the key that started the session; every chunk must come from it. */
  readonly project: string;
  readonly key: string;
  readonly displayName: string | undefined;
  readonly mimeType: string;
  /** `x-goog-upload-header-content-length` of the start request, if any. */
  readonly declaredBytes: number | undefined;
  readonly received: number;
  /** Chunk requests accepted (a one-shot `start, upload, finalize` counts one). */
  readonly chunks: number;
  readonly status: 'active' | 'final' | 'cancelled';
  /** `files/<id>` once final. */
  readonly file: string | undefined;
  /** Hex SHA-256 of everything received, once final. */
  readonly sha256: string | undefined;
}

type Session = { -readonly [K in keyof UploadSession]: UploadSession[K] } & { hash: Hash; parts: Buffer[] };

/** Every `fileUri` string anywhere in `value`. */
export function fileUris(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) fileUris(item, into);
  else if (isRecord(value)) {
    for (const [name, field] of Object.entries(value)) {
      if (name === 'fileUri' && typeof field === 'string') into.push(field);
      else fileUris(field, into);
    }
  }
  return into;
}

/** `files/<id>` from a name or a URI (`…/v1beta/files/<id>`), else undefined. */
export function fileNameOf(reference: string): string | undefined {
  const id = /(?:^|\/)files\/([^/?#:]+)/.exec(reference)?.[1];
  return id === undefined ? undefined : `files/${id}`;
}

const FILES = new RegExp(`^/${VERSION}/files$`);
const FILE = new RegExp(`^/${VERSION}/files/([^/:]+)$`);
const DOWNLOAD = new RegExp(`^(?:/download)?/${VERSION}/files/([^/:]+):download$`);
const UPLOAD = new RegExp(`^/upload/${VERSION}/files$`);
const HOURS_48 = 48 * 3600 * 1000;

/** Files and upload sessions of every project. */
export class FakeFiles {
  readonly files = new Map<string, StoredFile>();
  readonly uploads: UploadSession[] = [];
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  create(project: string, options: { displayName?: string | undefined; mimeType: string; bytes: Buffer; source?: StoredFile['source'] }): StoredFile {
    const now = this.#now();
    const file: StoredFile = {
      name: `files/${randomId()}`,
      project,
      displayName: options.displayName,
      mimeType: options.mimeType,
      bytes: options.bytes,
      sha256: createHash('sha256').update(options.bytes).digest('hex'),
      createTime: now.toISOString(),
      expirationTime: new Date(now.getTime() + HOURS_48).toISOString(),
      source: options.source ?? 'UPLOADED',
    };
    this.files.set(file.name, file);
    return file;
  }

  /** The File resource as Google shows it, with URIs on `host`. */
  resource(file: StoredFile, host: string): Record<string, unknown> {
    const id = file.name.slice('files/'.length);
    return {
      name: file.name,
      ...(file.displayName !== undefined && { displayName: file.displayName }),
      mimeType: file.mimeType,
      sizeBytes: String(file.bytes.length),
      createTime: file.createTime,
      updateTime: file.createTime,
      expirationTime: file.expirationTime,
      // Google's values look like base64 of the hex digest (UNCONFIRMED).
      sha256Hash: Buffer.from(file.sha256).toString('base64'),
      uri: `http://${host}/v1beta/files/${id}`,
      ...(file.source === 'GENERATED' && { downloadUri: `http://${host}/download/v1beta/files/${id}:download?alt=media` }),
      state: 'ACTIVE',
      source: file.source,
    };
  }

  /** The caller's file named (or URI'd) by `reference`, or the 403 Google gives for it. */
  owned(reference: string, caller: Caller): StoredFile | ErrorFixture {
    const name = fileNameOf(reference) ?? reference;
    const file = this.files.get(name);
    return file?.project === caller.project ? file : PROJECT_ERRORS.file(name.replace(/^files\//, ''));
  }

  /** The 403 for the first File among `uris` the caller's project does not own, else undefined. */
  foreign(uris: readonly string[], caller: Caller): ErrorFixture | undefined {
    for (const uri of uris) {
      if (fileNameOf(uri) === undefined) continue; // gs://, YouTube and other URIs are not Files
      const file = this.owned(uri, caller);
      if (!('name' in file)) return file;
    }
    return undefined;
  }

  /** Serves the Files routes; false when the request is not one of them. */
  route(request: Recorded, res: ServerResponse, caller: Caller): boolean {
    const { method, pathname } = request;
    const host = request.headers.host ?? '127.0.0.1';
    if (method === 'POST' && UPLOAD.test(pathname)) {
      this.#upload(request, res, caller, host);
      return true;
    }
    if (method === 'GET' && FILES.test(pathname)) {
      sendOwnedPage(request, res, caller, this.files.values(), { field: 'files', maxSize: 100, show: (file) => this.resource(file, host) });
      return true;
    }
    const id = FILE.exec(pathname)?.[1] ?? DOWNLOAD.exec(pathname)?.[1];
    if (id === undefined || (method !== 'GET' && method !== 'DELETE')) return false;
    const file = this.owned(`files/${id}`, caller);
    if (!('name' in file)) {
      sendError(res, file);
    } else if (DOWNLOAD.test(pathname)) {
      res.writeHead(200, { 'content-type': file.mimeType, 'content-length': String(file.bytes.length) });
      res.end(file.bytes);
    } else if (method === 'DELETE') {
      this.files.delete(file.name);
      sendJson(res, 200, {});
    } else {
      sendJson(res, 200, this.resource(file, host));
    }
    return true;
  }

  #upload(request: Recorded, res: ServerResponse, caller: Caller, host: string): void {
    const commands = new Set((header(request, 'x-goog-upload-command') ?? '').split(',').map((word) => word.trim().toLowerCase()));
    const uploadId = request.query.get('upload_id');
    if (uploadId !== null) return this.#chunk(request, res, caller, host, uploadId, commands);
    const protocol = header(request, 'x-goog-upload-protocol')?.toLowerCase();
    if (protocol === 'raw') {
      const mimeType = header(request, 'content-type') ?? 'application/octet-stream';
      const file = this.create(caller.project, { mimeType, bytes: request.rawBody });
      return sendJson(res, 200, { file: this.resource(file, host) });
    }
    if (protocol !== 'resumable' || !commands.has('start')) {
      return sendError(res, PROJECT_ERRORS.badRequest(`fake: upload protocol ${protocol ?? '(none)'} / command ${[...commands].join(', ')} is not emulated`));
    }
    const oneShot = commands.has('upload');
    const session = this.#open(request, caller, oneShot);
    if (oneShot) return this.#accept(request, res, session, commands, host);
    const startKey = request.query.get('key');
    const url = `http://${host}/upload/v1beta/files?upload_id=${session.uploadId}&upload_protocol=resumable${startKey === null ? '' : `&key=${encodeURIComponent(startKey)}`}`;
    res.writeHead(200, { 'x-goog-upload-url': url, 'x-goog-upload-status': 'active', 'x-goog-upload-chunk-granularity': '8388608', 'content-length': '0' });
    res.end();
  }

  /** A new upload session for the start request (its metadata body, or the one-shot's headers). */
  #open(request: Recorded, caller: Caller, oneShot: boolean): Session {
    const metadata = oneShot ? undefined : parseJson(request.body);
    const file = isRecord(metadata) ? metadata['file'] : undefined;
    const declared = header(request, 'x-goog-upload-header-content-length');
    const session: Session = {
      uploadId: randomId(32),
      project: caller.project,
      key: caller.key,
      displayName: stringField(file, 'displayName', 'display_name') ?? header(request, 'x-goog-upload-file-name'),
      mimeType: stringField(file, 'mimeType', 'mime_type') ?? header(request, 'x-goog-upload-header-content-type') ?? 'application/octet-stream',
      declaredBytes: declared !== undefined && Number.isFinite(Number(declared)) ? Number(declared) : undefined,
      received: 0,
      chunks: 0,
      status: 'active',
      file: undefined,
      sha256: undefined,
      hash: createHash('sha256'),
      parts: [],
    };
    this.#sessions.set(session.uploadId, session);
    this.uploads.push(session);
    return session;
  }

  #chunk(request: Recorded, res: ServerResponse, caller: Caller, host: string, uploadId: string, commands: Set<string>): void {
    const session = this.#sessions.get(uploadId);
    if (session === undefined) return sendError(res, PROJECT_ERRORS.uploadNotFound());
    if (session.project !== caller.project) return sendError(res, PROJECT_ERRORS.uploadForbidden());
    if (commands.has('query')) {
      res.writeHead(200, { 'x-goog-upload-status': session.status, 'x-goog-upload-size-received': String(session.received), 'content-length': '0' });
      return void res.end();
    }
    if (session.status !== 'active') return sendError(res, PROJECT_ERRORS.uploadClosed(session.status));
    if (commands.has('cancel')) {
      session.status = 'cancelled';
      session.parts = [];
      res.writeHead(200, { 'x-goog-upload-status': 'cancelled', 'content-length': '0' });
      return void res.end();
    }
    if (!commands.has('upload') && !commands.has('finalize')) {
      return sendError(res, PROJECT_ERRORS.badRequest(`Unknown x-goog-upload-command: ${[...commands].join(', ')}`));
    }
    const offset = header(request, 'x-goog-upload-offset') ?? '';
    if (commands.has('upload') && Number(offset) !== session.received) return sendError(res, PROJECT_ERRORS.badOffset(session.received, offset));
    this.#accept(request, res, session, commands, host);
  }

  /** Takes the request's bytes into the session; finalizes it into a File when asked. */
  #accept(request: Recorded, res: ServerResponse, session: Session, commands: Set<string>, host: string): void {
    if (commands.has('upload')) {
      const bytes = request.rawBody;
      session.hash.update(bytes);
      session.parts.push(bytes);
      session.received += bytes.length;
      session.chunks += 1;
    }
    if (!commands.has('finalize')) {
      res.writeHead(200, { 'x-goog-upload-status': 'active', 'x-goog-upload-size-received': String(session.received), 'content-length': '0' });
      return void res.end();
    }
    const file = this.create(session.project, { displayName: session.displayName, mimeType: session.mimeType, bytes: Buffer.concat(session.parts) });
    session.parts = [];
    session.status = 'final';
    session.file = file.name;
    session.sha256 = session.hash.digest('hex');
    sendJson(res, 200, { file: this.resource(file, host) }, { 'x-goog-upload-status': 'final' });
  }
}

/**
 * A FakeGemini behaviour that emulates Google's project-scoped resources: files (fake-uploads.ts),
 * cachedContents (fake-caches.ts) and batches (fake-batches.ts) belong to the project of the key
 * that created them, and every later request about one (get, delete, a chunk, a `fileUri` or
 * `cachedContent` in a generation, a batch input) must come with a key of that project, else
 * Google's 403. Tests use it to check that a proxy with a key pool pins each resource to its
 * project. Anything else goes to `gemini()`.
 *
 *   const fake = new FakeProjects(projectsOf({ k1: 'p1', k2: 'p1', k3: 'p2' }));
 *   upstream.setDefault(fake.behaviour);
 */

import type { ServerResponse } from 'node:http';
import { FIXTURES } from '../fixtures/gemini-errors.js';
import { chunk, gemini, MODELS } from './behaviours.js';
import { FakeBatches, type BatchState } from './fake-batches.js';
import { FakeCaches } from './fake-caches.js';
import type { Behaviour, Recorded } from './fake-gemini.js';
import { isRecord, parseJson, PROJECT_ERRORS, sendError, sendJson, stringField, VERSION, type Caller } from './fake-google.js';
import { FakeFiles, fileNameOf, fileUris, type StoredFile, type UploadSession } from './fake-uploads.js';

export { googleError, PROJECT_ERRORS, type Caller } from './fake-google.js';
export type { StoredFile, UploadSession } from './fake-uploads.js';
export type { BatchState } from './fake-batches.js';

export interface ProjectsOptions {
  /** Key secret → project name. Keys of one project share its resources. */
  readonly projects: Readonly<Record<string, string>>;
  /** The clock for createTime and friends (default: the real one). */
  readonly now?: () => Date;
  /** What answers every other route (default: `gemini()`). */
  readonly fallback?: Behaviour;
}

export interface ProjectMap extends ProjectsOptions {
  readonly keys: readonly string[];
  keysOf(project: string): string[];
}

/** `projectsOf({ k1: 'p1', k2: 'p1', k3: 'p2' })`: options for FakeProjects, plus look-ups. */
export function projectsOf(projects: Readonly<Record<string, string>>): ProjectMap {
  return {
    projects,
    keys: Object.keys(projects),
    keysOf: (project) => Object.keys(projects).filter((key) => projects[key] === project),
  };
}

/** `keysByProject({ p1: ['k1', 'k2'], p2: ['k3'] })`: the same, written project-first. */
export function keysByProject(byProject: Readonly<Record<string, readonly string[]>>): ProjectMap {
  return projectsOf(Object.fromEntries(Object.entries(byProject).flatMap(([project, keys]) => keys.map((key) => [key, project]))));
}

const MODEL_VERB = new RegExp(`^/${VERSION}/models/([^/:]+):(generateContent|streamGenerateContent|batchGenerateContent|asyncBatchEmbedContent)$`);

/** Sends a generation's `answer` the way `verb` (and `alt=sse`) asks for it. */
function sendGeneration(request: Recorded, res: ServerResponse, verb: string, answer: unknown): void {
  if (verb === 'generateContent') return sendJson(res, 200, answer);
  if (request.query.get('alt') !== 'sse') return sendJson(res, 200, [answer]);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(`data: ${JSON.stringify(answer)}\r\n\r\n`);
}

export class FakeProjects {
  readonly behaviour: Behaviour;
  readonly #projects: ReadonlyMap<string, string>;
  readonly #files: FakeFiles;
  readonly #caches: FakeCaches;
  readonly #batches: FakeBatches;
  readonly #fallback: Behaviour;

  constructor(options: ProjectsOptions) {
    const now = options.now ?? (() => new Date());
    this.#projects = new Map(Object.entries(options.projects));
    this.#fallback = options.fallback ?? gemini();
    this.#files = new FakeFiles(now);
    this.#caches = new FakeCaches(this.#files, now);
    this.#batches = new FakeBatches(this.#files, now);
    this.behaviour = (request, res) => this.#serve(request, res);
  }

  /** Every upload session, in the order they started. */
  get uploads(): readonly UploadSession[] {
    return this.#files.uploads;
  }

  /** The project of the key, or undefined for an unknown key. */
  projectOf(key: string): string | undefined {
    return this.#projects.get(key);
  }

  /** The project owning `files/…`, `cachedContents/…`, `batches/…` (or a file URI); undefined when none. */
  ownerOf(resourceName: string): string | undefined {
    const file = fileNameOf(resourceName);
    if (file !== undefined) return this.#files.files.get(file)?.project;
    return this.#caches.caches.get(resourceName)?.project ?? this.#batches.batches.get(resourceName)?.project;
  }

  /** Names of every live resource `project` owns. */
  ownedBy(project: string): string[] {
    const all = [...this.#files.files.values(), ...this.#caches.caches.values(), ...this.#batches.batches.values()];
    return all.filter((resource) => resource.project === project).map((resource) => resource.name);
  }

  file(name: string): StoredFile {
    const file = this.#files.files.get(fileNameOf(name) ?? name);
    if (file === undefined) throw new Error(`fake-projects: no file ${name}`);
    return file;
  }

  fileBytes(name: string): number {
    return this.file(name).bytes.length;
  }

  /** Adds a file owned by `project` without an upload. */
  addFile(project: string, bytes: Buffer | string, mimeType = 'text/plain', displayName?: string): StoredFile {
    return this.#files.create(project, { bytes: Buffer.from(bytes), mimeType, displayName });
  }

  /** Makes a resource vanish as if it expired; Google answers the same 403 for it afterwards. */
  expire(name: string): void {
    this.#files.files.delete(fileNameOf(name) ?? name);
    this.#caches.caches.delete(name);
    this.#batches.batches.delete(name);
  }

  /**
   * Ends a batch. SUCCEEDED gives inline answers for inline requests, or a GENERATED responses
   * file (JSONL, owned by the batch's project) for file input.
   */
  finishBatch(name: string, state: BatchState = 'BATCH_STATE_SUCCEEDED'): void {
    this.#batches.finish(name, state);
  }

  async #serve(request: Recorded, res: ServerResponse): Promise<void> {
    const key = request.key ?? request.query.get('key') ?? undefined;
    if (key === undefined) return sendError(res, PROJECT_ERRORS.unregistered());
    const project = this.#projects.get(key);
    if (project === undefined) return sendError(res, FIXTURES.apiKeyInvalid(key));
    const caller: Caller = { key, project };
    if (this.#files.route(request, res, caller) || this.#caches.route(request, res, caller) || this.#batches.route(request, res, caller)) return;
    const [, model = '', verb = ''] = MODEL_VERB.exec(request.pathname) ?? [];
    if (request.method === 'POST' && verb !== '' && this.#modelRoute(request, res, caller, model, verb)) return;
    await this.#fallback(request, res);
  }

  /** generateContent / streamGenerateContent / batch creation; false leaves the request to the fallback. */
  #modelRoute(request: Recorded, res: ServerResponse, caller: Caller, model: string, verb: string): boolean {
    const body = parseJson(request.body);
    if (!isRecord(body)) return false;
    if (!MODELS.some((item) => item.name === `models/${model}`)) {
      sendError(res, FIXTURES.modelNotFound());
    } else if (verb === 'batchGenerateContent' || verb === 'asyncBatchEmbedContent') {
      this.#batches.create(body, res, caller, model, verb);
    } else {
      return this.#generate(request, res, caller, model, verb, body);
    }
    return true;
  }

  /** A generation that names Files or a cache: refused unless the caller's project owns them all; false when it names none. */
  #generate(request: Recorded, res: ServerResponse, caller: Caller, model: string, verb: string, body: Record<string, unknown>): boolean {
    const files = [...new Set(fileUris(body).map((uri) => fileNameOf(uri)).filter((name) => name !== undefined))];
    const cacheName = stringField(body, 'cachedContent');
    if (files.length === 0 && cacheName === undefined) return false;
    const refusal = this.#files.foreign(files, caller) ?? (cacheName === undefined ? undefined : this.#caches.refusal(cacheName, caller, model, body));
    if (refusal !== undefined) sendError(res, refusal);
    else sendGeneration(request, res, verb, chunk(`Used ${[...files, ...(cacheName === undefined ? [] : [cacheName])].join(', ')}`, 'STOP'));
    return true;
  }
}

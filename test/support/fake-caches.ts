/**
 * The cachedContents part of the project-scoped fake Gemini (fake-projects.ts): create, list, get,
 * patch (a new TTL) and delete, each cache owned by the project of the key that created it, and
 * the checks Google makes when a generation names one.
 */

import type { ServerResponse } from 'node:http';
import type { ErrorFixture } from '../fixtures/gemini-errors.js';
import type { Recorded } from './fake-gemini.js';
import { isRecord, parseJson, PROJECT_ERRORS, randomId, sendError, sendJson, sendOwnedPage, stringField, VERSION, type Caller } from './fake-google.js';
import { fileUris, type FakeFiles } from './fake-uploads.js';

export interface StoredCache {
  readonly name: string;
  readonly project: string;
  readonly model: string;
  readonly displayName: string | undefined;
  readonly createTime: string;
  updateTime: string;
  expireTime: string;
  readonly tokens: number;
}

const CACHES = new RegExp(`^/${VERSION}/cachedContents$`);
const CACHE = new RegExp(`^/${VERSION}/cachedContents/([^/:]+)$`);

function ttlSeconds(ttl: string | undefined): number {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(ttl ?? '');
  return match?.[1] === undefined ? 3600 : Number(match[1]);
}

/** The `expireTime` a create or patch body asks for, else `now` plus its `ttl` (one hour by default). */
function expireTimeOf(body: unknown, now: Date): string {
  return stringField(body, 'expireTime') ?? new Date(now.getTime() + ttlSeconds(stringField(body, 'ttl')) * 1000).toISOString();
}

function cacheResource(cache: StoredCache): Record<string, unknown> {
  const { name, model, displayName, createTime, updateTime, expireTime, tokens } = cache;
  return { name, model, ...(displayName !== undefined && { displayName }), createTime, updateTime, expireTime, usageMetadata: { totalTokenCount: tokens } };
}

/** The cachedContents of every project. */
export class FakeCaches {
  readonly caches = new Map<string, StoredCache>();
  readonly #files: FakeFiles;
  readonly #now: () => Date;

  constructor(files: FakeFiles, now: () => Date) {
    this.#files = files;
    this.#now = now;
  }

  /** The caller's cache `name`, or undefined when it has none by that name. */
  owned(name: string, caller: Caller): StoredCache | undefined {
    const cache = this.caches.get(name);
    return cache?.project === caller.project ? cache : undefined;
  }

  /** What Google answers a generation on `model` with `body` that names cache `name`; undefined when it may. */
  refusal(name: string, caller: Caller, model: string, body: Record<string, unknown>): ErrorFixture | undefined {
    const cache = this.owned(name, caller);
    if (cache === undefined) return PROJECT_ERRORS.cache();
    if (cache.model !== `models/${model}`) {
      return PROJECT_ERRORS.badRequest(`Model used by GenerateContent request (models/${model}) and CachedContent (${cache.model}) has to be the same.`);
    }
    if (['systemInstruction', 'tools', 'toolConfig'].some((field) => body[field] !== undefined)) {
      return PROJECT_ERRORS.badRequest('CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request.');
    }
    return undefined;
  }

  /** Serves the cachedContents routes; false when the request is not one of them. */
  route(request: Recorded, res: ServerResponse, caller: Caller): boolean {
    const { method, pathname } = request;
    if (CACHES.test(pathname) && method === 'GET') {
      sendOwnedPage(request, res, caller, this.caches.values(), { field: 'cachedContents', maxSize: 1000, show: cacheResource });
      return true;
    }
    if (CACHES.test(pathname) && method === 'POST') {
      this.#create(request, res, caller);
      return true;
    }
    const id = CACHE.exec(pathname)?.[1];
    if (id === undefined || !['GET', 'DELETE', 'PATCH'].includes(method)) return false;
    this.#one(request, res, this.owned(`cachedContents/${id}`, caller));
    return true;
  }

  #create(request: Recorded, res: ServerResponse, caller: Caller): void {
    const body = parseJson(request.body);
    const asked = stringField(body, 'model');
    const model = asked === undefined || asked.startsWith('models/') ? asked : `models/${asked}`;
    if (!isRecord(body) || model === undefined) return sendError(res, PROJECT_ERRORS.badRequest('CachedContent.model is required.'));
    const foreign = this.#files.foreign(fileUris(body), caller);
    if (foreign !== undefined) return sendError(res, foreign);
    const now = this.#now();
    const cache: StoredCache = {
      name: `cachedContents/${randomId()}`, project: caller.project, model, displayName: stringField(body, 'displayName'),
      createTime: now.toISOString(), updateTime: now.toISOString(), expireTime: expireTimeOf(body, now), tokens: Math.max(1, Math.ceil(request.body.length / 4)),
    };
    this.caches.set(cache.name, cache);
    sendJson(res, 200, cacheResource(cache));
  }

  /** GET, PATCH or DELETE of one cache (undefined: not the caller's). */
  #one(request: Recorded, res: ServerResponse, cache: StoredCache | undefined): void {
    if (cache === undefined) return sendError(res, PROJECT_ERRORS.cache());
    if (request.method === 'DELETE') {
      this.caches.delete(cache.name);
      return sendJson(res, 200, {});
    }
    if (request.method === 'PATCH') {
      const now = this.#now();
      cache.updateTime = now.toISOString();
      cache.expireTime = expireTimeOf(parseJson(request.body), now);
    }
    sendJson(res, 200, cacheResource(cache));
  }
}

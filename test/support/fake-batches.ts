/**
 * The batches part of the project-scoped fake Gemini (fake-projects.ts): batchGenerateContent and
 * asyncBatchEmbedContent create a batch owned by the caller's project (inline requests or a JSONL
 * input File of that project); list, get, cancel and delete follow; tests end a batch by hand.
 */

import type { ServerResponse } from 'node:http';
import type { ErrorFixture } from '../fixtures/gemini-errors.js';
import { chunk } from './behaviours.js';
import type { Recorded } from './fake-gemini.js';
import { isRecord, parseJson, PROJECT_ERRORS, randomId, sendError, sendJson, sendOwnedPage, stringField, VERSION, type Caller } from './fake-google.js';
import { fileUris, type FakeFiles } from './fake-uploads.js';

export type BatchState = 'BATCH_STATE_PENDING' | 'BATCH_STATE_RUNNING' | 'BATCH_STATE_SUCCEEDED' | 'BATCH_STATE_FAILED' | 'BATCH_STATE_CANCELLED' | 'BATCH_STATE_EXPIRED';

export interface StoredBatch {
  readonly name: string;
  readonly project: string;
  readonly kind: 'GenerateContentBatch' | 'EmbedContentBatch';
  readonly model: string;
  readonly displayName: string | undefined;
  readonly inputConfig: Record<string, unknown>;
  readonly requests: readonly unknown[];
  readonly createTime: string;
  updateTime: string;
  endTime: string | undefined;
  state: BatchState;
  output: Record<string, unknown> | undefined;
}

const BATCHES = new RegExp(`^/${VERSION}/batches$`);
const BATCH = new RegExp(`^/${VERSION}/batches/([^/:]+)(:cancel)?$`);
const TYPE_PREFIX = 'type.googleapis.com/google.ai.generativelanguage.v1main.';

function isRunning(batch: StoredBatch): boolean {
  return batch.state === 'BATCH_STATE_PENDING' || batch.state === 'BATCH_STATE_RUNNING';
}

/** The batch as Google shows it: a long-running operation. */
function operationOf(batch: StoredBatch): Record<string, unknown> {
  const done = !isRunning(batch);
  const count = String(batch.requests.length);
  const succeeded = batch.state === 'BATCH_STATE_SUCCEEDED';
  const metadata = {
    '@type': `${TYPE_PREFIX}${batch.kind}`,
    name: batch.name,
    ...(batch.displayName !== undefined && { displayName: batch.displayName }),
    model: batch.model,
    inputConfig: batch.inputConfig,
    state: batch.state,
    createTime: batch.createTime,
    updateTime: batch.updateTime,
    ...(batch.endTime !== undefined && { endTime: batch.endTime }),
    batchStats: { requestCount: count, ...(succeeded ? { successfulRequestCount: count } : !done && { pendingRequestCount: count }) },
    ...(batch.output !== undefined && { output: batch.output }),
  };
  return { name: batch.name, metadata, done, ...(done && batch.output !== undefined && { response: { '@type': `${TYPE_PREFIX}${batch.kind}Output`, ...batch.output } }) };
}

/** The fake's answer to one request of a batch. */
function answerTo(batch: StoredBatch, item: unknown): unknown {
  if (batch.kind === 'EmbedContentBatch') return { embedding: { values: [0.1, 0.2, 0.3] } };
  const key = isRecord(item) && typeof item['key'] === 'string' ? ` for ${item['key']}` : '';
  return chunk(`Hello from fake Gemini batch ${batch.name}${key}`, 'STOP');
}

/** The batches of every project. */
export class FakeBatches {
  readonly batches = new Map<string, StoredBatch>();
  readonly #files: FakeFiles;
  readonly #now: () => Date;

  constructor(files: FakeFiles, now: () => Date) {
    this.#files = files;
    this.#now = now;
  }

  /**
   * Ends a batch. SUCCEEDED gives inline answers for inline requests, or a GENERATED responses
   * file (JSONL, owned by the batch's project) for file input.
   */
  finish(name: string, state: BatchState): void {
    const batch = this.batches.get(name);
    if (batch === undefined) throw new Error(`fake-projects: no batch ${name}`);
    const now = this.#now().toISOString();
    batch.state = state;
    batch.updateTime = now;
    batch.endTime = now;
    if (state === 'BATCH_STATE_SUCCEEDED') batch.output = this.#output(batch);
  }

  /** Serves the batch routes other than creation; false when the request is not one of them. */
  route(request: Recorded, res: ServerResponse, caller: Caller): boolean {
    const { method, pathname } = request;
    if (BATCHES.test(pathname) && method === 'GET') {
      sendOwnedPage(request, res, caller, this.batches.values(), { field: 'operations', maxSize: 1000, show: operationOf });
      return true;
    }
    const [, id, cancel] = BATCH.exec(pathname) ?? [];
    if (id === undefined) return false;
    if (cancel !== undefined ? method !== 'POST' : method !== 'GET' && method !== 'DELETE') return false;
    const batch = this.batches.get(`batches/${id}`);
    if (batch?.project !== caller.project) {
      sendError(res, PROJECT_ERRORS.batch(id));
    } else if (cancel !== undefined) {
      if (isRunning(batch)) this.finish(batch.name, 'BATCH_STATE_CANCELLED');
      sendJson(res, 200, {});
    } else if (method === 'DELETE') {
      this.batches.delete(batch.name);
      sendJson(res, 200, {});
    } else {
      sendJson(res, 200, operationOf(batch));
    }
    return true;
  }

  /** Answers `models/<model>:<verb>` (batchGenerateContent or asyncBatchEmbedContent) with a new batch. */
  create(body: Record<string, unknown>, res: ServerResponse, caller: Caller, model: string, verb: string): void {
    const batch = body['batch'];
    const input = this.#inputOf(batch, caller);
    if (!('requests' in input)) return sendError(res, input);
    const now = this.#now().toISOString();
    const stored: StoredBatch = {
      name: `batches/${randomId()}`, project: caller.project, kind: verb === 'asyncBatchEmbedContent' ? 'EmbedContentBatch' : 'GenerateContentBatch',
      model: `models/${model}`, displayName: stringField(batch, 'displayName'), ...input,
      createTime: now, updateTime: now, endTime: undefined, state: 'BATCH_STATE_PENDING', output: undefined,
    };
    this.batches.set(stored.name, stored);
    sendJson(res, 200, operationOf(stored));
  }

  /** A new batch's input config and its requests (inline, or the lines of the caller's input File), or the error Google gives. */
  #inputOf(batch: unknown, caller: Caller): Pick<StoredBatch, 'inputConfig' | 'requests'> | ErrorFixture {
    const inputConfig = isRecord(batch) ? batch['inputConfig'] : undefined;
    const fileName = stringField(inputConfig, 'fileName');
    const inline = isRecord(inputConfig) && isRecord(inputConfig['requests']) ? inputConfig['requests']['requests'] : undefined;
    if (!isRecord(inputConfig) || (fileName === undefined && !Array.isArray(inline))) {
      return PROJECT_ERRORS.badRequest('GenerateContentBatch.input_config is required.');
    }
    let requests: unknown[] = Array.isArray(inline) ? inline : [];
    if (fileName !== undefined) {
      const file = this.#files.owned(fileName, caller);
      if (!('name' in file)) return file;
      requests = file.bytes.toString('utf8').split('\n').filter((line) => line.trim() !== '').map((line) => parseJson(line));
    }
    return this.#files.foreign(fileUris(requests), caller) ?? { inputConfig, requests };
  }

  /** A succeeded batch's output: inline answers, or a responses File for file input. */
  #output(batch: StoredBatch): Record<string, unknown> {
    if (typeof batch.inputConfig['fileName'] === 'string') {
      const lines = batch.requests.map((item) => JSON.stringify({ ...(isRecord(item) && { key: item['key'] }), response: answerTo(batch, item) }));
      const file = this.#files.create(batch.project, { bytes: Buffer.from(`${lines.join('\n')}\n`), mimeType: 'application/jsonl', displayName: `${batch.name} responses`, source: 'GENERATED' });
      return { responsesFile: file.name };
    }
    const list = batch.requests.map((item) => ({ response: answerTo(batch, item), ...(isRecord(item) && isRecord(item['metadata']) && { metadata: item['metadata'] }) }));
    return batch.kind === 'EmbedContentBatch' ? { inlinedEmbedContentResponses: { inlinedResponses: list } } : { inlinedResponses: { inlinedResponses: list } };
  }
}

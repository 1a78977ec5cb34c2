/**
 * @module Reads a `multipart/form-data` request body with busboy, streaming: the size limit (413)
 * and the process-wide body budget (503) are enforced on the raw bytes as they arrive, as
 * body.ts does for JSON, so an oversized form is refused part-way and never reaches upstream.
 * Files are held whole (they are sent upstream inline).
 */

import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { ProxyError } from '../errors.js';
import { busy, declaredLength, tooLarge } from './body.js';
import type { RequestContext } from './context.js';

export interface FormFile {
  /** The form field's name (`image`, `image[]`). */
  readonly field: string;
  readonly filename: string | undefined;
  /** The part's declared `Content-Type`. */
  readonly mimeType: string;
  readonly data: Buffer;
}

export interface FormBody {
  /** Text fields: the last value of each name. */
  readonly fields: ReadonlyMap<string, string>;
  /** File fields, in the order they came. */
  readonly files: readonly FormFile[];
}

export interface FormLimits {
  /** The whole body's bytes, as sent (the server's `maxBodyBytes`). */
  readonly maxBytes: number;
  /** More files than this is a 400. */
  readonly maxFiles: number;
  /** More text fields than this is a 400. */
  readonly maxFields: number;
}

const MULTIPART = /^\s*multipart\/form-data\s*;/i;

function badForm(message: string): ProxyError {
  return new ProxyError('GP_BAD_REQUEST', message);
}

/** What busboy parsed, and the first thing wrong with it (a parse error or a limit). */
class FormCollector {
  readonly fields = new Map<string, string>();
  readonly files: FormFile[] = [];
  failure: ProxyError | undefined;
  /** Resolves when the parser is done, or failed. */
  readonly done: Promise<void>;

  constructor(parser: busboy.Busboy, limits: FormLimits) {
    this.done = new Promise((resolve) => {
      parser.on('close', resolve);
      parser.on('error', (error: unknown) => {
        this.fail(badForm(`the multipart body could not be read: ${error instanceof Error ? error.message : String(error)}`));
        resolve();
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) this.fail(badForm(`the form field ${name} is too long`));
      this.fields.set(name, value);
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A form cut inside a file fails the file too; the parser reports it (or was abandoned).
      stream.on('error', () => this.fail(badForm('the multipart body ended inside a file')));
      stream.on('end', () => this.files.push({ field, filename: info.filename, mimeType: info.mimeType, data: Buffer.concat(chunks) }));
    });
    parser.on('filesLimit', () => this.fail(badForm(`the form holds more than ${limits.maxFiles} files`)));
    parser.on('fieldsLimit', () => this.fail(badForm(`the form holds more than ${limits.maxFields} fields`)));
  }

  fail(error: ProxyError): void {
    this.failure ??= error;
  }
}

function parserFor(req: IncomingMessage, limits: FormLimits): busboy.Busboy {
  try {
    return busboy({
      headers: req.headers,
      // The raw byte count below bounds everything; these only keep busboy from cutting a field short.
      limits: { fieldSize: limits.maxBytes, files: limits.maxFiles, fields: limits.maxFields },
    });
  } catch (error) {
    throw badForm(`the multipart body could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Waits until the parser takes more, or is done. */
async function drained(parser: busboy.Busboy, collector: FormCollector): Promise<void> {
  await Promise.race([new Promise((resolve) => parser.once('drain', resolve)), collector.done]);
}

/**
 * Reads the whole form. Not `multipart/form-data` → 400 before a byte is read; a declared
 * `Content-Length` over the limit → 413 at once; otherwise every chunk is counted against the
 * limit and the budget as it arrives, like body.ts's `readBody`.
 */
export async function readMultipart(ctx: RequestContext, limits: FormLimits): Promise<FormBody> {
  const { req, signal, bodyHold: hold } = ctx;
  if (!MULTIPART.test(req.headers['content-type'] ?? '')) throw badForm('the request body must be multipart/form-data');
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
  if (declared !== undefined && hold !== undefined && !hold.fits(declared)) throw busy();
  const parser = parserFor(req, limits);
  const collector = new FormCollector(parser, limits);
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxBytes) throw tooLarge(limits.maxBytes);
      if (hold !== undefined && !hold.reserve(chunk.length)) throw busy();
      if (collector.failure !== undefined) throw collector.failure;
      if (!parser.write(chunk)) await drained(parser, collector);
    }
  } catch (error) {
    parser.destroy();
    if (error instanceof ProxyError) throw error;
    // A body that stops arriving ("aborted", ECONNRESET) is a client that went away.
    throw signal.aborted ? signal.reason : new ProxyError('GP_CLIENT_CLOSED', undefined, { cause: error });
  }
  if (signal.aborted) throw signal.reason;
  ctx.bytesIn = size;
  parser.end();
  await collector.done;
  if (collector.failure !== undefined) throw collector.failure;
  return { fields: collector.fields, files: collector.files };
}

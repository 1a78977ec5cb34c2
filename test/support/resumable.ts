/** A resumable upload as @google/genai starts and finishes one, by hand, so each half can go to another proxy. */

import { rawRequest, type RawResponse } from './http.js';

/** Starts an upload of `bytes` through `base`; resolves with the upload URL's path and query. */
export async function startUpload(base: string, bytes: Buffer, displayName = 'upload.txt'): Promise<string> {
  const started = await rawRequest(base, {
    method: 'POST', path: '/upload/v1beta/files',
    headers: {
      'content-type': 'application/json', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start',
      'x-goog-upload-header-content-length': String(bytes.length), 'x-goog-upload-header-content-type': 'text/plain',
    },
    body: JSON.stringify({ file: { displayName } }),
  });
  if (started.status !== 200) throw new Error(`the upload did not start: ${started.status} ${started.body}`);
  const url = new URL(String(started.headers['x-goog-upload-url']));
  return `${url.pathname}${url.search}`;
}

/** Sends all of `bytes` to the upload at `path` through `base`, finishing it. */
export function finishUpload(base: string, path: string, bytes: Buffer): Promise<RawResponse> {
  return rawRequest(base, {
    method: 'POST', path, body: bytes,
    headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0', 'content-type': 'text/plain' },
  });
}

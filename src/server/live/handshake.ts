/**
 * @module The opening handshake on the client's side, before anything is upgraded: which
 * upgrades are WebSocket ones, whether one is well formed (RFC 6455 §4.2.1, checked as ws
 * checks it, so ws never refuses one the proxy already dialed upstream for), and the plain HTTP
 * answer that refuses one. Also serves a non-WebSocket upgrade (h2c) as the ordinary request it
 * is: Node hands every upgrade to the `upgrade` listener once there is one.
 */

import { STATUS_CODES, ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ProxyError } from '../../errors.js';
import { geminiErrorBody } from '../../protocols/gemini/error-body.js';

/** RFC 6455 §4.1: a base64 nonce of 16 bytes. */
const NONCE = /^[+/0-9A-Za-z]{22}==$/;
/** RFC 6455 §4.1: subprotocols are RFC 7230 tokens, comma-separated. */
const PROTOCOL_LIST = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/;

/** Whether the request asks for a WebSocket (any other upgrade is served as a plain request). */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.trim().toLowerCase() === 'websocket';
}

/**
 * The subprotocols the client offers, to be offered upstream in turn. Throws GP_BAD_REQUEST for
 * a handshake ws would refuse: a method other than GET, a bad nonce or version, a malformed or
 * repeated subprotocol.
 */
export function offeredProtocols(req: IncomingMessage): string[] {
  const bad = (what: string): ProxyError => new ProxyError('GP_BAD_REQUEST', `not a valid WebSocket handshake: ${what}`);
  if (req.method !== 'GET') throw bad('the method must be GET');
  if (!NONCE.test(req.headers['sec-websocket-key'] ?? '')) throw bad('missing or invalid Sec-WebSocket-Key');
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') throw bad('missing or invalid Sec-WebSocket-Version');
  const offered = req.headers['sec-websocket-protocol'];
  if (offered === undefined) return [];
  if (!PROTOCOL_LIST.test(offered)) throw bad('invalid Sec-WebSocket-Protocol');
  const protocols = offered.split(',').map((name) => name.trim());
  if (new Set(protocols).size !== protocols.length) throw bad('a repeated subprotocol');
  return protocols;
}

/**
 * Answers `status` on the raw socket and closes it once the answer is written (as ws refuses a
 * handshake). `body` is Google's own error or the proxy's in Google's shape.
 */
export function refuseUpgrade(socket: Duplex, status: number, body: string | Buffer, headers: Readonly<Record<string, string>> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.from(body)]));
}

/** Refuses with one of the proxy's errors in Gemini's error shape. */
export function refuseWithError(socket: Duplex, error: ProxyError, requestId: string): void {
  const headers: Record<string, string> = { 'X-Request-Id': requestId };
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (error.code === 'GP_UNAUTHORIZED') headers['WWW-Authenticate'] = 'Bearer';
  refuseUpgrade(socket, error.status, geminiErrorBody(error), headers);
}

/**
 * Serves an upgrade that is not to WebSocket as an ordinary request on a one-off response
 * (`curl --http2` on plain HTTP asks for `h2c`; Node would have ignored the upgrade but for the
 * listener). Node parses no body for an upgrade, so one that announces a body is refused.
 */
export function serveAsRequest(req: IncomingMessage, socket: Duplex, listener: (req: IncomingMessage, res: ServerResponse) => void): void {
  const announced = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (announced) {
    refuseUpgrade(socket, 400, geminiErrorBody(new ProxyError('GP_BAD_REQUEST', 'an upgrade request with a body is not served; send it without Upgrade')));
    return;
  }
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  // An upgrade's socket is always the server's net.Socket (or TLSSocket), typed as a Duplex.
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    socket.once('finish', () => socket.destroy());
    socket.end();
  });
  listener(req, res);
}

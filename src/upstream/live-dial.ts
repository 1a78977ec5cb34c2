/**
 * @module Opening the Live API's upstream WebSocket. A key and a relay are picked through the
 * rotator, the key goes only in the `x-goog-api-key` header, and a handshake refused for a key's
 * reason (a 401, 403 or 429 answer to the upgrade) is judged by the error policy and tried again
 * with another key. Nothing is tried again once a socket is open: the session is that key's.
 */

import type { IncomingMessage } from 'node:http';
import type { createConnection } from 'node:net';
import { WebSocket } from 'ws';
import type { EgressProxy } from '../config/lists.js';
import { ProxyError } from '../errors.js';
import { scrubSecret, scrubSecrets } from '../log/scrub.js';
import { googleAnswerError } from '../protocols/gemini/google-error.js';
import { failureCode } from './attempt.js';
import type { ClientSignal } from './client-signal.js';
import type { AttemptTrail } from './dispatch.js';
import { tunnelConnection } from './egress-connect.js';
import type { Outcome, Verdict } from './policy.js';
import type { RelayRecord, Rotator } from './rotator.js';
import { backoffMs, condemns, Walk, type Via } from './walk.js';

/** A refused handshake's body is read up to this size, like any error body. */
const REFUSAL_BODY_LIMIT = 64 * 1024;
/** The path is the client's choice of version and RPC: a bare 404 is that path's, not the relay's. */
const LIVE_ATTEMPT = { clientPath: true };

export interface LiveDialDeps {
  readonly rotator: Rotator;
  /** Every secret known now, to scrub a refusal's body. */
  readonly secrets: () => ReadonlySet<string>;
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal: ClientSignal) => Promise<void>;
  /** Checks a relay the policy is unsure of with a known-good call (the prober). */
  readonly checkRelay?: (relay: RelayRecord) => void;
}

export interface LiveDialLimits {
  readonly maxAttempts: number;
  /** Time for one opening handshake: connection, TLS and the 101 answer. */
  readonly handshakeTimeoutMs: number;
  /** The largest message accepted from upstream. */
  readonly maxFrameBytes: number;
}

export interface LiveDialRequest {
  /** Path after the relay's base path; never holds a key (only an ephemeral token's `access_token`). */
  readonly path: string;
  /** The client's headers that may go upstream (src/server/headers.ts). */
  readonly headers: Readonly<Record<string, string>>;
  /** The subprotocols the client offered, offered upstream in turn. */
  readonly protocols: readonly string[];
  /** What a 429 cools the key for. */
  readonly scope: string;
  /**
   * The one key the session must use (key affinity: a token or resource that only its key's
   * project knows); any key when absent.
   */
  readonly pinnedKeyId?: string | undefined;
}

export type LiveDialResult =
  | { readonly kind: 'open'; readonly socket: WebSocket; readonly keyId: string; readonly relayId: string }
  /** Google's own refusal of the handshake, for the client as Google sent it (scrubbed). */
  | { readonly kind: 'answer'; readonly status: number; readonly body: Buffer };

type Handshake =
  | { readonly ok: true; readonly socket: WebSocket }
  | { readonly ok: false; readonly outcome: Outcome; readonly answer?: { status: number; body: Buffer } };

interface Failure {
  readonly verdict: Verdict;
  /** Google's error answer; undefined for a network failure or a relay's bare page. */
  readonly answer: { status: number; body: Buffer } | undefined;
  readonly bareStatus: number | undefined;
}

/** Everything one handshake needs besides its URL. */
interface HandshakeTarget {
  readonly request: LiveDialRequest;
  readonly secret: string;
  /** The egress proxy the connection leaves through; none: straight to the relay. */
  readonly egress: EgressProxy | undefined;
  readonly limits: LiveDialLimits;
  /** The client's: aborted when it leaves. */
  readonly signal: AbortSignal;
  /** Removes every secret from a refusal's body. */
  readonly scrub: (text: string) => string;
}

/** `http://host:port` → `ws://host:port`, `https:` → `wss:`. */
function websocketOrigin(origin: string): string {
  return origin.replace(/^http/, 'ws');
}

async function readRefusal(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= REFUSAL_BODY_LIMIT) break; // the socket is terminated right after
    }
  } catch {
    // A body cut short still says what it said so far.
  }
  return Buffer.concat(chunks).subarray(0, REFUSAL_BODY_LIMIT);
}

/**
 * One opening handshake. Resolves with the open socket or the failure's outcome; rejects only
 * when `signal` (the client's) aborts it. The socket keeps an `error` listener for life: ws
 * emits `error` before `close`, and an unheard one would end the process.
 */
function handshake(url: string, target: HandshakeTarget): Promise<Handshake> {
  const { request, secret, egress, limits, signal, scrub } = target;
  // Node's http takes a createConnection that answers through its callback; @types/ws types only net's.
  const tunnel = egress && (tunnelConnection(egress, url.startsWith('wss:'), limits.handshakeTimeoutMs) as unknown as typeof createConnection);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [...request.protocols], {
      headers: { ...request.headers, 'x-goog-api-key': secret },
      ...(tunnel && { createConnection: tunnel }),
      // No compression: a small deflated frame can inflate to a huge one (and ws's zlib use costs memory).
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: limits.maxFrameBytes,
    });
    socket.on('error', () => undefined);
    let settled = false;
    const settle = (result: Handshake | { aborted: unknown }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if ('aborted' in result) {
        socket.terminate();
        reject(result.aborted);
        return;
      }
      if (!result.ok) socket.terminate();
      resolve(result);
    };
    const onAbort = (): void => settle({ aborted: signal.reason });
    // Own timer rather than ws's handshakeTimeout, whose error carries only a message.
    const timer = setTimeout(() => settle({ ok: false, outcome: { kind: 'network', code: 'HANDSHAKE_TIMEOUT' } }), limits.handshakeTimeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('open', () => {
      // Nothing reads its messages until the relay listens: a frame that came with the 101
      // would be emitted to no one.
      socket.pause();
      settle({ ok: true, socket });
    });
    socket.once('error', (error) => settle({ ok: false, outcome: { kind: 'network', code: failureCode(error) } }));
    socket.once('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      void readRefusal(res).then((raw) => {
        const text = scrub(raw.toString('utf8'));
        settle({ ok: false, outcome: { kind: 'response', status, error: googleAnswerError(text, status) }, answer: { status, body: Buffer.from(text) } });
      });
    });
  });
}

export class LiveDialer {
  readonly #deps: LiveDialDeps;
  readonly #limits: LiveDialLimits;

  constructor(deps: LiveDialDeps, limits: LiveDialLimits) {
    this.#deps = deps;
    this.#limits = limits;
  }

  /**
   * Opens the upstream socket, trying keys and relays as the dispatcher does, until one opens,
   * the policy says to return, or keys or attempts run out. `trail` gets one entry per attempt.
   * Throws a ProxyError for the proxy's own refusal, or the signal's reason.
   */
  async dial(request: LiveDialRequest, signal: AbortSignal, trail: AttemptTrail[]): Promise<LiveDialResult> {
    const walk = new Walk(this.#deps, request.scope, request.pinnedKeyId);
    let last: Failure | undefined;
    for (let count = 1; count <= this.#limits.maxAttempts; count++) {
      signal.throwIfAborted(); // the client left: no (further) attempt
      const step = walk.next();
      if (!step.ok && step.why === 'unavailable') throw new ProxyError('GP_RESOURCE_KEY_UNAVAILABLE');
      if (!step.ok && step.why === 'no-relay') break;
      if (!step.ok) return this.#giveUp(walk, last, step.why === 'cooling' ? step.retryAtMs : undefined);
      const result = await this.#attempt(request, walk, step, signal, trail);
      if ('kind' in result) return result;
      last = result;
      const { next } = last.verdict;
      if (next === 'return') break;
      if (next === 'next-key-after-backoff' && count < this.#limits.maxAttempts) await this.#backoff(count, signal);
    }
    return this.#giveUp(walk, last, undefined);
  }

  async #attempt(
    request: LiveDialRequest,
    walk: Walk,
    via: Via,
    signal: AbortSignal,
    trail: AttemptTrail[],
  ): Promise<LiveDialResult | Failure> {
    const { now } = this.#deps;
    const { key, relay, egress } = via;
    const started = now();
    const entry = { key: key.key.id, relay: relay.relay.id, ...(egress && { egress: egress.proxy.id }) };
    walk.attempting(via);
    const url = websocketOrigin(relay.relay.origin) + relay.relay.basePath + request.path;
    let result: Handshake;
    try {
      const secret = key.key.secret;
      result = await handshake(url, {
        request, secret, egress: egress?.proxy, limits: this.#limits, signal, scrub: (text) => this.#scrub(text, secret),
      });
    } catch (error) {
      trail.push({ ...entry, code: 'ABORTED', verdict: 'aborted', ms: now() - started });
      throw error;
    }
    if (result.ok) {
      walk.served(via);
      trail.push({ ...entry, status: 101, verdict: 'ok', ms: now() - started });
      return { kind: 'open', socket: result.socket, keyId: key.key.id, relayId: relay.relay.id };
    }
    const { outcome } = result;
    const verdict = walk.judge(outcome, LIVE_ATTEMPT, via, trail);
    const status = outcome.kind === 'response' ? outcome.status : undefined;
    const condemned = condemns(verdict);
    trail.push({
      ...entry, ...(status && { status }), ...(outcome.kind !== 'response' && { code: outcome.code }),
      verdict: verdict.name, ms: now() - started, ...(condemned && { condemned }),
    });
    const google = outcome.kind === 'response' && outcome.error !== undefined;
    return { verdict, answer: google ? result.answer : undefined, bareStatus: google ? undefined : status };
  }

  async #backoff(count: number, signal: AbortSignal): Promise<void> {
    const delay = backoffMs(count, this.#deps.random);
    await this.#deps.sleep(delay, signal).catch(() => {
      throw signal.reason; // the client left during the back-off: no further attempt
    });
  }

  /** Every known secret, and the attempt's own key even if a reload dropped it meanwhile. */
  #scrub(text: string, secret: string): string {
    const secrets = this.#deps.secrets();
    const clean = scrubSecrets(text, secrets);
    return secrets.has(secret) ? clean : scrubSecret(clean, secret);
  }

  /** The dispatcher's answers when no key will be tried again (see Dispatcher#giveUp). */
  #giveUp(walk: Walk, last: Failure | undefined, coolingUntil: number | undefined): LiveDialResult {
    const verdict = last?.verdict.name;
    if (verdict === 'relay-failure') throw new ProxyError('GP_UPSTREAM_UNREACHABLE');
    if (verdict === 'egress-failure') throw new ProxyError('GP_UPSTREAM_UNREACHABLE', 'no egress proxy could carry the session');
    const cooling = walk.coolingRefusal(verdict, coolingUntil);
    if (cooling !== undefined) throw cooling;
    if (last?.bareStatus !== undefined) {
      throw new ProxyError(last.bareStatus === 404 ? 'GP_UPSTREAM_NOT_FOUND' : 'GP_UPSTREAM_REJECTED',
        `the upstream answered the upgrade ${last.bareStatus} without an API error`);
    }
    if (verdict === undefined || verdict === 'key-invalid' || last?.answer === undefined) throw new ProxyError('GP_NO_KEY_AVAILABLE');
    if (last.answer.status === 401) throw new ProxyError('GP_UPSTREAM_AUTH');
    return { kind: 'answer', ...last.answer };
  }
}

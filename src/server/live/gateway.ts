/**
 * @module The Live API's door (wire-formats-2 §4). A WebSocket upgrade on a Live path is checked
 * (path, proxy key, handshake) and refused with a plain HTTP status before anything is upgraded.
 * The upstream socket is opened first, with a pool key, so that a refusal upstream is the
 * client's HTTP answer too and keys can still be tried; only then is the client's upgrade
 * completed and its frames relayed. One log line per upgrade.
 */

import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errorCode, isProxyError, ProxyError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { familyScope } from '../../protocols/gemini/paths.js';
import type { LiveDialer } from '../../upstream/live-dial.js';
import type { ClientAuth } from '../auth.js';
import { upstreamHeaders } from '../headers.js';
import type { Metrics } from '../metrics.js';
import { isWebSocketUpgrade, offeredProtocols, refuseUpgrade, refuseWithError } from './handshake.js';
import { liveTarget, type LiveTarget } from './paths.js';
import { relayFrames } from './relay.js';
import { sessionLine, upgradeOf, type Result, type Upgrade } from './upgrade.js';

/** An ephemeral token as Google names it (`auth_tokens/…`), from the `access_token` parameter. */
function ephemeralToken(search: URLSearchParams): string | undefined {
  const value = search.get('access_token');
  return value !== null && /^auth_tokens\/[A-Za-z0-9_-]{1,256}$/.test(value) ? value : undefined;
}

/** Live models have quotas of their own: a Live handshake's 429 cools no generation. */
const LIVE_SCOPE = familyScope('live');
/** At shutdown, how long a side may take to answer its close frame before it is cut. */
const CLOSE_GRACE_MS = 1_000;
const GOING_AWAY = 1001;

export interface LiveGatewayOptions {
  readonly auth: ClientAuth;
  readonly dialer: LiveDialer;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** Removes every known secret from text that came from upstream. */
  readonly scrub: (text: string) => string;
  /** Whether the Gemini protocol is served (`--protocol`): without it, no Live path is. */
  readonly enabled: boolean;
  /** The largest message a client may send. */
  readonly maxFrameBytes: number;
  /**
   * Key affinity: the id of the key that minted an ephemeral token (`auth_tokens/…`) through
   * the proxy, or undefined for a token it never saw.
   */
  readonly tokenKey?: (token: string) => string | undefined;
  /** Serves an upgrade that is not a WebSocket one as the ordinary request it also is. */
  readonly fallback: (req: IncomingMessage, socket: Duplex) => void;
}

/** An upgrade whose upstream is open, while ws completes the client's side. */
interface Accepting {
  /** For `X-Request-Id`. */
  readonly id: string;
  /** The subprotocol upstream chose ('' for none). */
  readonly protocol: string;
  /** Ends the upgrade when ws refuses the client's handshake after all. */
  readonly abandon: (socket: Duplex) => void;
}

interface Session {
  readonly client: WebSocket;
  readonly upstream: WebSocket;
}

export class LiveGateway {
  readonly #options: LiveGatewayOptions;
  readonly #server: WebSocketServer;
  /** By upgrade request being completed: what ws's hooks need of it. */
  readonly #accepting = new WeakMap<IncomingMessage, Accepting>();
  /** Upgrades being checked, dialed or relayed: shutdown waits for them. */
  readonly #open = new Set<Upgrade>();
  readonly #sessions = new Set<Session>();
  #closing = false;
  #idle: (() => void) | undefined;

  constructor(options: LiveGatewayOptions) {
    this.#options = options;
    this.#server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxFrameBytes,
      // The client gets the subprotocol upstream chose, so both ends speak the same one.
      handleProtocols: (offered, req) => {
        const chosen = this.#accepting.get(req)?.protocol ?? '';
        return offered.has(chosen) ? chosen : false;
      },
    });
    this.#server.on('headers', (headers, req) => {
      const id = this.#accepting.get(req)?.id;
      if (id !== undefined) headers.push(`X-Request-Id: ${id}`);
    });
    // Not expected (offeredProtocols checks what ws checks), but an open upstream socket must
    // never outlive a client ws refused.
    this.#server.on('wsClientError', (_error, socket, req) => {
      const accepting = this.#accepting.get(req);
      if (accepting === undefined) socket.destroy();
      else accepting.abandon(socket);
    });
  }

  /** The `upgrade` listener for node:http. */
  readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Node took its own error listener off the socket when it handed the socket over.
    socket.on('error', () => socket.destroy());
    if (!isWebSocketUpgrade(req)) {
      this.#options.fallback(req, socket);
      return;
    }
    const upgrade = upgradeOf(req, socket, head, this.#options.now());
    this.#open.add(upgrade);
    this.#upgrade(upgrade).catch((error: unknown) => this.#refuse(upgrade, error));
  };

  /** Live sessions in progress. */
  get sessions(): number {
    return this.#sessions.size;
  }

  /** From now on every new upgrade is refused 503. */
  startClosing(): void {
    this.#closing = true;
  }

  /** Resolves when no upgrade or session is open, or rejects when `signal` aborts first. */
  async whenIdle(signal: AbortSignal): Promise<void> {
    if (this.#open.size === 0) return;
    const idle = new Promise<void>((resolve) => {
      this.#idle = resolve;
    });
    await Promise.race([idle, once(signal, 'abort').then(() => Promise.reject(signal.reason))]);
  }

  /**
   * Closes every session on both sides with 1001 (going away), cuts the sides that have not
   * answered within a grace, and resolves once every upgrade has ended.
   */
  async closeAll(): Promise<void> {
    this.#closing = true;
    for (const { client, upstream } of this.#sessions) {
      for (const side of [client, upstream]) {
        side.resume();
        side.close(GOING_AWAY, 'the proxy is shutting down');
      }
    }
    const cut = setTimeout(() => {
      for (const { client, upstream } of this.#sessions) {
        client.terminate();
        upstream.terminate();
      }
    }, CLOSE_GRACE_MS);
    await this.whenIdle(AbortSignal.timeout(2 * CLOSE_GRACE_MS)).catch(() => undefined);
    clearTimeout(cut);
  }

  async #upgrade(upgrade: Upgrade): Promise<void> {
    const { req, socket } = upgrade;
    const { target, token, minter } = this.#admit(upgrade);
    const protocols = offeredProtocols(req);
    // A client that leaves while upstream is dialed stops the dialing.
    const controller = new AbortController();
    const gone = (): void => controller.abort(new ProxyError('GP_CLIENT_CLOSED'));
    socket.once('close', gone);
    const request = {
      // An ephemeral token is Google's credential for the constrained RPC: it goes with the key that minted it.
      path: token === undefined ? target.upstreamPath : `${target.upstreamPath}?access_token=${token}`,
      headers: upstreamHeaders(req.headers), protocols, scope: LIVE_SCOPE, pinnedKeyId: minter,
    };
    const dialed = await this.#options.dialer.dial(request, controller.signal, upgrade.trail).finally(() => socket.off('close', gone));
    if (dialed.kind === 'answer') {
      // Google's own refusal (a bad request, an unknown version): the client's answer as it was.
      refuseUpgrade(socket, dialed.status, dialed.body, { 'X-Request-Id': upgrade.id });
      this.#finish(upgrade, { status: dialed.status });
      return;
    }
    this.#accept(upgrade, dialed.socket, { keyId: dialed.keyId, relayId: dialed.relayId });
  }

  /**
   * The upgrade's Live target, and the ephemeral token it opens with (constrained RPC only) with
   * the key that minted it; throws the refusal of an upgrade that may not go on. A token minted
   * through the proxy admits its holder like a proxy key: only a client holding one could mint it.
   */
  #admit(upgrade: Upgrade): { target: LiveTarget; token?: string; minter?: string } {
    const target = this.#options.enabled ? liveTarget(upgrade.pathname) : undefined;
    if (target === undefined) throw new ProxyError('GP_NOT_FOUND', `no WebSocket endpoint at ${upgrade.pathname}`);
    if (this.#closing) throw new ProxyError('GP_SHUTTING_DOWN');
    const { auth } = this.#options;
    // The same constant-time check as every request: the query's `key=` or an API-key header.
    const token = target.method === 'BidiGenerateContentConstrained' ? ephemeralToken(upgrade.search) : undefined;
    const minter = token === undefined ? undefined : this.#options.tokenKey?.(token);
    if (auth.required && minter === undefined && auth.identify(upgrade.req.headers, upgrade.search) === undefined) {
      throw new ProxyError('GP_UNAUTHORIZED', 'a valid proxy key (?key= or x-goog-api-key), or a token minted through the proxy, is required');
    }
    return { target, ...(token !== undefined && { token }), ...(minter !== undefined && { minter }) };
  }

  /** Completes the client's upgrade and relays frames between it and the open upstream socket. */
  #accept(upgrade: Upgrade, upstream: WebSocket, used: { keyId: string; relayId: string }): void {
    const { req, socket, head } = upgrade;
    if (this.#closing || !socket.readable || !socket.writable) {
      // The client left, or shutdown began, while upstream was dialed: nothing was said yet.
      upstream.terminate();
      if (this.#closing) refuseWithError(socket, new ProxyError('GP_SHUTTING_DOWN'), upgrade.id);
      else socket.destroy();
      this.#finish(upgrade, { status: this.#closing ? 503 : 499, ...used });
      return;
    }
    const abandon = (refused: Duplex): void => {
      upstream.terminate();
      refuseWithError(refused, new ProxyError('GP_BAD_REQUEST', 'not a valid WebSocket handshake'), upgrade.id);
      this.#finish(upgrade, { status: 400, ...used });
    };
    this.#accepting.set(req, { id: upgrade.id, protocol: upstream.protocol, abandon });
    // Checked as offeredProtocols checked it, so ws calls back at once and refuses nothing.
    this.#server.handleUpgrade(req, socket, head, (client) => {
      const session: Session = { client, upstream };
      this.#sessions.add(session);
      relayFrames(client, upstream, {
        scrub: this.#options.scrub,
        onError: (side, error) => this.#options.log.debug({ sessionId: upgrade.id, side, code: errorCode(error) ?? error.name }, 'live socket error'),
        onEnd: (end) => {
          this.#sessions.delete(session);
          this.#finish(upgrade, { status: 101, ...used, end });
        },
      });
    });
  }

  #refuse(upgrade: Upgrade, error: unknown): void {
    const proxyError = isProxyError(error) ? error : new ProxyError('GP_INTERNAL', undefined, { cause: error });
    if (!isProxyError(error)) this.#options.log.error({ err: error, sessionId: upgrade.id }, 'unexpected error');
    if (proxyError.code === 'GP_CLIENT_CLOSED') upgrade.socket.destroy();
    else refuseWithError(upgrade.socket, proxyError, upgrade.id);
    this.#finish(upgrade, { status: proxyError.status, code: proxyError.code });
  }

  /** Ends an upgrade: its metrics and its one log line. */
  #finish(upgrade: Upgrade, result: Result): void {
    this.#open.delete(upgrade);
    const ms = this.#options.now() - upgrade.startedAt;
    this.#options.metrics.record('gemini-live', 'live', result.status, ms / 1000, upgrade.trail);
    this.#options.log.info(sessionLine(upgrade, result, ms), 'live session');
    if (this.#open.size === 0) this.#idle?.();
  }
}

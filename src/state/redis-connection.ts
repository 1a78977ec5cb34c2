/**
 * @module The Redis link's two connections and whether they can be used: one for commands, one
 * subscribed to the change channel. Both reconnect by themselves with capped exponential
 * back-off; commands are never queued while disconnected (they fail at once). A Redis that
 * still holds the connection but stops answering (frozen, overloaded, a half-open TCP path) is
 * noticed by a reply that does not come in time (a periodic PING's or any command's), and
 * counts as down until a PING is answered again. The client's own command timeout covers only
 * the wait to be written, not the wait for the reply, hence our timer around each command.
 * Up and down are told once per change, never once per reconnection attempt.
 */

import { createClient } from '@redis/client';
import { errorCode } from '../errors.js';
import type { LinkHealth } from './link.js';
import type { RedisCall } from './redis-scripts.js';

export interface ConnectionOptions {
  readonly url: string;
  /** Shown by Redis's CLIENT LIST for both connections, so an operator can tell instances apart. */
  readonly clientName: string;
  readonly channel: string;
  readonly now: () => number;
  readonly commandTimeoutMs: number;
  readonly reconnectMaxMs: number;
  /** How often Redis is PINGed to find out it stopped answering. */
  readonly healthCheckMs: number;
  readonly onMessage: (message: string) => void;
  /** Called on each change of `connected`; `reason` says why it went down. */
  readonly onChange: (connected: boolean, reason: string) => void;
}

type Client = ReturnType<typeof createClient>;

export class RedisConnections {
  readonly call: RedisCall;
  readonly #main: Client;
  readonly #subscriber: Client;
  readonly #options: ConnectionOptions;
  #health: LinkHealth;
  /** False from a reply that did not come in time (a PING's or a command's) until a PING is answered or the connection is new. */
  #answering = true;
  /** Set once the channel's first SUBSCRIBE succeeded; the client subscribes again on each reconnect. */
  #subscribed = false;
  /** What was told last; nothing yet while the first connection is under way. */
  #told: 'nothing' | 'up' | 'down' = 'nothing';
  #closing = false;
  readonly #healthCheck: NodeJS.Timeout;
  #checking = false;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#health = { kind: 'redis', connected: false, sinceMs: options.now() };
    this.#main = createClient({
      url: options.url,
      name: options.clientName,
      // Commands fail at once while disconnected: nothing piles up waiting for a reconnect.
      disableOfflineQueue: true,
      commandOptions: { timeout: options.commandTimeoutMs },
      socket: { reconnectStrategy: backOff(options.reconnectMaxMs) },
    });
    this.#subscriber = this.#main.duplicate();
    this.call = (args) => this.#send(args);
    this.#watch();
    this.#main.connect().catch(() => {});
    this.#subscriber.connect().catch(() => {});
    this.#healthCheck = setInterval(() => void this.#check(), options.healthCheckMs).unref();
  }

  /** Whether commands can be sent now: connected, and Redis answered its last PING. */
  get usable(): boolean {
    return this.#main.isReady && this.#answering;
  }

  health(): LinkHealth {
    return this.#health;
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#healthCheck);
    const { commandTimeoutMs } = this.#options;
    await Promise.all([shut(this.#main, this.#answering, commandTimeoutMs), shut(this.#subscriber, this.#answering, commandTimeoutMs)]);
  }

  /** One command, failing at once when Redis is known not to answer, and after the timeout otherwise. */
  async #send(args: readonly string[]): Promise<unknown> {
    if (!this.usable) throw new Error('Redis is not connected or not answering');
    try {
      return await withTimeout(this.#main.sendCommand([...args]), this.#options.commandTimeoutMs);
    } catch (error) {
      if (error instanceof ReplyTimeout) this.#setAnswering(false, error);
      throw error;
    }
  }

  /** A PING, on the command connection, sent even while Redis is thought not to answer. */
  async #check(): Promise<void> {
    if (this.#checking || !this.#main.isReady) return;
    this.#checking = true;
    try {
      await withTimeout(this.#main.sendCommand(['PING']), this.#options.commandTimeoutMs);
      if (!this.#answering) this.#setAnswering(true);
    } catch (error) {
      if (error instanceof ReplyTimeout) this.#setAnswering(false, error);
    } finally {
      this.#checking = false;
    }
  }

  #watch(): void {
    this.#subscriber.on('ready', () => this.#subscribe());
    this.#main.on('ready', () => this.#setAnswering(true));
    for (const client of [this.#main, this.#subscriber]) {
      client.on('ready', () => this.#update());
      client.on('error', (error: unknown) => this.#update(error));
      client.on('reconnecting', () => this.#update());
      client.on('end', () => this.#update());
    }
  }

  /** Subscribes until it once succeeds: the client keeps only subscriptions Redis confirmed. */
  #subscribe(): void {
    if (this.#subscribed) return;
    this.#subscriber.subscribe(this.#options.channel, (message) => this.#options.onMessage(message)).then(
      () => {
        this.#subscribed = true;
        this.#update();
      },
      // Lost with the connection: the next 'ready' tries again.
      () => {},
    );
  }

  #setAnswering(answering: boolean, error?: unknown): void {
    this.#answering = answering;
    this.#update(error);
  }

  /** Tells a change of state once; also 'down' when the first connection fails, so start-up says so. */
  #update(error?: unknown): void {
    const connected = this.usable && this.#subscriber.isReady && this.#subscribed;
    const state = connected ? 'up' : 'down';
    // Before anything was told, only a failure is news: a connection still under way is not.
    if (this.#closing || state === this.#told || (state === 'down' && this.#told === 'nothing' && error === undefined)) return;
    this.#told = state;
    if (connected !== this.#health.connected) this.#health = { kind: 'redis', connected, sinceMs: this.#options.now() };
    this.#options.onChange(connected, reasonOf(error));
  }
}

/** Exponential back-off from 50 ms, capped, with up to 20% jitter so instances do not retry in step. */
function backOff(maxMs: number): (retries: number) => number {
  return (retries) => {
    const base = Math.min(maxMs, 50 * 2 ** Math.min(retries, 20));
    return Math.round(base * (0.8 + Math.random() * 0.2));
  };
}

/**
 * Closes a connection: politely (pending replies first) when Redis answers, but for no longer than
 * `timeoutMs`; at once when it is down or not answering, as there is nothing to wait for.
 */
async function shut(client: Client, answering: boolean, timeoutMs: number): Promise<void> {
  if (!client.isOpen) return;
  if (!answering || !client.isReady) return client.destroy();
  const timer = setTimeout(() => client.destroy(), timeoutMs);
  try {
    await client.close();
  } catch {
    client.destroy();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A short reason for the log: a socket's code (ECONNREFUSED) or the client's fixed text ("Socket
 * closed unexpectedly", an error reply such as WRONGPASS). Neither ever holds the URL's password.
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'disconnected';
  if (error instanceof ReplyTimeout) return error.message;
  return errorCode(error) ?? error.message.slice(0, 200);
}

class ReplyTimeout extends Error {
  override readonly name = 'ReplyTimeout';
}

/** `work`, or a ReplyTimeout after `ms`. A reply that comes later is matched and dropped by the client. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReplyTimeout(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

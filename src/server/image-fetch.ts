/**
 * @module Fetching `image_url` links for the OpenAI API, when the operator turns it on
 * (`--fetch-image-urls`). A client-chosen URL is an SSRF risk, so: http(s) only, no redirects,
 * every resolved address checked against private, loopback and link-local ranges (after DNS,
 * at connect time), a size cap, a time cap, and an image content type.
 */

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from '../upstream/undici.js';
import { errorCode } from '../errors.js';

const IMAGE_MAX_BYTES = 20 * 1024 * 1024;
const IMAGE_TIMEOUT_MS = 15_000;

/** Addresses no client may make the proxy connect to (RFC 6890 special-purpose ranges). */
function privateRanges(): BlockList {
  const list = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
    ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3],
  ] as const) list.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
    list.addSubnet(net, bits, 'ipv6');
  }
  return list;
}

const PRIVATE = privateRanges();

export function isPrivateAddress(address: string): boolean {
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

export class ImageFetchError extends Error {
  override readonly name = 'ImageFetchError';
}

export interface ImageFetcherOptions {
  /** Which addresses are refused; tests swap this to reach a loopback server. */
  readonly isBlocked?: (address: string) => boolean;
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
}

export interface FetchedImage {
  /** The declared content type (the caller checks the bytes). */
  readonly contentType: string;
  readonly bytes: Buffer;
}

export class ImageFetcher {
  readonly #agent: Agent;
  readonly #isBlocked: (address: string) => boolean;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;

  constructor(options: ImageFetcherOptions = {}) {
    this.#isBlocked = options.isBlocked ?? isPrivateAddress;
    this.#maxBytes = options.maxBytes ?? IMAGE_MAX_BYTES;
    this.#timeoutMs = options.timeoutMs ?? IMAGE_TIMEOUT_MS;
    this.#agent = new Agent({ connect: { lookup: this.#lookup, timeout: this.#timeoutMs }, headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs });
  }

  /** Resolves like dns.lookup, but fails when any address of the name is a blocked one. */
  readonly #lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const blocked = addresses.find((entry) => this.#isBlocked(entry.address));
      if (blocked || addresses.length === 0) {
        return callback(new ImageFetchError('the image host resolves to an address that is not allowed'), '', 0);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      return callback(null, first?.address ?? '', first?.family ?? 4);
    });
  };

  /** Fetches an image; throws ImageFetchError with a reason fit for the client. */
  async fetch(url: string, signal: AbortSignal, maxBytes = this.#maxBytes): Promise<FetchedImage> {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new ImageFetchError('only http and https image URLs are fetched');
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // net.connect skips the lookup for a literal address, so literals are checked here.
    if (isIP(host) && this.#isBlocked(host)) throw new ImageFetchError('the image host is an address that is not allowed');
    let response: Dispatcher.ResponseData;
    try {
      response = await this.#agent.request({
        origin: target.origin, path: `${target.pathname}${target.search}`, method: 'GET',
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]),
      });
    } catch (error) {
      if (error instanceof ImageFetchError || (error instanceof Error && error.cause instanceof ImageFetchError)) {
        throw error instanceof ImageFetchError ? error : error.cause;
      }
      throw new ImageFetchError(`the image could not be fetched (${errorCode(error) ?? 'network error'})`);
    }
    return this.#read(response, Math.min(maxBytes, this.#maxBytes));
  }

  async #read(response: Dispatcher.ResponseData, maxBytes: number): Promise<FetchedImage> {
    const type = String(response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (response.statusCode !== 200 || !type.startsWith('image/')) {
      await response.body.dump();
      throw new ImageFetchError(`the image URL answered ${response.statusCode} ${type || 'without a content type'}, not an image`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        response.body.destroy();
        throw new ImageFetchError(`the image is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return { contentType: type, bytes: Buffer.concat(chunks, size) };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

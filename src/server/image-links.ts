/**
 * @module After translation, before sending: the http(s) image links of a chat request are
 * fetched into their parts, when the operator enabled fetching. Translation stays pure and has
 * already validated the whole request, so a request that will be refused fetches nothing.
 */

import { ProxyError } from '../errors.js';
import { imageMimeType, type ImageLink } from '../protocols/shared/media.js';
import { holdMore } from './body.js';
import type { RequestContext } from './context.js';
import { ImageFetchError, type ImageFetcher } from './image-fetch.js';

/** At most this many links are fetched for one request. */
const MAX_IMAGES = 16;

/**
 * Fetches each link into its part, one after another, within `budget` bytes in all (so one
 * request cannot make the proxy hold 16 large images at once).
 */
export async function fetchImageLinks(ctx: RequestContext, links: readonly ImageLink[], fetcher: ImageFetcher, budget: number): Promise<void> {
  const { signal } = ctx;
  if (links.length > MAX_IMAGES) {
    throw new ProxyError('GP_BAD_REQUEST', `at most ${MAX_IMAGES} image URLs are fetched per request`, { param: 'messages' });
  }
  let left = budget;
  for (const link of links) {
    try {
      const image = await fetcher.fetch(link.url, signal, left);
      const mimeType = imageMimeType(image.bytes.subarray(0, 16));
      if (!image.contentType.startsWith('image/') || mimeType === undefined) {
        throw new ImageFetchError('the URL does not hold an image (png, jpeg, gif, webp, heic or heif)');
      }
      left -= image.bytes.length;
      // Held as base64 until the request ends: counted against the body budget too.
      holdMore(ctx, Math.ceil(image.bytes.length / 3) * 4);
      link.part.inlineData = { mimeType, data: image.bytes.toString('base64') };
    } catch (error) {
      if (!(error instanceof ImageFetchError)) throw error;
      throw new ProxyError('GP_BAD_REQUEST', `${link.param}: ${error.message}`, { param: link.param });
    }
  }
}

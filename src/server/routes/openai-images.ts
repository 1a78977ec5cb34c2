/**
 * @module Before translation: `image_url` links in a chat request become `data:` URLs, when the
 * operator enabled fetching. Translation itself stays pure (and refuses http links otherwise).
 */

import { ProxyError } from '../../errors.js';
import { isObject, type Json } from '../../protocols/openai/read.js';
import { ImageFetchError, type ImageFetcher } from '../image-fetch.js';

/** At most this many links are fetched for one request. */
const MAX_IMAGES = 16;

interface Link {
  readonly holder: Json;
  readonly url: string;
  readonly param: string;
}

function links(body: Json): Link[] {
  const found: Link[] = [];
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  messages.forEach((message, i) => {
    const content = isObject(message) && Array.isArray(message['content']) ? message['content'] : [];
    content.forEach((part, j) => {
      const image = isObject(part) && part['type'] === 'image_url' ? part['image_url'] : undefined;
      const url = isObject(image) ? image['url'] : undefined;
      if (isObject(image) && typeof url === 'string' && /^https?:\/\//i.test(url)) {
        found.push({ holder: image, url, param: `messages[${i}].content[${j}].image_url.url` });
      }
    });
  });
  return found;
}

/** Replaces each http(s) image link in `body` by the image itself, as a data: URL. */
export async function inlineImageUrls(body: Json, fetcher: ImageFetcher, signal: AbortSignal): Promise<void> {
  const found = links(body);
  if (found.length > MAX_IMAGES) {
    throw new ProxyError('GP_BAD_REQUEST', `at most ${MAX_IMAGES} image URLs are fetched per request`, { param: 'messages' });
  }
  await Promise.all(found.map(async (link) => {
    try {
      const image = await fetcher.fetch(link.url, signal);
      link.holder['url'] = `data:${image.mimeType};base64,${image.data}`;
    } catch (error) {
      if (!(error instanceof ImageFetchError)) throw error;
      throw new ProxyError('GP_BAD_REQUEST', `${link.param}: ${error.message}`, { param: link.param });
    }
  }));
}

/**
 * `image_url` links: refused with a 400 unless `--fetch-image-urls` is on; when on, private and
 * loopback addresses, non-images and oversized images are refused, and a good image is inlined.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageFetcher, isPrivateAddress } from '../../src/server/image-fetch.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A loopback server with a PNG, a text page and a large image. */
async function imageServer(): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/cat.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    if (req.url === '/big.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(4096));
    if (req.url === '/moved') return void res.writeHead(302, { location: '/cat.png' }).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function ask(client: OpenAI, url: string) {
  return client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url } }] }],
  });
}

describe('image_url links', () => {
  let upstream: FakeGemini;
  let images: Awaited<ReturnType<typeof imageServer>>;
  let proxy: TestProxy | undefined;

  const clientFor = (started: TestProxy) => new OpenAI({ apiKey: 'x', baseURL: `${started.url}/v1`, maxRetries: 0 });

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    images = await imageServer();
  });

  afterEach(async () => {
    await proxy?.close();
    await upstream.close();
    await new Promise((resolve) => images.server.close(resolve));
  });

  it('private, loopback and link-local addresses are blocked; public ones are not', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0']) {
      expect(isPrivateAddress(address)).toBe(true);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700::1111']) expect(isPrivateAddress(address)).toBe(false);
  });

  it('off (the default): a 400 that says image URLs are not fetched, nothing fetched', async () => {
    proxy = await startProxy({ keys: ['k'], relays: [upstream.url] });
    const error = await ask(clientFor(proxy), `${images.url}/cat.png`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('not fetched');
    expect(images.hits).toHaveLength(0);
    expect(upstream.requests).toHaveLength(0);
  });

  it('on: a loopback address is refused before any connection', async () => {
    proxy = await startProxy({ keys: ['k'], relays: [upstream.url], settings: { fetchImageUrls: true } });
    const error = await ask(clientFor(proxy), `${images.url}/cat.png`).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, param: 'messages[0].content[1].image_url.url' });
    expect((error as Error).message).toContain('not allowed');
    expect(images.hits).toHaveLength(0);
    expect(upstream.requests).toHaveLength(0);
  });

  it('on, against a name that resolves to loopback: refused at resolution', async () => {
    proxy = await startProxy({ keys: ['k'], relays: [upstream.url], settings: { fetchImageUrls: true } });
    const port = new URL(images.url).port;
    const error = await ask(clientFor(proxy), `http://localhost:${port}/cat.png`).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400 });
    expect(images.hits).toHaveLength(0);
  });

  describe('with a fetcher allowed to reach this test\'s server', () => {
    const fetcher = () => new ImageFetcher({ isBlocked: () => false, maxBytes: 1024 });

    it('inlines the image as a data URL', async () => {
      proxy = await startProxy({ keys: ['k'], relays: [upstream.url], imageFetcher: fetcher() });
      await ask(clientFor(proxy), `${images.url}/cat.png`);
      const body = JSON.parse(upstream.requests[0]?.body ?? '{}') as { contents: unknown };
      expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'look' }, { inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } }] }]);
    });

    it.each([
      ['a page that is not an image', '/page.html', 'not an image'],
      ['an image over the size limit', '/big.png', 'larger than 1024 bytes'],
      ['a redirect (never followed)', '/moved', '302'],
    ])('refuses %s with a 400', async (_label, path, reason) => {
      proxy = await startProxy({ keys: ['k'], relays: [upstream.url], imageFetcher: fetcher() });
      const error = await ask(clientFor(proxy), `${images.url}${path}`).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ status: 400 });
      expect((error as Error).message).toContain(reason);
      expect(upstream.requests).toHaveLength(0);
    });
  });
});

/** Header hygiene: hop-by-hop, credentials and cookies never cross the proxy. */

import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { downstreamHeaders, upstreamHeaders } from '../../src/server/headers.js';

const HOP_BY_HOP: IncomingHttpHeaders = {
  connection: 'keep-alive',
  'keep-alive': 'timeout=5',
  'proxy-authenticate': 'Basic',
  'proxy-authorization': 'Basic dTpw',
  'proxy-connection': 'keep-alive',
  te: 'trailers',
  trailer: 'x-checksum',
  'transfer-encoding': 'chunked',
  upgrade: 'websocket',
};

describe('upstreamHeaders', () => {
  it('keeps end-to-end headers', () => {
    expect(upstreamHeaders({
      'content-type': 'application/json',
      'user-agent': 'google-genai-sdk/1.52.0',
      'x-goog-api-client': 'gl-node/20',
      accept: 'text/event-stream',
    })).toEqual({
      'content-type': 'application/json',
      'user-agent': 'google-genai-sdk/1.52.0',
      'x-goog-api-client': 'gl-node/20',
      accept: 'text/event-stream',
    });
  });

  it('drops hop-by-hop headers', () => {
    expect(upstreamHeaders({ ...HOP_BY_HOP, 'content-type': 'application/json' })).toEqual({ 'content-type': 'application/json' });
  });

  it('drops the headers named in Connection', () => {
    expect(upstreamHeaders({ connection: 'close, Accept-Language ,x-server-timeout', 'accept-language': 'en', 'x-server-timeout': '2', 'user-agent': 'u' }))
      .toEqual({ 'user-agent': 'u' });
  });

  it('drops client credentials, host, framing, cookies, encoding and forwarding headers', () => {
    expect(upstreamHeaders({
      host: 'localhost:8000',
      'content-length': '42',
      authorization: 'Bearer client-token',
      'x-goog-api-key': 'client-token',
      'x-api-key': 'client-token',
      'api-key': 'client-token',
      cookie: 'session=abc',
      'accept-encoding': 'gzip, br',
      expect: '100-continue',
      forwarded: 'for=10.0.0.1',
      'x-forwarded-for': '10.0.0.1',
      'x-forwarded-host': 'proxy.example',
      'x-forwarded-proto': 'https',
      'x-real-ip': '10.0.0.1',
      'content-type': 'application/json',
    })).toEqual({ 'content-type': 'application/json' });
  });

  it('drops every header that identifies the caller to Google: a restricted key would be refused for it', () => {
    expect(upstreamHeaders({
      referer: 'https://evil.example/',
      origin: 'https://evil.example',
      'x-goog-user-project': 'someone-elses-project',
      'x-goog-quota-user': 'u',
      'x-goog-iam-authorization-token': 't',
      'x-goog-iam-authority-selector': 's',
      'x-android-package': 'com.evil',
      'x-android-cert': 'AB:CD',
      'x-ios-bundle-identifier': 'com.evil',
      'x-firebase-appcheck': 'token',
      'x-http-method-override': 'DELETE',
      'x-goog-api-client': 'gl-node/20',
    })).toEqual({ 'x-goog-api-client': 'gl-node/20' });
  });

  it('flattens repeated values to one comma-separated string and skips undefined', () => {
    expect(upstreamHeaders({ 'x-goog-upload-x': ['a', 'b'], 'user-agent': undefined })).toEqual({ 'x-goog-upload-x': 'a, b' });
  });

  it('forwards only what the Gemini API reads, uploads\' headers among them; nothing else', () => {
    expect(upstreamHeaders({
      'x-goog-upload-protocol': 'resumable',
      'x-goog-upload-command': 'start',
      'x-goog-fieldmask': 'name',
      'accept-language': 'en',
      'content-encoding': 'gzip',
      'x-custom-debug': '1',
      'x-goog-spatula': 's',
      'x-server-timeout': '30',
      dnt: '1',
    })).toEqual({
      'x-goog-upload-protocol': 'resumable',
      'x-goog-upload-command': 'start',
      'x-goog-fieldmask': 'name',
      'accept-language': 'en',
      'content-encoding': 'gzip',
      'x-server-timeout': '30',
    });
  });
});

describe('downstreamHeaders', () => {
  it('keeps end-to-end headers, including array values as arrays', () => {
    expect(downstreamHeaders({
      'content-type': 'text/event-stream',
      'x-gemini-service-tier': 'standard',
      'x-repeated': ['Origin', 'X-Origin'],
      'server-timing': 'gfet4t7; dur=800',
    })).toEqual({
      'content-type': 'text/event-stream',
      'x-gemini-service-tier': 'standard',
      'x-repeated': ['Origin', 'X-Origin'],
      'server-timing': 'gfet4t7; dur=800',
    });
  });

  it('drops hop-by-hop headers and those named in Connection', () => {
    expect(downstreamHeaders({ ...HOP_BY_HOP, connection: 'x-upstream-hop', 'x-upstream-hop': '1', 'content-type': 'application/json' }))
      .toEqual({ 'content-type': 'application/json' });
  });

  it('never passes on where a relay would send the client', () => {
    expect(downstreamHeaders({
      location: 'https://elsewhere.example/',
      'content-location': '/x',
      refresh: '0; url=https://elsewhere.example/',
      link: '<https://elsewhere.example/>; rel=preload',
      'content-type': 'application/json',
    })).toEqual({ 'content-type': 'application/json' });
  });

  it('drops set-cookie and alt-svc', () => {
    expect(downstreamHeaders({
      'set-cookie': ['NID=1; Domain=.google.com', 'AEC=2'],
      'alt-svc': 'h3=":443"; ma=2592000',
      date: 'Sat, 21 Nov 2026 05:50:00 GMT',
    })).toEqual({ date: 'Sat, 21 Nov 2026 05:50:00 GMT' });
  });
});

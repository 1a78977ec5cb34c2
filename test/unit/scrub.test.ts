/** scrubSecrets: raw and URL-encoded forms of every secret are replaced. */

import { describe, expect, it } from 'vitest';
import { REDACTED, scrubSecrets } from '../../src/log/scrub.js';
import { FIXTURES } from '../fixtures/gemini-errors.js';

describe('scrubSecrets', () => {
  it('replaces every raw occurrence', () => {
    expect(scrubSecrets('key AIza-1 and again AIza-1.', ['AIza-1'])).toBe(`key ${REDACTED} and again ${REDACTED}.`);
    expect(REDACTED).toBe('[redacted]');
  });

  it('replaces the URL-encoded form', () => {
    const secret = 'ab/c+d=e f';
    const text = `GET /v1beta/models?key=${encodeURIComponent(secret)} raw=${secret}`;
    expect(scrubSecrets(text, [secret])).toBe(`GET /v1beta/models?key=${REDACTED} raw=${REDACTED}`);
  });

  it('replaces several secrets', () => {
    expect(scrubSecrets('a=SECRET_ONE b=SECRET_TWO c=other', new Set(['SECRET_ONE', 'SECRET_TWO'])))
      .toBe(`a=${REDACTED} b=${REDACTED} c=other`);
  });

  it('scrubs the keys Google echoes in error bodies', () => {
    const key = 'AIzaSyCanary-0123456789abcdef';
    const bodies = [FIXTURES.apiKeyInvalid(key).body, FIXTURES.suspended(key).body].map((body) => JSON.stringify(body));
    for (const body of bodies) {
      const scrubbed = scrubSecrets(body, [key]);
      expect(body).toContain(key);
      expect(scrubbed).not.toContain(key);
      expect(scrubbed).toContain(REDACTED);
    }
  });

  it('ignores empty secrets and leaves text without secrets as it is', () => {
    expect(scrubSecrets('nothing to hide', ['', 'absent'])).toBe('nothing to hide');
    expect(scrubSecrets('', ['x'])).toBe('');
    expect(scrubSecrets('text', [])).toBe('text');
  });

  it('treats secrets literally, not as patterns', () => {
    expect(scrubSecrets('a.b axb $& (x)', ['a.b', '(x)', '$&'])).toBe(`${REDACTED} axb ${REDACTED} ${REDACTED}`);
  });
});

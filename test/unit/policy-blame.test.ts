/**
 * Blame comes only from what Google itself sets: its structured fields and its whole fixed
 * messages. Text a client can put into Google's answers (Google echoes unknown field names,
 * query parameters, resource names) never disables a key or marks a relay unhealthy.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGoogleError } from '../../src/protocols/gemini/google-error.js';
import { classify, type Outcome } from '../../src/upstream/policy.js';

const NOW = Date.UTC(2026, 6, 15, 12);

/** Each key or relay message rule's own phrase: what a hostile client would put in its text. */
const PHRASES = [
  'API key not valid. Please pass a valid API key.',
  'API Key not found. Please pass a valid API key.',
  'API key expired. Please renew the API key.',
  'Your API key was reported as leaked. Please use another API key.',
  "Permission denied: Consumer 'api_key:x' has been suspended.",
  'Your project has been denied access. Please contact support.',
  'User location is not supported for the API use.',
  'Gemini API free tier is not available in your country.',
  'reported as leaked', 'has been suspended', 'project has been denied access',
];

/** How Google's messages carry a client's text (wire-formats §1.10, catalogue D and E). */
const ECHOES: readonly ((text: string) => { status: number; rpc: string; message: string })[] = [
  (t) => ({ status: 400, rpc: 'INVALID_ARGUMENT', message: `Invalid JSON payload received. Unknown name "${t}": Cannot find field.` }),
  (t) => ({ status: 400, rpc: 'INVALID_ARGUMENT', message: `Invalid JSON payload received. Unknown name "${t}" at 'contents[0]': Cannot find field.` }),
  (t) => ({ status: 400, rpc: 'INVALID_ARGUMENT', message: `Invalid value at 'generation_config.response_mime_type' (TYPE_STRING), "${t}"` }),
  (t) => ({ status: 400, rpc: 'FAILED_PRECONDITION', message: `Precondition check failed: ${t}` }),
  (t) => ({ status: 403, rpc: 'PERMISSION_DENIED', message: `You do not have permission to access the File ${t} or it may not exist.` }),
  (t) => ({ status: 404, rpc: 'NOT_FOUND', message: `models/${t} is not found for API version v1beta, or is not supported for generateContent.` }),
  (t) => ({ status: 403, rpc: 'PERMISSION_DENIED', message: `Permission denied on resource ${t}.` }),
];

function answer(status: number, rpc: string, message: string): Outcome {
  const body = JSON.stringify({ error: { code: status, message, status: rpc } });
  return { kind: 'response', status, error: parseGoogleError(body) };
}

const clientText = fc.oneof(
  fc.constantFrom(...PHRASES),
  fc.tuple(fc.string(), fc.constantFrom(...PHRASES), fc.string()).map(([a, phrase, b]) => `${a}${phrase}${b}`),
  fc.string({ maxLength: 200 }),
);

describe('client text in Google messages blames nobody', () => {
  it.each(PHRASES.flatMap((phrase) => ECHOES.map((echo) => [phrase, echo(phrase)] as const)))(
    '%j inside: %j', (_phrase, { status, rpc, message }) => {
      for (const attempted of [{ clientPath: true }, { clientPath: false }]) {
        const verdict = classify(answer(status, rpc, message), attempted, NOW);
        expect(verdict).toMatchObject({ key: 'keep', relay: 'keep', next: 'return' });
      }
    });

  it('property: any client text in any echo form leaves key and relay alone', () => {
    fc.assert(fc.property(clientText, fc.nat(ECHOES.length - 1), fc.boolean(), (text, index, clientPath) => {
      const echo = ECHOES[index];
      if (echo === undefined) return;
      const { status, rpc, message } = echo(text);
      const verdict = classify(answer(status, rpc, message), { clientPath }, NOW);
      expect(verdict.key).toBe('keep');
      expect(verdict.relay).toBe('keep');
    }), { numRuns: 500 });
  });

  it('property: a message is a key rule only when it is exactly Google\'s', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom(...PHRASES.slice(0, 6)), (extra, phrase) => {
      for (const message of [`${extra}${phrase}`, `${phrase}${extra}`]) {
        if (message === phrase) continue;
        for (const status of [400, 403]) {
          expect(classify(answer(status, 'PERMISSION_DENIED', message), { clientPath: true }, NOW).key).toBe('keep');
        }
      }
    }), { numRuns: 300 });
  });

  it('a 401 that names no key reason never disables the key (the client cannot add a credential)', () => {
    const verdict = classify(answer(401, 'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'),
    { clientPath: true }, NOW);
    expect(verdict).toMatchObject({ name: 'upstream-error', key: 'keep', relay: 'keep', next: 'next-key' });
  });

  it('each whole fixed message still disables the key, with its own status only', () => {
    const fixed: readonly [number, string][] = [
      [400, 'API key not valid. Please pass a valid API key.'],
      [400, 'API Key not found. Please pass a valid API key.'],
      [400, 'API key expired. Please renew the API key.'],
      [403, 'Your API key was reported as leaked. Please use another API key.'],
      [403, "Permission denied: Consumer 'api_key:[redacted]' has been suspended."],
      [403, 'Your project has been denied access. Please contact support.'],
    ];
    for (const [status, message] of fixed) {
      expect(classify(answer(status, 'X', message), { clientPath: true }, NOW).key).toBe('disable');
      expect(classify(answer(status === 400 ? 403 : 400, 'X', message), { clientPath: true }, NOW).key).toBe('keep');
    }
  });
});

describe('a bare 404 or 405 is decided by where the path came from', () => {
  const html404: Outcome = { kind: 'response', status: 404, error: parseGoogleError('<html>Not Found</html>') };
  const bare405: Outcome = { kind: 'response', status: 405, error: undefined };

  it('for the client\'s own path it is the client\'s answer: the relay is only checked', () => {
    expect(classify(html404, { clientPath: true }, NOW)).toMatchObject({ name: 'client-error', relay: 'check', next: 'return', reason: 'http-404' });
    expect(classify(bare405, { clientPath: true }, NOW)).toMatchObject({ name: 'client-error', relay: 'check', reason: 'http-405' });
  });

  it('for a path the proxy built the relay is broken', () => {
    expect(classify(html404, { clientPath: false }, NOW)).toMatchObject({ name: 'relay-failure', relay: 'unhealthy' });
    expect(classify(bare405, { clientPath: false }, NOW)).toMatchObject({ name: 'relay-failure', relay: 'unhealthy' });
  });

  it('other bare answers blame the relay whoever chose the path', () => {
    for (const status of [301, 302, 307, 401, 403, 407, 408, 429, 500, 502, 503]) {
      const outcome: Outcome = { kind: 'response', status, error: undefined };
      expect(classify(outcome, { clientPath: true }, NOW).name).toBe('relay-failure');
    }
  });
});

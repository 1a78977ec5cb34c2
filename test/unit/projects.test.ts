/**
 * Projects: which keys share one quota (labels and what Google's errors name), the consumer read
 * from Google's error bodies, and learned projects in the state file.
 */

import { describe, expect, it } from 'vitest';
import { consumerProject, parseGoogleError } from '../../src/protocols/gemini/google-error.js';
import { groupProjects, summarizeProjects, type ProjectFacts } from '../../src/upstream/projects.js';
import { parseStateDocument } from '../../src/upstream/state-file.js';
import { FIXTURES } from '../fixtures/gemini-errors.js';

const fact = (keyId: string, declared?: string, learned?: string): ProjectFacts => ({ keyId, declared, learned });

describe('groupProjects', () => {
  it('keys with one label share it; keys without anything are left out', () => {
    const groups = groupProjects([fact('a1', 'alpha'), fact('a2', 'alpha'), fact('b1', 'beta'), fact('solo')]);
    expect(Object.fromEntries(groups)).toEqual({ a1: 'alpha', a2: 'alpha', b1: 'beta' });
  });

  it('keys Google names in one project share it, named as Google names it', () => {
    const groups = groupProjects([fact('k1', undefined, 'projects/7'), fact('k2', undefined, 'projects/7'), fact('k3', undefined, 'projects/8')]);
    expect(Object.fromEntries(groups)).toEqual({ k1: 'projects/7', k2: 'projects/7', k3: 'projects/8' });
  });

  it('a label and a learned project tie together: an unlabelled key of that Google project joins the label', () => {
    const groups = groupProjects([fact('k1', undefined, 'projects/7'), fact('a1', 'alpha', 'projects/7'), fact('a2', 'alpha')]);
    expect(Object.fromEntries(groups)).toEqual({ k1: 'alpha', a1: 'alpha', a2: 'alpha' });
  });

  it('ties are transitive; two labels Google finds to be one project are one, under the first label', () => {
    const groups = groupProjects([
      fact('a1', 'alpha', 'projects/1'), fact('b1', 'beta', 'projects/2'), fact('x', undefined, 'projects/2'), fact('c1', 'gamma', 'projects/1'),
    ]);
    expect(Object.fromEntries(groups)).toEqual({ a1: 'alpha', b1: 'beta', x: 'beta', c1: 'alpha' });
  });

  it('a label of digits (projects/NNN) meets what Google names', () => {
    const groups = groupProjects([fact('k1', 'projects/42'), fact('k2', undefined, 'projects/42')]);
    expect(Object.fromEntries(groups)).toEqual({ k1: 'projects/42', k2: 'projects/42' });
  });
});

describe('summarizeProjects', () => {
  it('lists projects in key order, with their keys and what was learned', () => {
    expect(summarizeProjects([
      { keyId: 'a1', project: 'alpha', learned: 'projects/1' },
      { keyId: 'solo', project: undefined, learned: undefined },
      { keyId: 'b1', project: 'beta', learned: undefined },
      { keyId: 'a2', project: 'alpha', learned: undefined },
    ])).toEqual([
      { id: 'alpha', keyIds: ['a1', 'a2'], learned: ['projects/1'] },
      { id: 'beta', keyIds: ['b1'], learned: [] },
    ]);
  });
});

describe('the consumer project in Google\'s error bodies', () => {
  const quota429 = (extra: unknown[]): string => JSON.stringify({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'quota', details: extra } });

  it('ErrorInfo.metadata.consumer', () => {
    expect(parseGoogleError(JSON.stringify(FIXTURES.suspended('AIzaKEY').body))?.project).toBe('projects/123456');
    const body = quota429([{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED',
      metadata: { consumer: 'projects/987', service: 'generativelanguage.googleapis.com' } }]);
    expect(parseGoogleError(body)?.project).toBe('projects/987');
  });

  it('a QuotaFailure violation\'s subject', () => {
    const body = quota429([{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [{ subject: 'project_number:555', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] }]);
    const parsed = parseGoogleError(body);
    expect(parsed?.project).toBe('projects/555');
    expect(parsed?.quotaIds).toEqual(['GenerateRequestsPerMinutePerProjectPerModel-FreeTier']);
  });

  it('none when the body names none', () => {
    expect(parseGoogleError(JSON.stringify(FIXTURES.quotaPerMinute().body))).not.toHaveProperty('project');
  });

  it.each([
    ['projects/12', 'projects/12'], ['project:12', 'projects/12'], ['project_number:12', 'projects/12'],
    ['api_key:AIzaSyKEY', undefined], ['projects/alpha', undefined], ['projects/12/x', undefined], [12, undefined], ['', undefined],
  ])('%s → %s (digits only: never a key)', (value, expected) => {
    expect(consumerProject(value)).toBe(expected);
  });
});

describe('learned projects in the state file', () => {
  const doc = (entry: unknown): string => JSON.stringify({ format: 'gemini-proxy-state', version: 1, savedAt: '', keys: { key_1: entry } });

  it('are read back', () => {
    expect(parseStateDocument(doc({ project: 'projects/77', cooling: { m: 5 } }))).toEqual({
      keys: { key_1: { project: 'projects/77', cooling: { m: 5 } } }, resources: {},
    });
  });

  it.each([['a name', 'alpha'], ['a number', 77], ['a key', 'AIzaSyKEY']])('refuse %s: a file cannot put text in /status', (_label, project) => {
    expect(parseStateDocument(doc({ project }))).toEqual({ problem: 'a key entry is malformed' });
  });
});

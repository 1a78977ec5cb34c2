/** The rotator: key and relay choice, cooling, disabling, relay back-off, reloads. */

import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiKey, Relay } from '../../src/config/lists.js';
import { parseGoogleError } from '../../src/protocols/gemini/google-error.js';
import { classify } from '../../src/upstream/policy.js';

const PROXY_PATH = { clientPath: false };
import { Rotator, type KeyRecord, type RelayRecord, type StateChange } from '../../src/upstream/rotator.js';
import { FIXTURES, type ErrorFixture } from '../fixtures/gemini-errors.js';

const T0 = 1_780_000_000_000;
const NONE: ReadonlySet<string> = new Set();

const key = (n: number): ApiKey => ({ id: `key_${n}`, secret: `secret-${n}` });
const relay = (n: number): Relay => ({ id: `relay${n}.example`, origin: `https://relay${n}.example`, basePath: '' });

let now: number;
let onChange: ReturnType<typeof vi.fn<(change: StateChange) => void>>;

function make(keyCount: number, relayCount = 1): Rotator {
  return new Rotator(
    Array.from({ length: keyCount }, (_, i) => key(i + 1)),
    Array.from({ length: relayCount }, (_, i) => relay(i + 1)),
    { now: () => now, onChange },
  );
}

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('no such record');
  return value;
}
const keyRec = (rotator: Rotator, index: number): KeyRecord => defined(rotator.keys[index]);
const relayRec = (rotator: Rotator, index: number): RelayRecord => defined(rotator.relays[index]);

function pickId(rotator: Rotator, model = 'm', tried: ReadonlySet<string> = NONE): string {
  const pick = rotator.pickKey(model, tried);
  return pick.ok ? pick.record.key.id : `!${pick.why}`;
}

function verdictOf(fixture: ErrorFixture) {
  return classify({ kind: 'response', status: fixture.status, error: parseGoogleError(JSON.stringify(fixture.body)) }, PROXY_PATH, now);
}

beforeEach(() => {
  now = T0;
  onChange = vi.fn<(change: StateChange) => void>();
});

describe('pickKey', () => {
  it('spreads consecutive picks round-robin over the keys', () => {
    const rotator = make(3);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => pickId(rotator))).toEqual(
      ['key_1', 'key_2', 'key_3', 'key_1', 'key_2', 'key_3', 'key_1']);
  });

  it('skips keys this request already tried', () => {
    const rotator = make(3);
    expect(pickId(rotator, 'm', new Set(['key_1', 'key_2']))).toBe('key_3');
    expect(pickId(rotator, 'm', new Set(['key_1', 'key_2', 'key_3']))).toBe('!none');
  });

  it('skips disabled keys, and returns none when every key is disabled or tried', () => {
    const rotator = make(3);
    rotator.disable(keyRec(rotator, 1), 'API_KEY_INVALID');
    expect([1, 2, 3, 4].map(() => pickId(rotator))).toEqual(['key_1', 'key_3', 'key_1', 'key_3']);
    rotator.disable(keyRec(rotator, 0), 'API_KEY_INVALID');
    expect(pickId(rotator, 'm', new Set(['key_3']))).toBe('!none');
    expect(make(0).pickKey('m', NONE)).toEqual({ ok: false, why: 'none' });
  });

  it('cooling is per model: a key cooled for model A still serves model B', () => {
    const rotator = make(2);
    rotator.cool(keyRec(rotator, 0), 'model-a', T0 + 10_000, 'RESOURCE_EXHAUSTED');
    expect([1, 2, 3].map(() => pickId(rotator, 'model-a'))).toEqual(['key_2', 'key_2', 'key_2']);
    expect(pickId(rotator, 'model-b', new Set(['key_2']))).toBe('key_1');
  });

  it('a key cooled for a resource family (a call without a model) still serves every model', () => {
    const rotator = make(1);
    rotator.cool(keyRec(rotator, 0), 'files:*', T0 + 5_000, 'RESOURCE_EXHAUSTED');
    expect(rotator.pickKey('files:*', NONE)).toEqual({ ok: false, why: 'cooling', retryAtMs: T0 + 5_000 });
    for (const scope of ['model-a', 'model-b', 'cachedContents:*']) expect(pickId(rotator, scope)).toBe('key_1');
  });

  it('answers cooling with the earliest end when every untried key is cooling', () => {
    const rotator = make(4);
    rotator.cool(keyRec(rotator, 0), 'm', T0 + 30_000, 'r');
    rotator.cool(keyRec(rotator, 1), 'm', T0 + 7_000, 'r');
    rotator.cool(keyRec(rotator, 2), 'm', T0 + 20_000, 'r');
    rotator.disable(keyRec(rotator, 3), 'r');
    expect(rotator.pickKey('m', NONE)).toEqual({ ok: false, why: 'cooling', retryAtMs: T0 + 7_000 });
    // A tried key's cooling does not count.
    expect(rotator.pickKey('m', new Set(['key_2']))).toEqual({ ok: false, why: 'cooling', retryAtMs: T0 + 20_000 });
  });

  it('no scope covers another, not even the empty one an old state file may hold', () => {
    const rotator = make(1);
    const record = keyRec(rotator, 0);
    rotator.cool(record, 'm', T0 + 9_000, 'r');
    rotator.cool(record, '', T0 + 4_000, 'r');
    expect(rotator.coolingUntil(record, 'm')).toBe(T0 + 9_000);
    expect(rotator.coolingUntil(record, 'other')).toBe(0);
  });

  it('cooling ends once now reaches its end', () => {
    const rotator = make(1);
    rotator.cool(keyRec(rotator, 0), 'm', T0 + 10_000, 'r');
    now = T0 + 9_999;
    expect(pickId(rotator)).toBe('!cooling');
    now = T0 + 10_000;
    expect(pickId(rotator)).toBe('key_1');
    expect(keyRec(rotator, 0).cooling.size).toBe(0);
  });
});

describe('retryAt', () => {
  it('is now when some enabled key can serve the model', () => {
    const rotator = make(2);
    rotator.cool(keyRec(rotator, 0), 'm', T0 + 10_000, 'r');
    expect(rotator.retryAt('m')).toBe(T0);
  });

  it('is the earliest cooling end when every enabled key is cooling, ignoring disabled keys', () => {
    const rotator = make(3);
    rotator.cool(keyRec(rotator, 0), 'm', T0 + 10_000, 'r');
    rotator.cool(keyRec(rotator, 1), 'm', T0 + 8_000, 'r');
    rotator.disable(keyRec(rotator, 2), 'r');
    expect(rotator.retryAt('m')).toBe(T0 + 8_000);
    expect(rotator.retryAt('other')).toBe(T0); // key_1 is cooling for 'm' only
  });

  it('is now when every key is disabled', () => {
    const rotator = make(1);
    rotator.disable(keyRec(rotator, 0), 'r');
    expect(rotator.retryAt('m')).toBe(T0);
  });
});

describe('pickRelay and relay back-off', () => {
  const relayId = (record: RelayRecord | undefined): string | undefined => record?.relay.id;

  it('spreads picks round-robin and skips tried relays', () => {
    const rotator = make(1, 3);
    expect([1, 2, 3, 4].map(() => relayId(rotator.pickRelay(NONE)))).toEqual(
      ['relay1.example', 'relay2.example', 'relay3.example', 'relay1.example']);
    expect(relayId(rotator.pickRelay(new Set(['relay2.example', 'relay3.example'])))).toBe('relay1.example');
    expect(rotator.pickRelay(new Set(['relay1.example', 'relay2.example', 'relay3.example']))).toBeUndefined();
  });

  it('skips an unhealthy relay while a healthy one exists', () => {
    const rotator = make(1, 2);
    rotator.apply(classify({ kind: 'network', code: 'ECONNREFUSED' }, PROXY_PATH, now), keyRec(rotator, 0), relayRec(rotator, 0), 'm');
    expect([1, 2, 3].map(() => relayId(rotator.pickRelay(NONE)))).toEqual(
      ['relay2.example', 'relay2.example', 'relay2.example']);
  });

  it('when every relay is unhealthy, picks the one that recovers first', () => {
    const rotator = make(1, 3);
    const fail = (index: number): void =>
      rotator.apply(classify({ kind: 'network', code: 'ECONNRESET' }, PROXY_PATH, now), keyRec(rotator, 0), relayRec(rotator, index), 'm');
    fail(0); fail(0); // until T0 + 2 s
    fail(1); // until T0 + 1 s
    fail(2); fail(2); fail(2); // until T0 + 4 s
    expect(relayId(rotator.pickRelay(NONE))).toBe('relay2.example');
    expect(relayId(rotator.pickRelay(new Set(['relay2.example'])))).toBe('relay1.example');
    now = T0 + 1_000;
    expect(relayId(rotator.pickRelay(new Set(['relay1.example'])))).toBe('relay2.example');
  });

  it('back-off doubles from 1 s and is capped at 60 s; success resets it', () => {
    const rotator = make(1, 1);
    const record = relayRec(rotator, 0);
    const verdict = classify({ kind: 'network', code: 'UND_ERR_CONNECT_TIMEOUT' }, PROXY_PATH, now);
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      rotator.apply(verdict, keyRec(rotator, 0), record, 'm');
      waits.push(record.unhealthyUntilMs - now);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(record).toMatchObject({ consecutiveFailures: 9, failures: 9 });

    rotator.recordSuccess(record);
    expect(record).toMatchObject({ consecutiveFailures: 0, unhealthyUntilMs: 0, failures: 9 });
    expect(onChange).toHaveBeenLastCalledWith({ type: 'relay-healthy', relayId: 'relay1.example' });
    rotator.apply(verdict, keyRec(rotator, 0), record, 'm');
    expect(record.unhealthyUntilMs - now).toBe(1_000);
  });

  it('recordSuccess on a healthy relay emits nothing; recordAttempt counts on key and relay', () => {
    const rotator = make(1, 1);
    rotator.recordSuccess(relayRec(rotator, 0));
    expect(onChange).not.toHaveBeenCalled();
    rotator.recordAttempt(keyRec(rotator, 0), relayRec(rotator, 0));
    rotator.recordAttempt(keyRec(rotator, 0), relayRec(rotator, 0));
    expect([keyRec(rotator, 0).attempts, relayRec(rotator, 0).attempts]).toEqual([2, 2]);
  });
});

describe('apply with verdicts from the policy', () => {
  it('rate-limited cools the key for that model only and emits key-cooling', () => {
    const rotator = make(1);
    rotator.apply(verdictOf(FIXTURES.quotaPerMinute('37s')), keyRec(rotator, 0), relayRec(rotator, 0), 'gemini-2.5-flash');
    expect(rotator.coolingUntil(keyRec(rotator, 0), 'gemini-2.5-flash')).toBe(T0 + 37_000);
    expect(rotator.coolingUntil(keyRec(rotator, 0), 'gemini-2.5-pro')).toBe(0);
    expect(keyRec(rotator, 0).failures).toBe(1);
    expect(onChange.mock.calls).toEqual([[{
      type: 'key-cooling', keyId: 'key_1', scope: 'gemini-2.5-flash', untilMs: T0 + 37_000, reason: 'RESOURCE_EXHAUSTED',
    }]]);
  });

  it('key-invalid disables the key and emits key-disabled once', () => {
    const rotator = make(2);
    const verdict = verdictOf(FIXTURES.apiKeyInvalid());
    rotator.apply(verdict, keyRec(rotator, 0), relayRec(rotator, 0), 'm');
    rotator.apply(verdict, keyRec(rotator, 0), relayRec(rotator, 0), 'm');
    expect(keyRec(rotator, 0).disabled).toEqual({ reason: 'API_KEY_INVALID', sinceMs: T0 });
    expect(onChange.mock.calls).toEqual([[{ type: 'key-disabled', keyId: 'key_1', reason: 'API_KEY_INVALID' }]]);
    expect([1, 2].map(() => pickId(rotator))).toEqual(['key_2', 'key_2']);
  });

  it('relay-failure marks the relay unhealthy, not the key', () => {
    const rotator = make(1, 1);
    rotator.apply(verdictOf(FIXTURES.locationUnsupported()), keyRec(rotator, 0), relayRec(rotator, 0), 'm');
    expect(keyRec(rotator, 0).disabled).toBeUndefined();
    expect(keyRec(rotator, 0).cooling.size).toBe(0);
    expect(onChange.mock.calls).toEqual([[{
      type: 'relay-unhealthy', relayId: 'relay1.example', untilMs: T0 + 1_000, failures: 1, reason: 'LOCATION_UNSUPPORTED',
    }]]);
  });

  it('upstream-error and client-error change nothing and count no key failure', () => {
    const rotator = make(1, 1);
    for (const fixture of [FIXTURES.overloaded(), FIXTURES.invalidArgument(), FIXTURES.modelNotFound()]) {
      rotator.apply(verdictOf(fixture), keyRec(rotator, 0), relayRec(rotator, 0), 'm');
    }
    expect(keyRec(rotator, 0)).toMatchObject({ disabled: undefined, failures: 0 });
    expect(relayRec(rotator, 0)).toMatchObject({ unhealthyUntilMs: 0, failures: 0 });
    expect(onChange).not.toHaveBeenCalled();
  });
});

describe('state change events', () => {
  it('emits once per change: no event for re-disabling, a shorter cooling, or enabling an enabled key', () => {
    const rotator = make(1);
    const record = keyRec(rotator, 0);
    rotator.enable(record, 'probe');
    rotator.cool(record, 'm', T0 + 10_000, 'r');
    rotator.cool(record, 'm', T0 + 5_000, 'r');
    rotator.cool(record, 'm', T0 + 10_000, 'r');
    rotator.disable(record, 'first');
    rotator.disable(record, 'second');
    rotator.enable(record, 'probe');
    rotator.enable(record, 'probe');
    expect(onChange.mock.calls.map(([change]) => change)).toEqual([
      { type: 'key-cooling', keyId: 'key_1', scope: 'm', untilMs: T0 + 10_000, reason: 'r' },
      { type: 'key-disabled', keyId: 'key_1', reason: 'first' },
      { type: 'key-enabled', keyId: 'key_1', via: 'probe' },
    ]);
    expect(record.disabled).toBeUndefined();
  });

  it('a longer cooling for the same model is a change', () => {
    const rotator = make(1);
    for (const until of [T0 + 1_000, T0 + 2_000]) rotator.cool(keyRec(rotator, 0), 'm', until, 'r');
    expect(onChange.mock.calls.map(([change]) => change.type === 'key-cooling' && change.untilMs)).toEqual([T0 + 1_000, T0 + 2_000]);
  });
});

describe('replace', () => {
  it('keeps the state of keys and relays still listed and drops removed ones', () => {
    const rotator = make(3, 2);
    rotator.cool(keyRec(rotator, 0), 'm', T0 + 10_000, 'r');
    rotator.disable(keyRec(rotator, 1), 'API_KEY_INVALID');
    rotator.recordAttempt(keyRec(rotator, 0), relayRec(rotator, 1));
    rotator.apply(classify({ kind: 'network', code: 'ECONNRESET' }, PROXY_PATH, now), keyRec(rotator, 2), relayRec(rotator, 1), 'm');
    rotator.apply(classify({ kind: 'network', code: 'ECONNRESET' }, PROXY_PATH, now), keyRec(rotator, 2), relayRec(rotator, 0), 'm');
    onChange.mockClear();

    rotator.replace([key(2), key(1), key(4)], [relay(2), relay(3)]);

    expect(rotator.keys.map((r) => r.key.id)).toEqual(['key_2', 'key_1', 'key_4']);
    expect(keyRec(rotator, 0).disabled?.reason).toBe('API_KEY_INVALID');
    expect(rotator.coolingUntil(keyRec(rotator, 1), 'm')).toBe(T0 + 10_000);
    expect(keyRec(rotator, 1).attempts).toBe(1);
    expect(keyRec(rotator, 2)).toMatchObject({ disabled: undefined, attempts: 0, failures: 0 });
    expect(rotator.relays.map((r) => r.relay.id)).toEqual(['relay2.example', 'relay3.example']);
    expect(relayRec(rotator, 0)).toMatchObject({ consecutiveFailures: 1, failures: 1, attempts: 1, unhealthyUntilMs: T0 + 1_000 });
    expect(relayRec(rotator, 1)).toMatchObject({ consecutiveFailures: 0, failures: 0, attempts: 0, unhealthyUntilMs: 0 });
    expect(onChange).not.toHaveBeenCalled();
  });

  it('a removed and re-added key comes back fresh', () => {
    const rotator = make(2);
    rotator.disable(keyRec(rotator, 0), 'r');
    rotator.replace([key(2)], [relay(1)]);
    rotator.replace([key(1), key(2)], [relay(1)]);
    expect(keyRec(rotator, 0).disabled).toBeUndefined();
  });

  it('picking still works after the list shrinks', () => {
    const rotator = make(3);
    pickId(rotator); pickId(rotator); pickId(rotator);
    rotator.replace([key(5)], [relay(1)]);
    expect([1, 2].map(() => pickId(rotator))).toEqual(['key_5', 'key_5']);
  });
});

describe('projects', () => {
  const labelled = (n: number, project?: string): ApiKey => ({ ...key(n), ...(project !== undefined && { project }) });
  /** key_1, key_2 in alpha; key_3 in beta; key_4 alone. */
  const makeProjects = (relayCount = 1): Rotator => new Rotator(
    [labelled(1, 'alpha'), labelled(2, 'alpha'), labelled(3, 'beta'), labelled(4)],
    Array.from({ length: relayCount }, (_, i) => relay(i + 1)),
    { now: () => now, onChange },
  );
  const quota = (seconds: number) => verdictOf(FIXTURES.quotaPerMinute(`${seconds}s`));

  it('a 429 cools every key of the project for that model, and no other key', () => {
    const rotator = makeProjects();
    rotator.apply(quota(30), keyRec(rotator, 0), relayRec(rotator, 0), 'm');
    expect(rotator.keys.map((record) => rotator.coolingUntil(record, 'm'))).toEqual([T0 + 30_000, T0 + 30_000, 0, 0]);
    expect(rotator.coolingUntil(keyRec(rotator, 1), 'other')).toBe(0);
    expect(onChange.mock.calls.map(([change]) => change)).toEqual([
      { type: 'key-cooling', keyId: 'key_1', scope: 'm', untilMs: T0 + 30_000, reason: 'RESOURCE_EXHAUSTED', project: 'alpha' },
      { type: 'key-cooling', keyId: 'key_2', scope: 'm', untilMs: T0 + 30_000, reason: 'RESOURCE_EXHAUSTED', project: 'alpha' },
    ]);
    expect([1, 2, 3].map(() => pickId(rotator))).toEqual(['key_3', 'key_4', 'key_3']);
  });

  it('a reason that is the project\'s (CONSUMER_SUSPENDED) disables every key of it; a key\'s own reason, the key alone', () => {
    const rotator = makeProjects();
    rotator.apply(verdictOf(FIXTURES.apiKeyInvalid()), keyRec(rotator, 1), relayRec(rotator, 0), 'm');
    expect(rotator.keys.map((record) => record.disabled?.reason)).toEqual([undefined, 'API_KEY_INVALID', undefined, undefined]);
    rotator.apply(verdictOf(FIXTURES.suspended()), keyRec(rotator, 0), relayRec(rotator, 0), 'm');
    expect(rotator.keys.map((record) => record.disabled?.reason)).toEqual(['CONSUMER_SUSPENDED', 'API_KEY_INVALID', undefined, undefined]);
    const fresh = makeProjects();
    fresh.apply(verdictOf(FIXTURES.suspended()), keyRec(fresh, 0), relayRec(fresh, 0), 'm');
    expect(fresh.keys.map((record) => record.disabled?.reason)).toEqual(['CONSUMER_SUSPENDED', 'CONSUMER_SUSPENDED', undefined, undefined]);
  });

  it('the next pick prefers a key of a project the request has not tried', () => {
    const rotator = makeProjects();
    expect(rotator.pickKey('m', new Set(['key_1']), new Set(['alpha']))).toMatchObject({ ok: true, record: { key: { id: 'key_3' } } });
    // Only keys of tried projects left: one of them rather than none.
    expect(rotator.pickKey('m', new Set(['key_1', 'key_3', 'key_4']), new Set(['alpha', 'beta']))).toMatchObject({ ok: true, record: { key: { id: 'key_2' } } });
  });

  it('keys of tried projects count for the earliest retry when every other key is cooling', () => {
    const rotator = makeProjects();
    rotator.cool(keyRec(rotator, 2), 'm', T0 + 9_000, 'r');
    rotator.cool(keyRec(rotator, 3), 'm', T0 + 9_000, 'r');
    rotator.cool(keyRec(rotator, 1), 'm', T0 + 4_000, 'r');
    expect(rotator.pickKey('m', new Set(['key_1']), new Set(['alpha']))).toEqual({ ok: false, why: 'cooling', retryAtMs: T0 + 4_000 });
  });

  it('learns a project from Google: reported once, with the keys found to share it, who then cool together', () => {
    const rotator = make(3);
    rotator.cool(keyRec(rotator, 0), 'm', T0 + 20_000, 'RESOURCE_EXHAUSTED');
    onChange.mockClear();
    rotator.learnProject(keyRec(rotator, 0), 'projects/7');
    rotator.learnProject(keyRec(rotator, 0), 'projects/7');
    rotator.learnProject(keyRec(rotator, 1), 'projects/7');
    rotator.learnProject(keyRec(rotator, 1), undefined);
    expect(onChange.mock.calls.map(([change]) => change)).toEqual([
      { type: 'key-project', keyId: 'key_1', project: 'projects/7', learned: 'projects/7' },
      { type: 'key-project', keyId: 'key_2', project: 'projects/7', learned: 'projects/7', sharesQuotaWith: ['key_1'] },
      // The quota is one: the key that joined takes the cooling already running.
      { type: 'key-cooling', keyId: 'key_2', scope: 'm', untilMs: T0 + 20_000, reason: 'SHARED_PROJECT', project: 'projects/7' },
    ]);
    expect(rotator.projects()).toEqual([{ id: 'projects/7', keyIds: ['key_1', 'key_2'], learned: ['projects/7'] }]);
    rotator.apply(verdictOf(FIXTURES.quotaPerMinute('5s')), keyRec(rotator, 1), relayRec(rotator, 0), 'n');
    expect(rotator.coolingUntil(keyRec(rotator, 0), 'n')).toBe(T0 + 5_000);
    expect(rotator.coolingUntil(keyRec(rotator, 2), 'n')).toBe(0);
  });

  it('a key learned to be in a labelled key\'s Google project joins the label', () => {
    const rotator = makeProjects();
    rotator.learnProject(keyRec(rotator, 0), 'projects/7');
    rotator.learnProject(keyRec(rotator, 3), 'projects/7');
    expect(onChange).toHaveBeenLastCalledWith({
      type: 'key-project', keyId: 'key_4', project: 'alpha', learned: 'projects/7', sharesQuotaWith: ['key_1', 'key_2'],
    });
    expect(keyRec(rotator, 3).project).toBe('alpha');
  });

  it('a reload applies changed labels and keeps what was learned', () => {
    const rotator = makeProjects();
    rotator.learnProject(keyRec(rotator, 3), 'projects/9');
    rotator.replace([labelled(1, 'alpha'), labelled(2), labelled(3, 'alpha'), labelled(4)], [relay(1)]);
    expect(rotator.keys.map((record) => record.project)).toEqual(['alpha', undefined, 'alpha', 'projects/9']);
  });

  it('learned projects go to the state file and come back; labels do not (the key file holds them)', () => {
    const rotator = makeProjects();
    rotator.learnProject(keyRec(rotator, 3), 'projects/9');
    const saved = rotator.exportState();
    expect(saved).toEqual({ key_4: { project: 'projects/9' } });
    const restarted = make(4);
    expect(restarted.importState(saved)).toBe(1);
    expect(keyRec(restarted, 3).project).toBe('projects/9');
  });
});

describe('the relay-limit rule in the rotator', () => {
  // Functions, not constants: the clock is set before each test.
  const quota = () => verdictOf(FIXTURES.quotaPerMinute('30s'));
  const relayLimited = () => classify({ kind: 'response', status: 429, error: parseGoogleError(JSON.stringify(FIXTURES.quotaPerMinute('30s').body)) },
    { ...PROXY_PATH, relayLimit: 'relay' }, now);

  it('three keys limited through relay 1 while relay 2 served them: the relay backs off and their coolings are lifted', () => {
    const rotator = make(4, 2);
    const [r1, r2] = [relayRec(rotator, 0), relayRec(rotator, 1)];
    for (const index of [0, 1]) {
      expect(rotator.relayLimit(keyRec(rotator, index), r1)).toBeUndefined();
      rotator.apply(quota(), keyRec(rotator, index), r1, 'm');
    }
    rotator.cool(keyRec(rotator, 3), 'm', T0 + 99_000, 'r'); // another answer's, through no relay: stays
    rotator.recordSuccess(r2, keyRec(rotator, 2));
    expect(rotator.relayLimit(keyRec(rotator, 2), r1)).toBe('relay');
    onChange.mockClear();
    rotator.apply(relayLimited(), keyRec(rotator, 2), r1, 'm');
    expect(rotator.keys.map((record) => rotator.coolingUntil(record, 'm'))).toEqual([0, 0, 0, T0 + 99_000]);
    expect(r1).toMatchObject({ unhealthyUntilMs: T0 + 1_000, reason: 'RELAY_RATE_LIMITED' });
    expect(onChange.mock.calls.map(([change]) => change)).toEqual([
      { type: 'key-uncooled', keyId: 'key_2', scope: 'm', reason: 'RELAY_RATE_LIMITED' },
      { type: 'key-uncooled', keyId: 'key_1', scope: 'm', reason: 'RELAY_RATE_LIMITED' },
      { type: 'relay-unhealthy', relayId: 'relay1.example', untilMs: T0 + 1_000, failures: 1, reason: 'RELAY_RATE_LIMITED' },
    ]);
  });

  it('keys of one project count once: their 429s are the project\'s', () => {
    const rotator = new Rotator(
      [{ ...key(1), project: 'p' }, { ...key(2), project: 'p' }, { ...key(3), project: 'p' }, key(4)],
      [relay(1), relay(2)], { now: () => now, onChange },
    );
    rotator.recordSuccess(relayRec(rotator, 1), keyRec(rotator, 3)); // not recorded yet: no 429 so far
    for (const index of [0, 1, 2]) expect(rotator.relayLimit(keyRec(rotator, index), relayRec(rotator, 0))).toBeUndefined();
  });

  it('a success through the relay clears its state and reason', () => {
    const rotator = make(1, 2);
    rotator.apply(relayLimited(), keyRec(rotator, 0), relayRec(rotator, 0), 'm');
    rotator.recordSuccess(relayRec(rotator, 0), keyRec(rotator, 0));
    expect(relayRec(rotator, 0)).toMatchObject({ unhealthyUntilMs: 0, reason: undefined, consecutiveFailures: 0 });
  });
});

/** cleanSchema: JSON Schema → what Gemini accepts (wire-formats §5): meta keywords out, $refs inlined. */

import { describe, expect, it } from 'vitest';
import { translateChatRequest } from '../../src/protocols/openai/request.js';
import { MAX_SCHEMA_DEPTH, SCHEMA_CAP, SchemaBudget } from '../../src/protocols/shared/schema-budget.js';
import { cleanSchema } from '../../src/protocols/shared/schema.js';
import { proxyErrorOf } from '../fixtures/openai-requests/bad-requests.js';
import { resolve } from '../fixtures/openai-requests/chat-requests.js';

const STRING = { type: 'string' };

describe('cleanSchema: dropped keywords', () => {
  it.each([
    ['$schema', 'https://json-schema.org/draft/2020-12/schema'],
    ['$id', 'https://example.com/s'],
    ['$comment', 'note'],
    ['$anchor', 'a'],
    ['additionalProperties', false],
    ['propertyNames', { pattern: '^[a-z]+$' }],
    ['patternProperties', { '^x-': STRING }],
    ['unevaluatedProperties', false],
    ['unevaluatedItems', false],
    ['dependentRequired', { a: ['b'] }],
    ['dependentSchemas', { a: { required: ['b'] } }],
    ['if', { properties: { a: { const: 1 } } }],
    ['then', { required: ['b'] }],
    ['else', { required: ['c'] }],
    ['not', STRING],
    ['contentMediaType', 'image/png'],
    ['contentEncoding', 'base64'],
    ['examples', ['x']],
    ['strict', true],
    ['$defs', { a: STRING }],
    ['definitions', { a: STRING }],
  ])('%s is removed', (keyword, value) => {
    expect(cleanSchema({ type: 'object', description: 'd', [keyword]: value })).toStrictEqual({ type: 'object', description: 'd' });
  });

  it('keeps what Gemini takes', () => {
    const schema = {
      type: 'object',
      title: 'T',
      description: 'D',
      properties: {
        s: { type: 'string', format: 'date-time', enum: ['a'], minLength: 1, maxLength: 9, pattern: '^a' },
        n: { type: ['number', 'null'], minimum: 0, maximum: 1, default: 0.5 },
        l: { type: 'array', items: STRING, minItems: 1, maxItems: 3 },
      },
      required: ['s'],
      propertyOrdering: ['s', 'n', 'l'],
    };
    expect(cleanSchema(schema)).toStrictEqual(schema);
  });

  it('removes them at every depth: properties, items, prefixItems, anyOf, oneOf, allOf', () => {
    const dirty = { type: 'object', additionalProperties: false, $schema: 'x', properties: { v: { type: 'string', $comment: 'c' } } };
    const clean = { type: 'object', properties: { v: { type: 'string' } } };
    expect(cleanSchema({
      type: 'object',
      additionalProperties: false,
      properties: {
        obj: dirty,
        list: { type: 'array', items: dirty, unevaluatedItems: false },
        tuple: { type: 'array', prefixItems: [dirty, dirty] },
        any: { anyOf: [dirty, { type: 'null', examples: [null] }] },
        one: { oneOf: [dirty] },
        all: { allOf: [dirty] },
        deep: { type: 'object', properties: { deeper: { type: 'array', items: { anyOf: [dirty] } } } },
      },
    })).toStrictEqual({
      type: 'object',
      properties: {
        obj: clean,
        list: { type: 'array', items: clean },
        tuple: { type: 'array', prefixItems: [clean, clean] },
        any: { anyOf: [clean, { type: 'null' }] },
        one: { oneOf: [clean] },
        all: { allOf: [clean] },
        deep: { type: 'object', properties: { deeper: { type: 'array', items: { anyOf: [clean] } } } },
      },
    });
  });

  it('properties whose names are keywords are properties, not keywords', () => {
    const schema = { type: 'object', properties: { $schema: STRING, additionalProperties: STRING, const: STRING, definitions: STRING } };
    expect(cleanSchema(schema)).toStrictEqual(schema);
  });

  it('values that are data, not schemas, are left alone', () => {
    const schema = { type: 'object', default: { additionalProperties: false }, enum: [{ $schema: 'x' }] };
    expect(cleanSchema(schema)).toStrictEqual(schema);
  });
});

describe('cleanSchema: const', () => {
  it.each([['a'], [1], [null], [false], [{ k: 'v' }]])('const %j → enum [value]', (value) => {
    expect(cleanSchema({ type: 'object', properties: { kind: { const: value } } })).toStrictEqual({ type: 'object', properties: { kind: { enum: [value] } } });
  });

  it('inside items and anyOf too', () => {
    expect(cleanSchema({ anyOf: [{ const: 'x' }], items: { const: 2 } })).toStrictEqual({ anyOf: [{ enum: ['x'] }], items: { enum: [2] } });
  });
});

describe('cleanSchema: $ref', () => {
  it('a $ref into $defs is inlined', () => {
    expect(cleanSchema({
      type: 'object',
      properties: { home: { $ref: '#/$defs/address' }, work: { $ref: '#/$defs/address' } },
      $defs: { address: { type: 'object', properties: { city: STRING }, additionalProperties: false } },
    })).toStrictEqual({
      type: 'object',
      properties: { home: { type: 'object', properties: { city: STRING } }, work: { type: 'object', properties: { city: STRING } } },
    });
  });

  it('a $ref into definitions (draft 7) is inlined', () => {
    expect(cleanSchema({ type: 'array', items: { $ref: '#/definitions/id' }, definitions: { id: { type: 'integer', minimum: 1 } } }))
      .toStrictEqual({ type: 'array', items: { type: 'integer', minimum: 1 } });
  });

  it('nested $refs are inlined, cleaned on the way', () => {
    expect(cleanSchema({
      $ref: '#/$defs/order',
      $defs: {
        order: { type: 'object', properties: { lines: { type: 'array', items: { $ref: '#/$defs/line' } } } },
        line: { type: 'object', properties: { sku: { $ref: '#/$defs/sku' }, qty: { type: 'integer', const: 1 } }, additionalProperties: false },
        sku: { type: 'string', $comment: 'stock keeping unit' },
      },
    })).toStrictEqual({
      type: 'object',
      properties: { lines: { type: 'array', items: { type: 'object', properties: { sku: STRING, qty: { type: 'integer', enum: [1] } } } } },
    });
  });

  it('keywords next to a $ref are kept and win over the target', () => {
    expect(cleanSchema({ properties: { a: { $ref: '#/$defs/s', description: 'mine' } }, $defs: { s: { type: 'string', description: 'theirs' } } }))
      .toStrictEqual({ properties: { a: { type: 'string', description: 'mine' } } });
  });

  it('a $ref inside anyOf is inlined', () => {
    expect(cleanSchema({ anyOf: [{ $ref: '#/$defs/a' }, { type: 'null' }], $defs: { a: STRING } })).toStrictEqual({ anyOf: [STRING, { type: 'null' }] });
  });

  it.each([
    ['an unknown definition', '#/$defs/missing'],
    ['a remote document', 'https://example.com/schema.json'],
    ['a JSON pointer outside $defs', '#/properties/a'],
  ])('%s → {} (anything)', (_name, ref) => {
    expect(cleanSchema({ type: 'object', properties: { a: STRING, b: { $ref: ref } }, $defs: { a: STRING } }))
      .toStrictEqual({ type: 'object', properties: { a: STRING, b: {} } });
  });

  it('a recursive $ref terminates: inlined once, then {} where it repeats', () => {
    const cleaned = cleanSchema({
      type: 'object',
      properties: { value: { type: 'integer' }, next: { $ref: '#/$defs/node' } },
      $defs: { node: { type: 'object', properties: { value: { type: 'integer' }, next: { $ref: '#/$defs/node' } } } },
    });
    let levels = 0;
    let node: unknown = cleaned;
    while (typeof node === 'object' && node !== null && 'properties' in node) {
      levels += 1;
      expect(node).toMatchObject({ type: 'object', properties: { value: { type: 'integer' } } });
      node = (node as { properties: { next: unknown } }).properties.next;
    }
    expect(node).toStrictEqual({});
    // The root, then one inlined level: the reference repeats below it.
    expect(levels).toBe(2);
    expect(JSON.stringify(cleaned)).not.toContain('$ref');
  });

  it('references that each use another several times cannot blow up (inlining has a budget)', () => {
    const properties = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, { $ref: '#/$defs/B' }]));
    const schema = {
      $ref: '#/$defs/A',
      $defs: {
        A: { type: 'object', properties },
        B: { type: 'object', properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`q${i}`, { $ref: '#/$defs/C' }])) },
        C: { type: 'object', properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`r${i}`, { $ref: '#/$defs/D' }])) },
        D: { type: 'object', properties: { leaf: { type: 'string' } } },
      },
    };
    const text = JSON.stringify(cleanSchema(schema));
    expect(text.length).toBeLessThan(50_000);
    expect(text).not.toContain('$ref');
  });

  it('a $ref that points at itself terminates', () => {
    expect(cleanSchema({ $ref: '#/$defs/a', $defs: { a: { $ref: '#/$defs/a' } } })).toStrictEqual({});
  });
});

describe('cleanSchema: the client schema', () => {
  it('is not modified', () => {
    const schema = { type: 'object', additionalProperties: false, properties: { a: { $ref: '#/$defs/a' } }, $defs: { a: { const: 1 } } };
    const copy = structuredClone(schema);
    cleanSchema(schema);
    expect(schema).toStrictEqual(copy);
  });

  it.each([[true], [null], ['string'], [[STRING]]])('a non-object schema %j comes back as it is', (schema) => {
    expect(cleanSchema(schema)).toStrictEqual(schema);
  });
});

describe('cleanSchema: array keywords', () => {
  it('contains and additionalItems are cleaned like other subschemas; dependencies is dropped', () => {
    expect(cleanSchema({
      type: 'array',
      contains: { $ref: '#/$defs/a', additionalProperties: false },
      additionalItems: { type: 'object', additionalProperties: false },
      dependencies: { a: ['b'] },
      minContains: 1,
      $defs: { a: { type: 'string' } },
    })).toEqual({ type: 'array', contains: { type: 'string' }, additionalItems: { type: 'object' } });
  });
});

/** `count` properties that each reference `#/$defs/<def>`. */
function referencing(count: number, def: string): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`p${i}`, { $ref: `#/$defs/${def}` }]));
}

/** A definition holding an anyOf of `width` small objects: about 60 bytes each. */
function wideAnyOf(width: number): Record<string, unknown> {
  return { anyOf: Array.from({ length: width }, (_, i) => ({ type: 'object', properties: { [`field${i}`]: { type: 'string' } } })) };
}

describe('cleanSchema: the output budget (issue 7, defect 3)', () => {
  it('a large anyOf referenced from 200 properties is a 400 naming the schema, not a copy per reference', () => {
    const schema = { type: 'object', properties: referencing(200, 'big'), $defs: { big: wideAnyOf(500) } };
    const error = proxyErrorOf(() => cleanSchema(schema, 'tools[0].function.parameters'));
    expect(error).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'tools[0].function.parameters' });
    expect(error.message).toContain('$refs are inlined');
  });

  it('the same through translateChatRequest: the 400 names the tool, before anything is sent', () => {
    const parameters = { type: 'object', properties: referencing(200, 'big'), $defs: { big: wideAnyOf(500) } };
    const body = {
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { type: 'function', function: { name: 'small', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'big', parameters } },
      ],
    };
    expect(proxyErrorOf(() => translateChatRequest(body, resolve))).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'tools[1].function.parameters' });
  });

  it('is shared by every schema of a request: each fits alone, together they do not', () => {
    // Each: about 9 KB in, about 180 KB out (a 6 KB definition used 30 times).
    const parameters = { type: 'object', properties: referencing(30, 'd'), $defs: { d: wideAnyOf(100) } };
    expect(() => cleanSchema(parameters)).not.toThrow();
    const tools = Array.from({ length: 8 }, (_, i) => ({ type: 'function', function: { name: `f${i}`, parameters } }));
    const body = { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], tools };
    const error = proxyErrorOf(() => translateChatRequest(body, resolve));
    expect(error.param).toMatch(/^tools\[[1-7]\]\.function\.parameters$/);
  });

  it('response_format.json_schema.schema draws on the same budget and is named when it runs out', () => {
    const schema = { type: 'object', properties: referencing(200, 'big'), $defs: { big: wideAnyOf(500) } };
    const body = {
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
    };
    expect(proxyErrorOf(() => translateChatRequest(body, resolve))).toMatchObject({ param: 'response_format.json_schema.schema' });
  });

  it('has an absolute cap: a schema over 8 MiB is a 400 even without a $ref', () => {
    const schema = { type: 'string', description: 'x'.repeat(SCHEMA_CAP + 1) };
    expect(proxyErrorOf(() => cleanSchema(schema, 'p'))).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'p' });
  });

  it('charges the keywords it drops: a definition of dropped keywords inlined many times costs its size each time', () => {
    // Each object cleans to `{}`, but the walk visits its keys on every inlining.
    const dropped = { anyOf: Array.from({ length: 1000 }, () => ({ additionalProperties: false, $comment: 'c', unevaluatedProperties: false })) };
    const schema = { type: 'object', properties: referencing(150, 'd'), $defs: { d: dropped } };
    expect(proxyErrorOf(() => cleanSchema(schema, 'p'))).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'p' });
  });

  it('charges data kept as it is (a default, an enum) for its size at every copy', () => {
    const data = { type: 'string', enum: Array.from({ length: 5000 }, (_, i) => `value-${i}`) };
    const schema = { type: 'object', properties: referencing(150, 'd'), $defs: { d: data } };
    expect(proxyErrorOf(() => cleanSchema(schema, 'p'))).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'p' });
  });

  it('lets real schemas through: pydantic-style $defs used a few times, and many plain tool schemas', () => {
    const address = { type: 'object', properties: { street: STRING, city: STRING, zip: { type: 'string', pattern: '^[0-9]{5}$' } }, required: ['street', 'city'] };
    const person = {
      type: 'object',
      properties: { name: STRING, home: { $ref: '#/$defs/Address' }, work: { anyOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }] } },
      required: ['name'],
    };
    const order = {
      title: 'Order',
      type: 'object',
      properties: { buyer: { $ref: '#/$defs/Person' }, seller: { $ref: '#/$defs/Person' }, shipTo: { $ref: '#/$defs/Address' } },
      $defs: { Address: address, Person: person },
    };
    const cleaned = JSON.stringify(cleanSchema(order));
    expect(cleaned).not.toContain('$ref');
    const budget = new SchemaBudget();
    // Forty tool schemas of about 2 KB each, as coding agents send.
    const plain = { type: 'object', properties: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`arg${i}`, { type: 'string', description: 'd'.repeat(60) }])) };
    for (let i = 0; i < 40; i += 1) expect(cleanSchema(plain, `tools[${i}].function.parameters`, budget)).toStrictEqual(plain);
  });
});

describe('cleanSchema: depth across $refs (issue 7, defect 5)', () => {
  /** `count` definitions, each `levels` objects deep, the innermost referencing the next definition. */
  function chain(count: number, levels: number): Record<string, unknown> {
    const defs: Record<string, unknown> = {};
    for (let d = 0; d < count; d += 1) {
      let node: Record<string, unknown> = d + 1 < count ? { $ref: `#/$defs/d${d + 1}` } : { type: 'string' };
      for (let l = 0; l < levels; l += 1) node = { type: 'object', properties: { x: node } };
      defs[`d${d}`] = node;
    }
    return { $ref: '#/$defs/d0', $defs: defs };
  }

  it('100 definitions of 25 levels, chained by $ref, are a 400 naming the schema, not a stack overflow', () => {
    const error = proxyErrorOf(() => cleanSchema(chain(100, 25), 'tools[0].function.parameters'));
    expect(error).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'tools[0].function.parameters' });
    expect(error.message).toContain(`deeper than ${MAX_SCHEMA_DEPTH} levels`);
  });

  it('a long chain of bare references, which nests nothing, is bounded too', () => {
    expect(proxyErrorOf(() => cleanSchema(chain(10_000, 0), 'p'))).toMatchObject({ code: 'GP_BAD_REQUEST', param: 'p' });
  });

  it('a few levels of references into nested definitions pass', () => {
    const cleaned = cleanSchema(chain(4, 5));
    expect(JSON.stringify(cleaned)).not.toContain('$ref');
  });
});

/** cleanSchema: JSON Schema → what Gemini accepts (wire-formats §5): meta keywords out, $refs inlined. */

import { describe, expect, it } from 'vitest';
import { cleanSchema } from '../../src/protocols/openai/schema.js';

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

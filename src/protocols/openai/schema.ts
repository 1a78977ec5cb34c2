/**
 * @module Cleans a client's JSON Schema (tool parameters, `response_format.json_schema`) of what
 * Gemini rejects: meta keywords, keywords it does not know, and `$ref`s into `$defs`, which are
 * inlined. The result only loosens validation, never tightens it. Pure.
 */

import { isObject } from '../json.js';

/** Keywords Gemini's schema subset does not take (wire-formats §1.6, §5; peers §3.3). */
const DROPPED = new Set([
  '$schema',
  '$id',
  '$comment',
  '$anchor',
  'additionalProperties',
  'propertyNames',
  'patternProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'dependentRequired',
  'dependentSchemas',
  'if',
  'then',
  'else',
  'not',
  'contentMediaType',
  'contentEncoding',
  'examples',
  'strict',
  'dependencies',
  'minContains',
  'maxContains',
]);

/** Keywords whose value is a map of names to subschemas. */
const SCHEMA_MAPS = new Set(['properties']);
/** Keywords whose value is one subschema or a list of them. */
const SCHEMA_VALUES = new Set(['items', 'prefixItems', 'additionalItems', 'contains', 'anyOf', 'oneOf', 'allOf']);

/**
 * Inlining stops at a reference already being expanded on the current path (a recursive
 * schema) and after this many inlined references in all, since a few refs that each use
 * another several times grow exponentially.
 */
const MAX_INLINED_REFS = 200;

type Defs = Readonly<Record<string, unknown>>;

interface Walk {
  readonly defs: Defs;
  /** References being expanded on the path from the root to this node. */
  readonly path: ReadonlySet<string>;
  /** Inlined references left for the whole schema. */
  budget: { left: number };
}

function definitions(schema: Record<string, unknown>): Defs {
  const defs = schema['$defs'] ?? schema['definitions'];
  return isObject(defs) ? defs : {};
}

function resolveRef(ref: string, defs: Defs): unknown {
  const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  return match?.[1] === undefined ? undefined : defs[match[1]];
}

function cleanRef(node: Record<string, unknown>, ref: string, walk: Walk): unknown {
  const target = walk.path.has(ref) || walk.budget.left <= 0 ? undefined : resolveRef(ref, walk.defs);
  // A recursive, unresolvable or over-budget reference becomes "anything": looser, never wrong.
  if (target === undefined) return {};
  walk.budget.left--;
  const { $ref: _ref, ...siblings } = node;
  return cleanNode({ ...(isObject(target) ? target : {}), ...siblings }, { ...walk, path: new Set([...walk.path, ref]) });
}

function cleanNode(node: unknown, walk: Walk): unknown {
  if (Array.isArray(node)) return node.map((item) => cleanNode(item, walk));
  if (!isObject(node)) return node;
  const ref = node['$ref'];
  if (typeof ref === 'string') return cleanRef(node, ref, walk);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key) || key === '$defs' || key === 'definitions') continue;
    if (key === 'const') {
      result['enum'] = [value]; // the same constraint, in a keyword Gemini knows
    } else if (SCHEMA_MAPS.has(key) && isObject(value)) {
      result[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, cleanNode(sub, walk)]));
    } else {
      result[key] = SCHEMA_VALUES.has(key) ? cleanNode(value, walk) : value;
    }
  }
  return result;
}

/** A copy of `schema` that Gemini accepts. */
export function cleanSchema(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  return cleanNode(schema, { defs: definitions(schema), path: new Set(), budget: { left: MAX_INLINED_REFS } });
}

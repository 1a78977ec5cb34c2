/**
 * @module Cleans a client's JSON Schema (tool parameters, `response_format.json_schema`) of what
 * Gemini rejects: meta keywords, keywords it does not know, and `$ref`s into `$defs`, which are
 * inlined. The result only loosens validation, never tightens it. Inlining is bounded by the
 * request's SchemaBudget (size and work) and by MAX_SCHEMA_DEPTH; past either the schema is a
 * 400 naming it. Pure.
 */

import { isObject, jsonSize } from './json.js';
import { badRequest } from './read.js';
import { MAX_SCHEMA_DEPTH, SchemaBudget } from './schema-budget.js';

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
 * schema) and after this many inlined references in one schema; further ones become `{}`.
 */
const MAX_INLINED_REFS = 200;

type Defs = Readonly<Record<string, unknown>>;

interface Walk {
  readonly defs: Defs;
  /** The request field holding the schema, named by its 400s. */
  readonly param: string;
  readonly budget: SchemaBudget;
  /** References being expanded on the path from the root to this node. */
  readonly path: Set<string>;
  /** Inlined references left for this schema. */
  refsLeft: number;
}

function definitions(schema: Record<string, unknown>): Defs {
  const defs = schema['$defs'] ?? schema['definitions'];
  return isObject(defs) ? defs : {};
}

function resolveRef(ref: string, defs: Defs): unknown {
  const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref)?.[1];
  return name !== undefined && Object.hasOwn(defs, name) ? defs[name] : undefined;
}

/** A value kept as it is (data, not a schema), charged for its size in the output. */
function keep(value: unknown, walk: Walk): unknown {
  walk.budget.charge(jsonSize(value, walk.budget.left), walk.param);
  return value;
}

function cleanRef(node: Record<string, unknown>, ref: string, walk: Walk, depth: number): unknown {
  walk.budget.charge(ref.length + 10, walk.param);
  const target = walk.path.has(ref) || walk.refsLeft <= 0 ? undefined : resolveRef(ref, walk.defs);
  // A recursive or unresolvable reference, or one past MAX_INLINED_REFS, becomes "anything":
  // looser, never wrong.
  if (target === undefined) return {};
  walk.refsLeft -= 1;
  const { $ref: _ref, ...siblings } = node;
  walk.path.add(ref);
  // Following a reference is a level of depth too: a chain of bare references nests nothing.
  const cleaned = cleanNode({ ...(isObject(target) ? target : {}), ...siblings }, walk, depth + 1);
  walk.path.delete(ref);
  return cleaned;
}

function cleanObject(node: Record<string, unknown>, walk: Walk, depth: number): Record<string, unknown> {
  walk.budget.charge(2, walk.param);
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(node)) {
    // Every key is paid for, kept or dropped: a definition inlined many times costs each time.
    walk.budget.charge(key.length + 4, walk.param);
    if (DROPPED.has(key) || key === '$defs' || key === 'definitions') continue;
    if (key === 'const') entries.push(['enum', [keep(value, walk)]]); // the same constraint, in a keyword Gemini knows
    else if (SCHEMA_MAPS.has(key) && isObject(value)) entries.push([key, cleanMap(value, walk, depth + 1)]);
    else entries.push([key, SCHEMA_VALUES.has(key) ? cleanNode(value, walk, depth + 1) : keep(value, walk)]);
  }
  // fromEntries defines properties, so a key named `__proto__` stays a key.
  return Object.fromEntries(entries);
}

/** `properties`: names to subschemas. */
function cleanMap(map: Record<string, unknown>, walk: Walk, depth: number): Record<string, unknown> {
  walk.budget.charge(2, walk.param);
  return Object.fromEntries(Object.entries(map).map(([name, sub]) => {
    walk.budget.charge(name.length + 4, walk.param);
    return [name, cleanNode(sub, walk, depth + 1)];
  }));
}

function cleanNode(node: unknown, walk: Walk, depth: number): unknown {
  if (!Array.isArray(node) && !isObject(node)) return keep(node, walk);
  if (depth > MAX_SCHEMA_DEPTH) {
    throw badRequest(walk.param, `${walk.param} nests deeper than ${MAX_SCHEMA_DEPTH} levels once its $refs are inlined`);
  }
  if (Array.isArray(node)) {
    walk.budget.charge(2 + node.length, walk.param);
    return node.map((item) => cleanNode(item, walk, depth + 1));
  }
  const ref = node['$ref'];
  return typeof ref === 'string' ? cleanRef(node, ref, walk, depth) : cleanObject(node, walk, depth);
}

/**
 * A copy of `schema` that Gemini accepts, charged to `budget`: share one budget among all the
 * schemas of a request. A schema over the budget or MAX_SCHEMA_DEPTH is a 400 naming `param`.
 */
export function cleanSchema(schema: unknown, param = 'schema', budget = new SchemaBudget()): unknown {
  budget.grant(jsonSize(schema));
  if (!isObject(schema)) return schema;
  return cleanNode(schema, { defs: definitions(schema), param, budget, path: new Set(), refsLeft: MAX_INLINED_REFS }, 1);
}

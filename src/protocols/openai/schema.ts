/**
 * @module Cleans a client's JSON Schema (tool parameters, `response_format.json_schema`) of what
 * Gemini rejects: meta keywords, keywords it does not know, and `$ref`s into `$defs`, which are
 * inlined. The result only loosens validation, never tightens it. Pure.
 */

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
]);

/** Keywords whose value is a map of names to subschemas. */
const SCHEMA_MAPS = new Set(['properties']);
/** Keywords whose value is one subschema or a list of them. */
const SCHEMA_VALUES = new Set(['items', 'prefixItems', 'anyOf', 'oneOf', 'allOf']);

/** Beyond this depth `$ref`s are not followed (recursive schemas). */
const MAX_REF_DEPTH = 8;

type Defs = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function definitions(schema: Record<string, unknown>): Defs {
  const defs = schema['$defs'] ?? schema['definitions'];
  return isRecord(defs) ? defs : {};
}

function resolveRef(ref: string, defs: Defs): unknown {
  const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  return match?.[1] === undefined ? undefined : defs[match[1]];
}

function cleanNode(node: unknown, defs: Defs, depth: number): unknown {
  if (Array.isArray(node)) return node.map((item) => cleanNode(item, defs, depth));
  if (!isRecord(node)) return node;
  const ref = node['$ref'];
  if (typeof ref === 'string') {
    const target = depth < MAX_REF_DEPTH ? resolveRef(ref, defs) : undefined;
    // An unresolvable or too-deep reference becomes "anything": looser, never wrong.
    if (target === undefined) return {};
    const { $ref: _ref, ...siblings } = node;
    return cleanNode({ ...(isRecord(target) ? target : {}), ...siblings }, defs, depth + 1);
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key) || key === '$defs' || key === 'definitions') continue;
    if (key === 'const') {
      result['enum'] = [value]; // the same constraint, in a keyword Gemini knows
    } else if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, cleanNode(sub, defs, depth)]),
      );
    } else {
      result[key] = SCHEMA_VALUES.has(key) ? cleanNode(value, defs, depth) : value;
    }
  }
  return result;
}

/** A copy of `schema` that Gemini accepts. */
export function cleanSchema(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;
  return cleanNode(schema, definitions(schema), 0);
}

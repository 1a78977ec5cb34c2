/**
 * @module Typed readers for a client's JSON: each either returns the value or throws a 400
 * that names the field (`param`) and what was expected. Pure.
 */

import { ProxyError } from '../../errors.js';

import { isObject, withinDepth, type Json } from './json.js';

export { isObject, type Json };

/** Deeper JSON than this is refused: nothing legitimate nests so far, and deep nesting can
 * exhaust the stack of whatever walks it later. */
const MAX_JSON_DEPTH = 64;

/** Throws a 400 naming `param` when `value` nests deeper than MAX_JSON_DEPTH. */
export function checkDepth(value: unknown, param: string): void {
  if (!withinDepth(value, MAX_JSON_DEPTH)) throw badRequest(param, `${param} nests deeper than ${MAX_JSON_DEPTH} levels`);
}

/** A 400 naming the field at fault. */
export function badRequest(param: string, message: string): ProxyError {
  return new ProxyError('GP_BAD_REQUEST', message, { param });
}

export function readString(value: unknown, param: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(param, `${param} must be a string`);
  return value;
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function readNumber(value: unknown, param: string, rule: NumberRule = {}): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ok = typeof value === 'number' && Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const range = rule.min !== undefined && rule.max !== undefined ? ` from ${rule.min} to ${rule.max}` :
      rule.min !== undefined ? ` of at least ${rule.min}` : '';
    throw badRequest(param, `${param} must be ${rule.integer ? 'an integer' : 'a number'}${range}`);
  }
  return value;
}

export function readBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(param, `${param} must be true or false`);
  return value;
}

export function readObject(value: unknown, param: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw badRequest(param, `${param} must be an object`);
  return value;
}

export function readArray(value: unknown, param: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badRequest(param, `${param} must be an array`);
  return value;
}

/** Parses a request body; anything but a JSON object is a 400. */
export function parseJsonObject(body: Buffer): Json {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProxyError('GP_BAD_JSON', 'the request body is not valid JSON');
  }
  if (!isObject(value)) throw new ProxyError('GP_BAD_JSON', 'the request body must be a JSON object');
  checkDepth(value, 'body');
  return value;
}

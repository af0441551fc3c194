/**
 * The tool's one Ajv instance, schemas compiled lazily (once, on first use), and the one wording of an Ajv error
 * as a located issue (`file:line /json/pointer: message`, see `formatIssue`). Pure.
 */
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import type { DataIssue } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';

let shared: Ajv | undefined;

/** Created on first use: start-up pays nothing for schemas of files it does not read. */
function sharedAjv(): Ajv {
  // allErrors: every problem of a record at once. verbose: errors carry their schema, so an unknown key can be
  // answered with the closest known one. allowUnionTypes: the config file's `max-errors` is a string or a number.
  shared ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  return shared;
}

/** A schema-specific wording of one error (the fix a generic message cannot give), or undefined for the generic one. */
export type ErrorHint = (e: ErrorObject) => string | undefined;

/** A JSON Schema check compiled on its first call; `errors` are those of the last failed call. */
export interface LazyValidator<T> {
  (value: unknown): value is T;
  readonly errors: ErrorObject[] | null | undefined;
  readonly hint: ErrorHint | undefined;
}

/** Wraps a schema (or a function building it) in a validator that compiles it on first use, once. */
export function lazyValidator<T>(schema: AnySchema | (() => AnySchema), hint?: ErrorHint): LazyValidator<T> {
  let compiled: ValidateFunction<T> | undefined;
  const validate = (value: unknown): value is T => {
    compiled ??= sharedAjv().compile<T>(typeof schema === 'function' ? schema() : schema);
    return compiled(value);
  };
  return Object.defineProperties(validate, {
    errors: { get: () => compiled?.errors },
    hint: { value: hint },
  }) as LazyValidator<T>;
}

/** One JSON pointer segment, escaped (RFC 6901). */
export function encodePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The segments of a JSON pointer, unescaped. */
export function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The line of an error: fixed (one JSONL record), or found from the pointer's segments and the key at fault. */
export type LineOf = number | ((path: readonly string[], key: string | undefined) => number);

/** The property names the schema around an error allows (Ajv gives the schema with `verbose: true`). */
function knownKeys(e: ErrorObject): string[] {
  const properties = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? Object.keys(properties).filter((k) => k !== '$schema') : [];
}

function stringParam(e: ErrorObject, name: string): string | undefined {
  const value = (e.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The key an error is about: an unknown or missing property, or a bad property name. */
function keyAtFault(e: ErrorObject): string | undefined {
  return stringParam(e, 'additionalProperty') ?? stringParam(e, 'missingProperty') ?? e.propertyName;
}

function genericMessage(e: ErrorObject, key: string | undefined): string {
  if (e.keyword === 'additionalProperties' && key !== undefined)
    return `unknown field '${key}'${didYouMean(key, knownKeys(e), (k) => `'${k}'`)}`;
  if (e.keyword === 'required' && key !== undefined) return `missing required field '${key}'`;
  if (e.propertyName !== undefined) return `key '${e.propertyName}' ${e.message ?? 'is invalid'}`;
  const allowed = (e.params as { allowedValues?: unknown }).allowedValues;
  if (e.keyword === 'enum' && Array.isArray(allowed)) {
    return `must be one of: ${allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
  }
  return e.message ?? 'is invalid';
}

/**
 * The one wording of an Ajv error as a located issue. The pointer names the value at fault, or the unknown, missing
 * or badly named key; the message is the schema's hint when it has one, else a generic one (with a did-you-mean for
 * an unknown key).
 */
export function issueFromAjvError(e: ErrorObject, file: string, line: LineOf, hint?: ErrorHint): DataIssue {
  const key = keyAtFault(e);
  const pointer = key === undefined ? e.instancePath : `${e.instancePath}/${encodePointerSegment(key)}`;
  const at = typeof line === 'number' ? line : line(decodePointer(e.instancePath), key);
  return { file, line: at, pointer, message: hint?.(e) ?? genericMessage(e, key) };
}

/** Every Ajv error as a located issue (the `propertyNames` summary that repeats a bad key's own error dropped). */
export function issuesFromAjvErrors(errors: readonly ErrorObject[], file: string, line: LineOf, hint?: ErrorHint): DataIssue[] {
  return errors.filter((e) => e.keyword !== 'propertyNames').map((e) => issueFromAjvError(e, file, line, hint));
}

/** Runs a validator and turns every Ajv error into a located issue at this line. */
export function validateRecord<T>(
  validate: LazyValidator<T>,
  value: unknown,
  file: string,
  line: number,
): { ok: true; value: T } | { ok: false; issues: DataIssue[] } {
  if (validate(value)) return { ok: true, value };
  return { ok: false, issues: issuesFromAjvErrors(validate.errors ?? [], file, line, validate.hint) };
}

/**
 * The tool's JSON Schema checks and the one wording of an Ajv error as a located issue (`file:line /json/pointer:
 * message`, see {@link issueFromAjvError}). Pure.
 *
 * No schema is compiled at run time: `npm run schemas` (src/build/precompile-schemas.ts) compiles every schema
 * declared with {@link lazyValidator} into standalone code, one table per declaring module in `precompiled/`, and a
 * validator takes its function from its module's table on first use. Start-up pays neither for Ajv (about 250 KB of
 * code) nor for compiling (about 50 ms), and a run loads only the tables of the modules it uses.
 */
import type { AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import type { DataIssue } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';

/**
 * The Ajv options the tables are generated with. allErrors: every problem of a record at once. verbose: errors carry
 * their schema, so an unknown key can be answered with the closest known one. allowUnionTypes: the config file's
 * `max-errors` is a string or a number.
 */
export const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true } as const;

/**
 * The key of a schema's validator in its table: two 32-bit FNV-1a hashes (different offset bases) over the schema's
 * JSON text, so an edited schema never meets the validator of its former self. Not for security; the generator
 * refuses two schemas with one key.
 */
export function schemaKey(schema: AnySchema): string {
  const text = JSON.stringify(schema);
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Generated validators by {@link schemaKey}: one table per module that declares validators (`precompiled/`). */
export type PrecompiledTable = Readonly<Record<string, ValidateFunction>>;

/** How a validator is declared: the generated table of its module, and the schema-specific wording of errors. */
export interface ValidatorOptions {
  readonly precompiled: PrecompiledTable;
  readonly hint?: ErrorHint;
}

/** Every validator declared so far (by the modules imported), for the generator of the tables. */
const declared: Array<{ schema: AnySchema | (() => AnySchema); table: PrecompiledTable }> = [];

/** The schema (built when given as a function) and table of every validator declared by the modules imported. */
export function declaredSchemas(): Array<{ schema: AnySchema; table: PrecompiledTable }> {
  return declared.map(({ schema, table }) => ({ schema: typeof schema === 'function' ? schema() : schema, table }));
}

/** A schema's function from its table; a schema changed since the tables were generated has none. */
function precompiledValidator<T>(schema: AnySchema, table: PrecompiledTable): ValidateFunction<T> {
  const key = schemaKey(schema);
  const found = table[key] as ValidateFunction<T> | undefined;
  if (found) return found;
  const title = (schema as { title?: unknown }).title;
  throw new Error(
    `no precompiled validator for the schema ${typeof title === 'string' ? `'${title}' ` : ''}(key ${key}): it changed since src/schemas/precompiled/ was generated; run \`npm run schemas\``,
  );
}

/** A schema-specific wording of one error (the fix a generic message cannot give), or undefined for the generic one. */
export type ErrorHint = (e: ErrorObject) => string | undefined;

/** A JSON Schema check compiled on its first call; `errors` are those of the last failed call. */
export interface LazyValidator<T> {
  (value: unknown): value is T;
  readonly errors: ErrorObject[] | null | undefined;
  readonly hint: ErrorHint | undefined;
}

/** Wraps a schema (or a function building it) in a validator that takes its precompiled function on first use. */
export function lazyValidator<T>(schema: AnySchema | (() => AnySchema), options: ValidatorOptions): LazyValidator<T> {
  const { precompiled, hint } = options;
  declared.push({ schema, table: precompiled });
  let compiled: ValidateFunction<T> | undefined;
  const validate = (value: unknown): value is T => {
    compiled ??= precompiledValidator<T>(typeof schema === 'function' ? schema() : schema, precompiled);
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

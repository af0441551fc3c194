import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { DataIssue } from '../core/errors.js';

/** One Ajv instance for the whole tool: every error collected, strict schemas. */
export const ajv = new Ajv({ allErrors: true, strict: true });

function ajvMessage(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') {
    return `unknown property '${String((e.params as { additionalProperty?: string }).additionalProperty)}'`;
  }
  if (e.keyword === 'required') {
    return `missing required property '${String((e.params as { missingProperty?: string }).missingProperty)}'`;
  }
  if (e.keyword === 'not' && e.instancePath.endsWith('/points')) {
    return 'must not be 0: give the criterion a weight from -10 to 10 (negative for behaviour to penalise), or drop it';
  }
  if (e.keyword === 'enum') {
    return `${e.message ?? 'invalid'}: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`;
  }
  return e.message ?? 'invalid';
}

/** Runs a compiled validator and turns every ajv error into a located DataIssue. */
export function validateRecord<T>(
  validate: ValidateFunction<T>,
  value: unknown,
  file: string,
  line: number,
): { ok: true; value: T } | { ok: false; issues: DataIssue[] } {
  if (validate(value)) return { ok: true, value };
  const issues = (validate.errors ?? []).map((e) => ({
    file,
    line,
    pointer: e.keyword === 'required' ? `${e.instancePath}/${String((e.params as { missingProperty?: string }).missingProperty)}` : e.instancePath,
    message: ajvMessage(e),
  }));
  return { ok: false, issues };
}

/**
 * Reading a saved JSON file of a run directory (run.json, report.json, selection.json) through its schema: the one
 * path from bytes to a typed record. A file that is not JSON, or does not match its schema, is a DataValidationError
 * (exit 2) listing every problem as `file:line /pointer: message`; never a silent cast.
 */
import { DataValidationError } from '../core/errors.js';
import type { LazyValidator } from '../schemas/validate.js';

/**
 * Parses and validates the text of a saved JSON file. The fast path is `JSON.parse` and one schema check; only a
 * file that fails them is parsed again with positions (schemas/located.ts, loaded then), so its problems get lines.
 * `damaged` words the fix for a file that is not JSON at all.
 */
export async function parseSavedJson<T>(text: string, file: string, validate: LazyValidator<T>, damaged: string): Promise<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataValidationError([{ file, line: 0, pointer: '', message: `not valid JSON (${(err as Error).message}); ${damaged}` }]);
  }
  if (validate(value)) return value;
  const { parseLocated } = await import('../schemas/located.js');
  // parseLocated throws with every problem located; the fallback wording covers a schema error without an issue.
  parseLocated(text, file, validate, `does not match its schema; ${damaged}`);
  throw new DataValidationError([{ file, line: 0, pointer: '', message: `does not match its schema; ${damaged}` }]);
}

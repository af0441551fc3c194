/**
 * The checks of the lines of a run's append-only files (`samples.jsonl`, `journal.jsonl`): the fields every reader
 * relies on, then the saved schema. Apart from run-file.ts so that a run that reads no run file (a fresh one) never
 * loads the saved files' validators.
 */
import { validateJournalEntry, validateSampleRecord } from '../schemas/saved.js';
import { issuesFromAjvErrors, type LazyValidator } from '../schemas/validate.js';
import type { RecordCheck, RecordProblem } from './run-file.js';

/** The first schema problem of a record (the one a corrupt-record message names), or null when it is valid. */
function schemaProblem(validate: LazyValidator<unknown>, value: unknown): RecordProblem | null {
  if (validate(value)) return null;
  const [first, ...rest] = issuesFromAjvErrors(validate.errors ?? [], '', 0, validate.hint);
  if (!first) return { pointer: '', message: 'does not match its schema' };
  return { pointer: first.pointer, message: rest.length > 0 ? `${first.message}; and ${rest.length} more` : first.message };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function keyProblem(v: Record<string, unknown>): string | null {
  if (typeof v['exampleId'] !== 'string') return 'no exampleId';
  if (!Number.isInteger(v['repeat'])) return 'no integer repeat';
  return null;
}

/** A `samples.jsonl` line: a sample record with the fields every reader relies on. */
export const checkSampleLine: RecordCheck = (v) => {
  if (!isObject(v)) return 'not a JSON object';
  const key = keyProblem(v);
  if (key) return key;
  if (!Array.isArray(v['criteria'])) return 'no criteria array';
  if (!isObject(v['usage'])) return 'no usage';
  if (v['error'] !== null && !isObject(v['error'])) return 'error is neither null nor an object';
  return schemaProblem(validateSampleRecord, v);
};

/**
 * A `journal.jsonl` line: an entry with a type `t`. Completions and verdicts must carry what resume reads; other
 * types (written by other parts of the tool, e.g. batch jobs) are left to their readers.
 */
export const checkJournalLine: RecordCheck = (v) => {
  if (!isObject(v)) return 'not a JSON object';
  if (typeof v['t'] !== 'string') return 'no entry type t';
  if (v['t'] !== 'completion' && v['t'] !== 'verdict') return null;
  const key = keyProblem(v);
  if (key) return key;
  if (v['t'] === 'completion' && typeof v['response'] !== 'string') return 'completion without a response';
  if (v['t'] === 'verdict' && !(Number.isInteger(v['i']) && typeof v['met'] === 'boolean')) return 'verdict without an index or met';
  return schemaProblem(validateJournalEntry, v);
};

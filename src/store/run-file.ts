/**
 * Reading the append-only files of a run directory (`samples.jsonl`, `journal.jsonl`). A last line that does not
 * parse is a record a crash cut short: dropped, its work redone. Any other bad line is damage the tool did not
 * make: a located error that names the file, the line and the repair command, so nothing is silently lost.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitCode, formatIssue, HealthbenchError } from '../core/errors.js';
import { parseJsonLine, readRawLines } from './jsonl.js';

/** A damaged line in the middle of a run file. Exit 2: the input (the run directory) is bad, and repairable. */
export class CorruptRunFileError extends HealthbenchError {
  readonly code = 'HB_RUN_FILE_CORRUPT';
  readonly exitCode = ExitCode.Usage;
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, problem: string) {
    const message =
      `corrupt record (${problem}). Run \`healthbench repair ${dirname(file)}\` to drop the line; ` +
      'the sample it held is redone by the next `healthbench eval --resume` of this directory.';
    super(formatIssue({ file, line, pointer: '', message }));
    this.file = file;
    this.line = line;
  }
}

/** Returns what is wrong with a parsed line, or null when it is a usable record. */
export type RecordCheck = (value: unknown) => string | null;

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
  return null;
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
  if (v['t'] === 'completion') return typeof v['response'] === 'string' ? null : 'completion without a response';
  return Number.isInteger(v['i']) && typeof v['met'] === 'boolean' ? null : 'verdict without an index or met';
};

/** Why a raw line is not a usable record, or null. */
export function lineProblem(text: string, check: RecordCheck): string | null {
  const parsed = parseJsonLine(text);
  return parsed.ok ? check(parsed.value) : parsed.message;
}

/**
 * Streams the records of a run file (nothing when it does not exist). A bad last line is reported to `onTorn` and
 * skipped; a bad line before it throws CorruptRunFileError.
 */
export async function* readRunFile<T>(path: string, check: RecordCheck, onTorn?: (line: number) => void): AsyncGenerator<{ line: number; value: T }> {
  if (!existsSync(path)) return;
  let pending: { line: number; text: string } | null = null;
  const settle = (p: { line: number; text: string }, last: boolean): { line: number; value: T } | null => {
    const parsed = parseJsonLine(p.text);
    const problem = parsed.ok ? check(parsed.value) : parsed.message;
    if (problem === null && parsed.ok) return { line: p.line, value: parsed.value as T };
    if (last) {
      onTorn?.(p.line);
      return null;
    }
    throw new CorruptRunFileError(path, p.line, problem ?? 'unreadable');
  };
  for await (const raw of readRawLines(path)) {
    if (pending) {
      const r = settle(pending, false);
      if (r) yield r;
    }
    pending = raw;
  }
  if (pending) {
    const r = settle(pending, true);
    if (r) yield r;
  }
}


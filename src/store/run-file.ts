/**
 * Reading the append-only files of a run directory (`samples.jsonl`, `journal.jsonl`). A last line that does not
 * parse is a record a crash cut short: dropped, its work redone. Any other bad line is damage the tool did not
 * make: a located error that names the file, the line and the repair command, so nothing is silently lost. The
 * checks of each file's lines are in record-checks.ts (loaded only when a run file is read).
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
  constructor(file: string, line: number, problem: string, pointer = '') {
    const message =
      `corrupt record (${problem}). Run \`healthbench repair ${dirname(file)}\` to drop the line; ` +
      'the sample it held is redone by the next `healthbench eval --resume` of this directory.';
    super(formatIssue({ file, line, pointer, message }));
    this.file = file;
    this.line = line;
  }
}

/** What is wrong with a record: a message, and where in the record (a JSON pointer, '' for the whole line). */
export interface RecordProblem {
  pointer: string;
  message: string;
}

/** Returns what is wrong with a parsed line, or null when it is a usable record. */
export type RecordCheck = (value: unknown) => string | RecordProblem | null;

function asProblem(problem: string | RecordProblem | null): RecordProblem | null {
  return typeof problem === 'string' ? { pointer: '', message: problem } : problem;
}

/** Why a raw line is not a usable record, or null. */
export function lineProblem(text: string, check: RecordCheck): string | null {
  const parsed = parseJsonLine(text);
  const problem = parsed.ok ? asProblem(check(parsed.value)) : { pointer: '', message: parsed.message };
  if (problem === null) return null;
  return problem.pointer === '' ? problem.message : `${problem.pointer}: ${problem.message}`;
}

/**
 * Streams the records of a run file (nothing when it does not exist). A bad last line is reported to `onTorn` and
 * skipped; a bad line before it throws CorruptRunFileError.
 */
export async function* readRunFile<T>(
  path: string,
  check: RecordCheck,
  onTorn?: (line: number) => void,
): AsyncGenerator<{ line: number; value: T }> {
  if (!existsSync(path)) return;
  let pending: { line: number; text: string } | null = null;
  const settle = (p: { line: number; text: string }, last: boolean): { line: number; value: T } | null => {
    const parsed = parseJsonLine(p.text);
    const problem = parsed.ok ? asProblem(check(parsed.value)) : { pointer: '', message: parsed.message };
    if (problem === null && parsed.ok) return { line: p.line, value: parsed.value as T };
    if (last) {
      onTorn?.(p.line);
      return null;
    }
    throw new CorruptRunFileError(path, p.line, problem?.message ?? 'unreadable', problem?.pointer);
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

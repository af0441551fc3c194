/** Error model: every known failure is a HealthbenchError with a stable code and an exit code. */

export const ExitCode = {
  Ok: 0,
  GateFailed: 1,
  Usage: 2,
  RunFailed: 3,
  Internal: 70,
  Cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class HealthbenchError extends Error {
  abstract readonly code: `HB_${string}`;
  abstract readonly exitCode: ExitCodeValue;
}

/** Bad flags, unknown dataset names, missing keys: the user's input is wrong. Exit 2. */
export class UsageError extends HealthbenchError {
  readonly code = 'HB_USAGE';
  readonly exitCode = ExitCode.Usage;
}

/** One problem in an input file, located as `file:line /json/pointer: message`. */
export interface DataIssue {
  file: string;
  /** 1-based line number; 0 when the problem concerns the whole file. */
  line: number;
  /** JSON pointer inside the record ('' for the record itself). */
  pointer: string;
  message: string;
}

export function formatIssue(issue: DataIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}` : issue.file;
  return `${where} ${issue.pointer || '/'}: ${issue.message}`;
}

/** Every problem found in the input files, collected before failing. Exit 2. */
export class DataValidationError extends HealthbenchError {
  readonly code = 'HB_DATA_INVALID';
  readonly exitCode = ExitCode.Usage;
  readonly issues: DataIssue[];
  constructor(issues: DataIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

/** The run stopped because too many samples failed. Records written so far stay valid. Exit 3. */
export class RunFailedError extends HealthbenchError {
  readonly code = 'HB_RUN_FAILED';
  readonly exitCode = ExitCode.RunFailed;
}

/** The user interrupted the run (SIGINT/SIGTERM). Exit 130. */
export class CancelledError extends HealthbenchError {
  readonly code = 'HB_CANCELLED';
  readonly exitCode = ExitCode.Cancelled;
}

/** A bug: printed with a hint to report it. Exit 70. */
export class InternalError extends HealthbenchError {
  readonly code = 'HB_INTERNAL';
  readonly exitCode = ExitCode.Internal;
}

/**
 * Filesystem failures as known errors: the path, the operating system's reason and what to do, with exit 2 when the
 * path itself is wrong (checked before any model call) and exit 3 when a run fails part-way (it stays resumable).
 */
import { ExitCode, HealthbenchError, type ExitCodeValue } from '../core/errors.js';

/** When the failure happened: while setting up (nothing paid yet) or during / after the run. */
export type FsPhase = 'setup' | 'run';

/** Codes that say "this path cannot be used" rather than "the disk is in trouble". */
const BAD_PATH = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ENOENT', 'ELOOP', 'ENAMETOOLONG']);

const HINTS: Record<string, string> = {
  EEXIST: 'a file is in the way; the path must be a directory (or not exist yet)',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOENT: 'a part of the path does not exist, or is a symbolic link to nothing',
  ELOOP: 'the path loops through symbolic links',
  EROFS: 'the file system is read-only; choose a writable location',
  EACCES: 'permission denied; choose a location you can write to',
  EPERM: 'operation not permitted; choose a location you can write to',
  ENOSPC: 'the disk is full; free some space',
  EDQUOT: 'the disk quota is used up; free some space',
};

export class FsError extends HealthbenchError {
  readonly code = 'HB_FS';
  readonly exitCode: ExitCodeValue;
  readonly path: string;
  readonly errno: string;
  constructor(message: string, path: string, errno: string, exitCode: ExitCodeValue) {
    super(message);
    this.path = path;
    this.errno = errno;
    this.exitCode = exitCode;
  }
}

/** `ENOSPC: no space left on device, write` → `no space left on device`. */
export function osReason(err: NodeJS.ErrnoException): string {
  const m = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '.*')?)?$/s.exec(err.message ?? '');
  return m?.[1] ?? err.message ?? String(err);
}

/**
 * Wraps an fs error: `cannot <action> <path>: <reason> (<CODE>); <hint>. <then>`. Anything that is not an fs error
 * (no `code`) is returned unchanged. `then` is what to do next (e.g. how to resume).
 */
export function fsError(err: unknown, path: string, action: string, phase: FsPhase, then = ''): unknown {
  if (err instanceof HealthbenchError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return err;
  const hint = HINTS[e.code];
  const exit = phase === 'setup' && BAD_PATH.has(e.code) ? ExitCode.Usage : ExitCode.RunFailed;
  const text = `cannot ${action} ${path}: ${osReason(e)} (${e.code})${hint ? `; ${hint}` : ''}.${then ? ` ${then}` : ''}`;
  return new FsError(text, path, e.code, exit);
}

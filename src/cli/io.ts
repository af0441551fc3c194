import { basename, delimiter, dirname, resolve } from 'node:path';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** True when stderr is an interactive terminal (progress bar allowed). */
  isTTY: boolean;
  /** Columns of the terminal on stderr, when it is one. */
  columns?: number | undefined;
  /** Cancellation from SIGINT/SIGTERM, wired by main.ts. */
  signal?: AbortSignal;
  /** How the user runs us, for commands we print (`npx healthbench` unless installed globally). */
  command?: string;
}

/** A command: parses its own flags, does its work, returns the exit code. Throws HealthbenchError for known failures. */
export type CommandRun = (argv: string[], io: CliIo) => Promise<number>;

/**
 * The command a user types to run us again: `healthbench` when we were started by that name from a directory
 * on PATH that is not a project's node_modules/.bin (a global install), else `npx healthbench`, which works
 * in a project that has us as a dependency and in a clone of this repository alike.
 */
export function invocationCommand(entry: string | undefined, env: Record<string, string | undefined>): string {
  if (env['HEALTHBENCH_COMMAND']) return env['HEALTHBENCH_COMMAND'];
  if (!entry || basename(entry) !== 'healthbench') return 'npx healthbench';
  const dir = resolve(dirname(entry));
  if (dir.split(/[\\/]/).slice(-2).join('/') === 'node_modules/.bin') return 'npx healthbench';
  const onPath = (env['PATH'] ?? '').split(delimiter).some((p) => p !== '' && resolve(p) === dir);
  return onPath ? 'healthbench' : 'npx healthbench';
}

/** A path as the user should type it: relative to the working directory when inside it, quoted when needed. */
export function shownPath(path: string, cwd: string): string {
  const abs = resolve(cwd, path);
  const rel = abs.startsWith(`${resolve(cwd)}/`) ? abs.slice(resolve(cwd).length + 1) : abs;
  return /^[\w./@:+-]+$/.test(rel) ? rel : `'${rel.replace(/'/g, `'\\''`)}'`;
}

/** The command prefix for anything we print for the user to run. */
export function commandOf(io: Pick<CliIo, 'command'>): string {
  return io.command ?? 'npx healthbench';
}

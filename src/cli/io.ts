/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** True when stderr is an interactive terminal (progress bar allowed). */
  isTTY: boolean;
  /** Cancellation from SIGINT/SIGTERM, wired by main.ts. */
  signal?: AbortSignal;
}

/** A command: parses its own flags, does its work, returns the exit code. Throws HealthbenchError for known failures. */
export type CommandRun = (argv: string[], io: CliIo) => Promise<number>;

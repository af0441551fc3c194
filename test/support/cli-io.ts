import type { CliIo } from '../../src/cli/io.js';

/** A CliIo that captures stdout and stderr, for calling `main()` in-process. */
export function captureIo(opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): {
  io: CliIo;
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      env: opts.env ?? {},
      cwd: opts.cwd ?? new URL('../..', import.meta.url).pathname,
      isTTY: false,
    },
    out: () => out,
    err: () => err,
  };
}

/** Runs `main()` in process with a captured io; returns the exit code and both streams. */
export async function runCli(
  main: (argv: string[], io: CliIo) => Promise<number>,
  argv: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo(opts);
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

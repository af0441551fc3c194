import { ExitCode, UsageError } from '../../core/errors.js';
import { runStatusLines } from '../../runner/batch/run-status.js';
import { parseFlags } from '../args.js';
import type { CommandRun } from '../io.js';

export const HELP = `Usage: healthbench status DIR

Prints the state of a run directory: run status and samples recorded, and for a --batch run each batch still
running at the provider (status, counts, elapsed time, ETA from the provider's counts). Works for a run started
in another process or on another machine; needs the provider's API key (OPENAI_API_KEY / ANTHROPIC_API_KEY).
`;

export const run: CommandRun = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError(`status: expected one run directory\n\n${HELP}`);
  const { resolve } = await import('node:path');
  io.stdout(`${(await runStatusLines(resolve(io.cwd, dir), io.env)).join('\n')}\n`);
  return ExitCode.Ok;
};

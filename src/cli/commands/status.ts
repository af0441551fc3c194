import { ExitCode } from '../../core/errors.js';
import { runStatusLines } from '../../runner/batch/run-status.js';
import { defineCommand } from '../command.js';

export const HELP = `Usage: healthbench status DIR

Prints the state of a run directory: run status and samples recorded, and for a --batch run each batch still
running at the provider (status, counts, elapsed time, ETA from the provider's counts). Works for a run started
in another process or on another machine; needs the provider's API key (OPENAI_API_KEY / ANTHROPIC_API_KEY).
`;

export const run = defineCommand(
  { name: 'status', help: HELP, flags: {}, args: { min: 1, max: 1, what: 'one run directory' } },
  async ({ positionals }, io) => {
    const [dir = ''] = positionals;
    const nodePath = await import('node:path');
    io.stdout(`${(await runStatusLines(nodePath.resolve(io.cwd, dir), io.env)).join('\n')}\n`);
    return ExitCode.Ok;
  },
);

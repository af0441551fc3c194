import { resolve } from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { repairRun } from '../../store/repair.js';
import { defineCommand } from '../command.js';

export const HELP = `Usage: healthbench repair DIR

Drops the damaged lines of a run directory's record files (samples.jsonl, journal.jsonl, any other .jsonl):
lines that are not JSON, or not records of their file. Each dropped line is listed with the sample it held;
those samples are redone by the next \`healthbench eval --resume DIR\` (same flags). Whole lines are kept
byte for byte. Refused while another process works in DIR.

Exit codes: 0 repaired or nothing to repair, 2 not a run directory or in use.
`;

export const run = defineCommand(
  { name: 'repair', help: HELP, flags: {}, args: { min: 1, max: 1, what: 'one run directory' } },
  async ({ positionals }, io) => {
    const dir = resolve(io.cwd, positionals[0] as string);
    const result = await repairRun(dir);
    if (result.dropped.length === 0) {
      io.stdout(`nothing to repair: every line of ${result.files.join(', ') || 'the run files'} is whole\n`);
      return ExitCode.Ok;
    }
    for (const d of result.dropped) {
      const sample = d.exampleId === null ? 'sample unknown' : `sample ${d.exampleId}${d.repeat === null ? '' : ` (repeat ${d.repeat})`}`;
      io.stdout(`dropped ${d.file}:${d.line} (${d.problem}); ${sample} will be redone\n`);
    }
    io.stdout(`${result.dropped.length} line(s) dropped. Continue the run with: healthbench eval --resume ${dir} (same flags)\n`);
    return ExitCode.Ok;
  },
);

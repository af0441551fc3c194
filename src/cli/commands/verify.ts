import { ExitCode, UsageError } from '../../core/errors.js';
import { renderVerify, verifyRun } from '../../runner/verify.js';
import { parseFlags } from '../args.js';
import type { CommandRun } from '../io.js';

export const HELP = `Usage: healthbench verify RUN_DIR... [options]

Proves a run directory is what the run wrote: every file is checked against the sha256 manifest written
at the end of the run (manifest.json), and report.json is rebuilt from samples.jsonl and compared field
by field. Prints what differs.

Options:
  --json        print the result as JSON
  -h, --help    show this help

Exit codes: 0 verified, 1 a file or a report figure differs (the run was altered),
2 not a finished run directory (no run.json, report.json, selection.json or manifest.json).
`;

const FLAGS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const run: CommandRun = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, FLAGS, true);
  if (values.help === true) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  if (positionals.length === 0) throw new UsageError('verify needs a run directory: healthbench verify RUN_DIR');
  const results = [];
  for (const dir of positionals) results.push(await verifyRun(dir, io.cwd));
  io.stdout(values.json === true ? `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n` : results.map(renderVerify).join('\n'));
  return results.every((r) => r.ok) ? ExitCode.Ok : ExitCode.GateFailed;
};

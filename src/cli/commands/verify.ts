import { ExitCode } from '../../core/errors.js';
import { renderVerify, verifyRun } from '../../runner/verify.js';
import { defineCommand } from '../command.js';

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
} as const;

const ARGS = { min: 1, max: Infinity, what: 'one or more run directories' };

export const run = defineCommand({ name: 'verify', help: HELP, flags: FLAGS, args: ARGS }, async ({ values, positionals }, io) => {
  const results = [];
  for (const dir of positionals) results.push(await verifyRun(dir, io.cwd));
  io.stdout(
    values.json === true
      ? `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`
      : results.map(renderVerify).join('\n'),
  );
  return results.every((r) => r.ok) ? ExitCode.Ok : ExitCode.GateFailed;
});

import { ExitCode, formatIssue } from '../../core/errors.js';
import { relative } from 'node:path';
import { validatePaths } from '../../data/validate-paths.js';
import { loadMedcalcCsv } from '../../medcalc/index.js';
import { loadMetaRows } from '../../tasks/meta/prepare.js';
import { parseFlags } from '../args.js';
import type { CommandRun } from '../io.js';

const HELP = `Usage: healthbench validate PATH...

Checks dataset files and directories: HealthBench .jsonl/.jsonl.gz, our own format (a directory with
conversations/ and rubrics/, or single files of either), meta-eval .jsonl and MedCalc .csv. Prints every
problem as file:line /json/pointer: message and exits 2 if there is any.
`;

export const run: CommandRun = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help || positionals.length === 0) {
    io.stdout(HELP);
    return values.help ? ExitCode.Ok : ExitCode.Usage;
  }
  const { checks, issues } = await validatePaths(positionals, io.cwd, {
    medcalc: async (path) => (await loadMedcalcCsv(path, relative(io.cwd, path) || path)).length,
    meta: async (path) => (await loadMetaRows(path, relative(io.cwd, path) || path)).length,
  });
  for (const c of checks) io.stdout(`ok ${c.path} (${c.kind}, ${c.records} records)\n`);
  for (const issue of issues) io.stderr(`${formatIssue(issue)}\n`);
  if (issues.length > 0) {
    io.stderr(`${issues.length} problem${issues.length === 1 ? '' : 's'} found\n`);
    return ExitCode.Usage;
  }
  return ExitCode.Ok;
};

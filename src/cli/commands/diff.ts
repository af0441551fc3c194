import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, UsageError } from '../../core/errors.js';
import { diffRuns, hasSignificantRegression, loadRunSide, renderDiffMarkdown, writeTextAtomic } from '../../gate/index.js';
import type { CommandRun } from '../io.js';

const HELP = `Usage: healthbench diff BASE HEAD [options]

Compares two runs per group (overall, theme, axis, language, physician category) with a paired,
seeded bootstrap over prompts. BASE and HEAD are run directories or report.json paths (samples.jsonl
must sit next to the report).

Options:
  --out DIR               write diff.json and diff.md into DIR
  --json                  print diff.json instead of the Markdown table
  --fail-on-regression    exit 1 when any group has a significant drop
  --allow-grader-change   compare even if dataset digest, grader or grader template differ (warns)
  --seed N                bootstrap seed (default 0)
  --bootstrap-samples N   bootstrap resamples per group (default 1000)
  --top N                 most-changed samples to list (default 10)
  -h, --help              show this help

Exit codes: 0 ok, 1 significant regression with --fail-on-regression, 2 bad input or runs not comparable.
`;

function intFlag(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got '${value}'`);
  return n;
}

/** parseArgs throws plain TypeErrors; unknown or malformed flags are the user's mistake (exit 2), not a bug. */
function parseFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${HELP}`);
  }
}

/** `healthbench diff BASE HEAD`. */
export const run: CommandRun = async (argv, io) => {
  const { values, positionals } = parseFlags(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        'fail-on-regression': { type: 'boolean', default: false },
        'allow-grader-change': { type: 'boolean', default: false },
        seed: { type: 'string' },
        'bootstrap-samples': { type: 'string' },
        top: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  const [basePath, headPath, ...extra] = positionals;
  if (basePath === undefined || headPath === undefined || extra.length > 0) {
    throw new UsageError(`diff takes exactly two runs (BASE HEAD), got ${positionals.length}\n\n${HELP}`);
  }
  const opts = {
    seed: intFlag('seed', values.seed, 0, 0),
    bootstrapSamples: intFlag('bootstrap-samples', values['bootstrap-samples'], 1000, 1),
    topExamples: intFlag('top', values.top, 10, 0),
    allowGraderChange: values['allow-grader-change'],
  };
  const [base, head] = await Promise.all([loadRunSide(basePath, io.cwd), loadRunSide(headPath, io.cwd)]);
  const diff = diffRuns(base, head, opts);
  const json = `${JSON.stringify(diff, null, 2)}\n`;
  const markdown = renderDiffMarkdown(diff);
  if (values.out !== undefined) {
    const out = resolve(io.cwd, values.out);
    await mkdir(out, { recursive: true });
    await writeTextAtomic(join(out, 'diff.json'), json);
    await writeTextAtomic(join(out, 'diff.md'), markdown);
  }
  for (const w of diff.warnings) io.stderr(`healthbench: warning: ${w}\n`);
  io.stdout(values.json ? json : markdown);
  return values['fail-on-regression'] && hasSignificantRegression(diff) ? ExitCode.GateFailed : ExitCode.Ok;
};

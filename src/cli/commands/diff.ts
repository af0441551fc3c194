import { ExitCode } from '../../core/errors.js';
import { diffRuns, hasSignificantRegression, loadRunSide, renderDiffMarkdown, unfinishedRunWarning } from '../../compare/index.js';
import { writeDiffHtml } from '../../runner/report-html.js';
import { numberFlag, oneOf } from '../args.js';
import { defineCommand, writeOutFiles } from '../command.js';

export const HELP = `Usage: healthbench diff BASE HEAD [options]

Compares two runs per group (overall, theme, axis, language, physician category; MedCalc category)
with a paired, seeded bootstrap over prompts. BASE and HEAD are run directories or report.json paths
(the run's samples.jsonl must sit next to the report).

Options:
  --out DIR               write diff.json, diff.md and diff.html (forest plot, flipped criteria) into DIR
  --json                  print diff.json instead of the Markdown
  --fail-on-regression    exit 1 when any group has a significant drop
  --correction MODE       none (default: a group is significant when its CI excludes 0) | holm (Holm-adjusted
                          bootstrap p-values across the groups, controlling the chance of any false alarm)
  --allow-grader-change   compare even if dataset digest, grader or grader template differ (warns)
  --seed N                bootstrap seed (default: the head run's seed)
  --bootstrap-samples N   bootstrap resamples per group (default 1000)
  --top N                 most-changed samples to list (default 10)
  -h, --help              show this help

Exit codes: 0 ok, 1 significant drop with --fail-on-regression, 2 bad input or runs not comparable.
`;

const FLAGS = {
  out: { type: 'string' },
  json: { type: 'boolean' },
  'fail-on-regression': { type: 'boolean' },
  correction: { type: 'string' },
  'allow-grader-change': { type: 'boolean' },
  seed: { type: 'string' },
  'bootstrap-samples': { type: 'string' },
  top: { type: 'string' },
} as const;

/** `healthbench diff BASE HEAD`: loads both runs, diffs them, prints and writes the result. */
export const run = defineCommand(
  { name: 'diff', help: HELP, flags: FLAGS, args: { min: 2, max: 2, what: 'two runs, BASE and HEAD' } },
  async ({ values, positionals }, io) => {
    const [basePath = '', headPath = ''] = positionals;
    const seed = numberFlag(values.seed, 'seed', { integer: true, min: 0 });
    const bootstrapSamples = numberFlag(values['bootstrap-samples'], 'bootstrap-samples', { integer: true, min: 1 });
    const topExamples = numberFlag(values.top, 'top', { integer: true, min: 0 });
    const correction = oneOf(values.correction, 'correction', ['none', 'holm'], 'none');
    const [base, head] = await Promise.all([loadRunSide(basePath, io.cwd), loadRunSide(headPath, io.cwd)]);
    const diff = diffRuns(base, head, {
      seed: seed ?? head.report.seed,
      allowGraderChange: values['allow-grader-change'] === true,
      correction,
      ...(bootstrapSamples !== undefined && { bootstrapSamples }),
      ...(topExamples !== undefined && { topExamples }),
    });

    const json = `${JSON.stringify(diff, null, 2)}\n`;
    const markdown = renderDiffMarkdown(diff);
    if (values.out !== undefined) {
      const out = await writeOutFiles(io.cwd, values.out, { 'diff.json': json, 'diff.md': markdown });
      await writeDiffHtml(out, diff, { baseDir: base.dir, headDir: head.dir });
    }
    for (const w of diff.warnings) io.stderr(`healthbench: warning: ${w}\n`);
    for (const side of new Set([base.dir, head.dir])) {
      const unfinished = await unfinishedRunWarning(side);
      if (unfinished) io.stderr(`healthbench: warning: ${unfinished}\n`);
    }
    io.stdout(values.json === true ? json : markdown);
    return values['fail-on-regression'] === true && hasSignificantRegression(diff) ? ExitCode.GateFailed : ExitCode.Ok;
  },
);

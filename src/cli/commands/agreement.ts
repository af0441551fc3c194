import { basename } from 'node:path';
import { ExitCode, UsageError } from '../../core/errors.js';
import {
  computeAgreement,
  renderAgreementMarkdown,
  resolveRunPaths,
  unfinishedRunWarning,
  type AgreementSide,
} from '../../compare/index.js';
import { readReportLabel, readSamples } from '../../store/read-run.js';
import { numberFlag } from '../args.js';
import { defineCommand, writeOutFiles } from '../command.js';

export const HELP = `Usage: healthbench agreement RUN_A RUN_B [options]

Verdict agreement and Cohen's kappa between two runs that graded the same responses, e.g. per-criterion
vs --grader-mode batched, or two grader models. Samples are paired by (example, repeat), criteria by text;
samples whose responses differ are left out and counted. Reported overall, per axis and for positive and
negative criteria. RUN_A and RUN_B are run directories (or report.json paths next to samples.jsonl).

Options:
  --out DIR             write agreement.json and agreement.md into DIR
  --json                print agreement.json instead of the Markdown
  --disagreements N     disagreeing criteria to list (default 20)
  -h, --help            show this help

Exit codes: 0 ok, 2 bad input or nothing to compare.
`;

const FLAGS = {
  out: { type: 'string' },
  json: { type: 'boolean' },
  disagreements: { type: 'string' },
} as const;

async function loadSide(path: string, cwd: string) {
  const paths = await resolveRunPaths(path, cwd);
  const samples = await readSamples(paths.dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new UsageError(`${path}: no samples.jsonl; is it a run directory written by \`healthbench eval\`?`);
    throw err;
  });
  // The report only labels the side; a run without one (unfinished) still compares.
  const report = await readReportLabel(paths.reportPath).catch(() => null);
  const warning = await unfinishedRunWarning(paths.dir);
  const side: AgreementSide = {
    label: report?.runId ?? basename(paths.dir),
    grader: report?.grader ? `${report.grader.spec}, ${report.grader.mode}` : null,
  };
  return { samples, side, warning };
}

/** `healthbench agreement RUN_A RUN_B`: how often two runs' verdicts on the same responses agree. */
const ARGS = { min: 2, max: 2, what: 'two runs, RUN_A and RUN_B' };

export const run = defineCommand({ name: 'agreement', help: HELP, flags: FLAGS, args: ARGS }, async ({ values, positionals }, io) => {
  const [pathA = '', pathB = ''] = positionals;
  const maxDisagreements = numberFlag(values.disagreements, 'disagreements', { integer: true, min: 0 });
  const [a, b] = await Promise.all([loadSide(pathA, io.cwd), loadSide(pathB, io.cwd)]);
  for (const w of new Set([a.warning, b.warning])) if (w) io.stderr(`healthbench: warning: ${w}\n`);
  const result = computeAgreement(
    a.samples,
    b.samples,
    { a: a.side, b: b.side },
    maxDisagreements === undefined ? {} : { maxDisagreements },
  );
  if (result.pairing.criteriaPaired === 0) {
    const p = result.pairing;
    throw new UsageError(
      `nothing to compare: ${p.pairedSamples} samples paired (${p.responseMismatch} with different responses, ${p.onlyInA} only in A, ${p.onlyInB} only in B). ` +
        'Agreement needs the same responses graded twice: run the second eval with the same --cache DIR, or grade fixed responses (--responses physician).',
    );
  }
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const markdown = renderAgreementMarkdown(result);
  if (values.out !== undefined) await writeOutFiles(io.cwd, values.out, { 'agreement.json': json, 'agreement.md': markdown });
  io.stdout(values.json === true ? json : markdown);
  return ExitCode.Ok;
});

import { resolve } from 'node:path';
import { ExitCode, UsageError } from '../../core/errors.js';
import { renderAlarms } from '../../compare/drift.js';
import { renderHistoryTable } from '../../report/history.js';
import { historyAlarms, readHistory } from '../../runner/history.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { numberFlag } from '../args.js';
import { defineCommand } from '../command.js';

export const HELP = `Usage: healthbench history DIR... [options]

Finds every finished run under the directories (recursively) and groups them into series: same dataset
(sha256), candidate model, grader and grader template. Prints a table per series, oldest run first: date,
run id, overall and per-theme (MedCalc: per-category) scores with 95% CIs, n, errors and cost.
Shard runs are left out (their merged run stands for them).

Options:
  --json                 print the series as JSON instead of tables
  --html FILE            write a self-contained trend page (score over time with CI bands per theme)
  --alarm                compare each series' latest run with the previous one (paired bootstrap when they
                         share prompts, unpaired otherwise), Holm-corrected across all series and groups;
                         exit 1 naming each significant drop
  --baseline RUN         with --alarm: compare its series' latest run with RUN instead of the previous run
  --alpha A              family-wise error rate of the alarm (default 0.05)
  --seed N               bootstrap seed (default: each latest run's seed)
  --bootstrap-samples N  resamples per group (default 1000)
  --include-shards       list shard runs too
  -h, --help             show this help

Exit codes: 0 ok (no alarm), 1 --alarm found a significant drop, 2 bad input (no runs found, bad flags).
`;

const FLAGS = {
  json: { type: 'boolean' },
  html: { type: 'string' },
  alarm: { type: 'boolean' },
  baseline: { type: 'string' },
  alpha: { type: 'string' },
  seed: { type: 'string' },
  'bootstrap-samples': { type: 'string' },
  'include-shards': { type: 'boolean' },
} as const;

const ARGS = { min: 1, max: Infinity, what: 'one or more directories to search for runs (e.g. reports/)' };

export const run = defineCommand({ name: 'history', help: HELP, flags: FLAGS, args: ARGS }, async ({ values, positionals }, io) => {
  if (values.baseline !== undefined && values.alarm !== true) throw new UsageError('--baseline applies to --alarm; add --alarm');
  const alpha = numberFlag(values.alpha, 'alpha', { min: 1e-6, max: 0.5 }) ?? 0.05;
  const seed = numberFlag(values.seed, 'seed', { integer: true, min: 0 }) ?? null;
  const bootstrapSamples = numberFlag(values['bootstrap-samples'], 'bootstrap-samples', { integer: true, min: 1 }) ?? 1000;
  const history = await readHistory({ roots: positionals, includeShards: values['include-shards'] === true }, io.cwd);
  if (history.series.length === 0)
    throw new UsageError(`no finished runs (directories with a report.json) under ${positionals.join(', ')}`);
  for (const s of history.skipped) io.stderr(`healthbench: skipped ${s.dir}: ${s.reason}\n`);
  const alarms =
    values.alarm === true
      ? await historyAlarms(history, { baseline: values.baseline ?? null, seed, alpha, bootstrapSamples }, io.cwd)
      : null;
  if (values.html !== undefined) {
    const { renderHistoryHtml } = await import('../../report/history-html.js');
    await writeFileAtomic(resolve(io.cwd, values.html), renderHistoryHtml(history.series, alarms));
    io.stderr(`healthbench: trend page written to ${values.html}\n`);
  }
  if (values.json === true)
    io.stdout(`${JSON.stringify({ formatVersion: 1, series: history.series, skipped: history.skipped, alarms }, null, 2)}\n`);
  else io.stdout(`${renderHistoryTable(history.series)}${alarms ? `\n${renderAlarms(alarms, alpha)}` : ''}`);
  return alarms?.some((c) => c.tests.some((t) => t.alarm)) ? ExitCode.GateFailed : ExitCode.Ok;
});

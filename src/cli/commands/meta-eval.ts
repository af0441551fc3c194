import { relative, resolve, join } from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { buildMetaReport } from '../../meta/index.js';
import { runEval } from '../../runner/eval.js';
import { withTestDouble } from '../test-double.js';
import { loadMetaRows } from '../../tasks/meta/prepare.js';
import { metaReportJson } from '../../tasks/meta/report.js';
import { ensureDir, writeFileAtomic } from '../../store/atomic.js';
import { TOOL_VERSION } from '../../version.js';
import { numberFlag, parseFlags } from '../args.js';
import { FLAGS } from '../eval-flags.js';
import { shownPath, type CommandRun } from '../io.js';
import { setUpRun, summaryText } from '../run-setup.js';
import type { PhysiciansOnlyReport } from '../../core/report.js';

const HELP = `Usage: healthbench meta-eval --grader PROVIDER:MODEL [options]
       healthbench meta-eval --physicians-only [--dataset FILE]

Measures a grader against physicians on the HealthBench meta-eval set (healthbench-meta, 29,511 rows,
downloaded and sha256-checked on first use, or a local .jsonl): the grader judges each row's completion
against its consensus criterion (no points), and its pairwise precision / recall / F1 against the
physicians' labels is compared with the physicians' own leave-one-out agreement, per theme.

  --dataset NAME|PATH   healthbench-meta (default) or a meta-eval .jsonl
  --physicians-only     compute the physician baselines from the labels alone (no model, no key)
  --grader, --grader-base-url, --grader-template, --grader-attempts, --limit, --out, --resume,
  --concurrency, --rpm, --tpm, --otpm, --burst, --rate-limit-timeout, --timeout, --max-retries, --max-errors, --cache, --seed,
  --fake-server, --json, --log-level, --log-file: as for \`healthbench eval\`
`;

export const run: CommandRun = async (argv, io) => {
  const { config: _config, profile: _profile, ...metaFlags } = FLAGS;
  const { values } = parseFlags(argv, { ...metaFlags, 'physicians-only': { type: 'boolean' } });
  const { 'physicians-only': _physiciansOnly, ...given } = values;
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  const dataset = values.dataset ?? 'healthbench-meta';
  if (values['physicians-only']) {
    const seed = numberFlag(values.seed, 'seed', { integer: true, min: 0 }) ?? 42;
    const path = resolve(io.cwd, dataset);
    const rows = await loadMetaRows(path, relative(io.cwd, path) || path);
    const meta = buildMetaReport({ rows, seed });
    const out = resolve(io.cwd, values.out ?? join('reports', `physicians-${Date.now()}`));
    const head: Omit<PhysiciansOnlyReport, 'meta'> = {
      formatVersion: 1,
      task: 'meta',
      mode: 'physicians-only',
      tool: { name: 'healthbench', version: TOOL_VERSION },
      dataset,
      seed,
    };
    const built = metaReportJson(meta, head);
    await ensureDir(out);
    await writeFileAtomic(join(out, 'report.json'), `${JSON.stringify(built.json, null, 2)}\n`);
    await writeFileAtomic(join(out, 'report.md'), built.markdown);
    io.stdout(
      values.json
        ? `${JSON.stringify(built.json, null, 2)}\n`
        : `${[...built.summary, `report: ${shownPath(join(out, 'report.md'), io.cwd)}`].join('\n')}\n`,
    );
    return ExitCode.Ok;
  }
  const setup = await setUpRun(given, io, { configFile: false, command: 'meta-eval', defaults: { dataset } });
  const options = { ...setup.options, task: 'meta' as const };
  const { logger, progress } = setup;
  try {
    const result = await withTestDouble(options, setup.deps, (deps) => runEval(options, deps));
    progress.done();
    io.stdout(values.json ? `${JSON.stringify(result.report, null, 2)}\n` : summaryText(result, io.cwd));
    return ExitCode.Ok;
  } catch (err) {
    progress.done();
    throw err;
  } finally {
    logger.flush();
  }
};

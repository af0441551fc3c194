import { relative, resolve, join } from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { createLogger } from '../../log.js';
import { buildMetaReport } from '../../meta/index.js';
import { runEval } from '../../runner/eval.js';
import { loadMetaRows, metaReportJson } from '../../runner/tasks/meta.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { TOOL_VERSION } from '../../version.js';
import { mkdir } from 'node:fs/promises';
import { parseFlags } from '../args.js';
import type { CommandRun } from '../io.js';
import { createProgressBar } from '../progress.js';
import { FLAGS, toEvalOptions } from './eval.js';

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
  const { values } = parseFlags(argv, { ...FLAGS, 'physicians-only': { type: 'boolean' } });
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  const dataset = values.dataset ?? 'healthbench-meta';
  if (values['physicians-only']) {
    const path = resolve(io.cwd, dataset);
    const rows = await loadMetaRows(path, relative(io.cwd, path) || path);
    const seed = Number(values.seed ?? 42);
    const meta = buildMetaReport({ rows, seed });
    const out = resolve(io.cwd, values.out ?? join('reports', `physicians-${Date.now()}`));
    const built = metaReportJson(meta, { formatVersion: 1, task: 'meta', mode: 'physicians-only', tool: { name: 'healthbench', version: TOOL_VERSION }, dataset, seed });
    await mkdir(out, { recursive: true });
    await writeFileAtomic(join(out, 'report.json'), `${JSON.stringify(built.json, null, 2)}\n`);
    await writeFileAtomic(join(out, 'report.md'), built.markdown);
    io.stdout(values.json ? `${JSON.stringify(built.json, null, 2)}\n` : `${[...built.summary, `report: ${out}/report.md`].join('\n')}\n`);
    return ExitCode.Ok;
  }
  const options = { ...toEvalOptions({ ...values, dataset }), task: 'meta' as const };
  const logger = createLogger({ level: values['log-level'] ?? 'warn', file: values['log-file'], secrets: [io.env['OPENAI_API_KEY'] ?? '', io.env['ANTHROPIC_API_KEY'] ?? ''] });
  const bar = createProgressBar(io.stderr, io.isTTY && !values.json);
  try {
    const result = await runEval(options, { cwd: io.cwd, env: io.env, logger, signal: io.signal, onProgress: bar.update });
    bar.done();
    io.stdout(values.json ? `${JSON.stringify(result.report, null, 2)}\n` : `${[...result.summary, `report: ${result.runDir}/report.md`].join('\n')}\n`);
    return ExitCode.Ok;
  } finally {
    logger.flush();
  }
};

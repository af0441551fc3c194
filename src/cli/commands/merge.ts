import { ExitCode, UsageError } from '../../core/errors.js';
import { parseLabels } from '../../runner/audit.js';
import { mergeShards } from '../../runner/merge.js';
import { defineCommand } from '../command.js';

export const HELP = `Usage: healthbench merge SHARD_DIR... --out DIR [options]

Combines the shard runs of one evaluation (\`healthbench eval --shard i/n\`) into one run directory. Its
report.json equals the report of the same evaluation run in one piece, bootstrap CIs included.

The shards must belong together: same dataset (sha256) and selection, models and parameters, grader and
template, seed, repeats and shard count; each shard given once, no example in two shards, all finished.

Options:
  --out DIR            the merged run directory (must be new or empty)
  --allow-partial      merge even if shards are missing; the report and run.json state the gap
  --label KEY=VALUE    record who/what merged it in run.json (repeatable)
  --json               print report.json instead of the summary
  -h, --help           show this help

Exit codes: 0 merged, 2 the shards do not belong together, overlap, or some are missing.
`;

const FLAGS = {
  out: { type: 'string' },
  'allow-partial': { type: 'boolean' },
  label: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

const ARGS = { min: 1, max: Infinity, what: 'the shard run directories (merge SHARD_DIR... --out DIR)' };

export const run = defineCommand({ name: 'merge', help: HELP, flags: FLAGS, args: ARGS }, async ({ values, positionals }, io) => {
  if (values.out === undefined) throw new UsageError('merge needs --out DIR for the merged run directory');
  const result = await mergeShards(
    { dirs: positionals, outDir: values.out, allowPartial: values['allow-partial'] === true, labels: parseLabels(values.label ?? []) },
    io.cwd,
    io.env,
  );
  if (result.missing.length > 0)
    io.stderr(`healthbench: warning: partial merge, shard(s) ${result.missing.join(', ')} missing; the report says so\n`);
  if (values.json === true) io.stdout(`${JSON.stringify(result.report.json, null, 2)}\n`);
  else
    io.stdout(
      `merged ${result.run.mergedFrom?.length ?? 0} shard(s)\n${[...result.report.summary, `report: ${result.runDir}/report.md`].join('\n')}\n`,
    );
  return ExitCode.Ok;
});

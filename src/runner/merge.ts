/**
 * `healthbench merge`: combines the shard runs of one evaluation (`eval --shard i/n`) into one run directory
 * whose report equals, bit for bit, the report of the same evaluation run in one piece.
 */
import { readdir } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { SampleRecord } from '../core/types.js';
import { ensureDir } from '../store/atomic.js';
import { RunStore } from '../store/run-store.js';
import { writeManifest } from '../store/manifest.js';
import { collectAudit } from './audit.js';
import type { RunConfig, RunRecord } from '../core/records.js';
import { configDifferences } from './eval.js';
import { readRecordedRun, rebuildReport, referencePositions, type RecordedRun } from './recorded-run.js';
import { isShardNote, shardOf } from './shard.js';
import type { PlanReport } from '../core/plan.js';
import { writeRunReportHtml } from './report-html.js';
import { reportNotes, type CostReport, type Report } from '../core/report.js';

export interface MergeOptions {
  /** Shard run directories (resolved against `cwd`). */
  dirs: string[];
  outDir: string;
  /** Merge even when shards are missing; the gap is stated in the report and run.json. */
  allowPartial: boolean;
  labels: Record<string, string>;
}

export interface MergeResult {
  runDir: string;
  run: RunRecord;
  report: PlanReport;
  /** Shard indices that were not given (only with `allowPartial`). */
  missing: number[];
}

function withoutShard(config: RunConfig): RunConfig {
  const { shard: _shard, ...rest } = config;
  return rest;
}

/** Every reason the shards do not belong to one evaluation: identity, shard count, overlap, foreign samples. */
function checkShards(runs: RecordedRun[]): string[] {
  const problems: string[] = [];
  const first = runs[0] as RecordedRun;
  for (const r of runs) {
    if (!r.run.config.shard) problems.push(`${r.dir} is not a shard run (its run.json has no shard; was it run with --shard i/n?)`);
    if (r.run.status !== 'completed') problems.push(`${r.dir} has status '${r.run.status}'; finish it first (eval --resume ${r.dir})`);
  }
  if (problems.length > 0) return problems;
  const count = first.run.config.shard?.count;
  for (const r of runs.slice(1)) {
    const diffs = configDifferences(withoutShard(first.run.config), withoutShard(r.run.config));
    if (diffs.length > 0) problems.push(`${r.dir} is not a shard of the same evaluation as ${first.dir}:\n    ${diffs.join('\n    ')}`);
    if (r.run.config.shard?.count !== count)
      problems.push(`${r.dir} is shard ${r.run.config.shard?.index}/${r.run.config.shard?.count}, but ${first.dir} is one of ${count}`);
    if (JSON.stringify(r.selection.exampleIds) !== JSON.stringify(first.selection.exampleIds))
      problems.push(`${r.dir} selected other examples than ${first.dir}`);
  }
  const byIndex = new Map<number, string>();
  for (const r of runs) {
    const index = r.run.config.shard?.index as number;
    const other = byIndex.get(index);
    if (other !== undefined) problems.push(`shard ${index}/${count} given twice: ${other} and ${r.dir}`);
    byIndex.set(index, r.dir);
  }
  const owner = new Map<string, string>();
  for (const r of runs) {
    const shard = r.run.config.shard as { index: number; count: number };
    for (const s of r.samples) {
      const prior = owner.get(s.exampleId);
      if (prior !== undefined && prior !== r.dir) problems.push(`example ${s.exampleId} is in both ${prior} and ${r.dir}`);
      owner.set(s.exampleId, r.dir);
      if (shardOf(s.exampleId, shard.count) !== shard.index)
        problems.push(`${r.dir}: example ${s.exampleId} does not belong to shard ${shard.index}/${shard.count}`);
    }
  }
  return [...new Set(problems)].slice(0, 20);
}

async function ensureEmptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.length > 0) throw new UsageError(`--out ${dir} is not empty; merge writes a new run directory, so name a new one`);
  await ensureDir(dir);
}

/** Sum of the shards' recorded cost estimates per role (null when any shard lacks one). */
function mergedCost(runs: RecordedRun[]): CostReport | undefined {
  const costs = runs.map((r) => r.report.cost);
  const first = costs[0];
  if (first === undefined || costs.some((c) => c === undefined)) return undefined;
  const sum = (key: 'candidate' | 'grader' | 'total'): number | null =>
    costs.reduce<number | null>((acc, c) => {
      const value = c?.[key];
      return acc === null || typeof value !== 'number' ? null : acc + value;
    }, 0);
  return { ...first, candidate: sum('candidate'), grader: sum('grader'), total: sum('total') };
}

/** Merges shard runs into `outDir`. Throws UsageError (exit 2) when they do not belong together or some are missing. */
export async function mergeShards(
  opts: MergeOptions,
  cwd: string,
  env: Record<string, string | undefined>,
  now: () => Date = () => new Date(),
): Promise<MergeResult> {
  if (opts.dirs.length === 0) throw new UsageError('merge needs the shard run directories: healthbench merge DIR... --out DIR');
  const runs: RecordedRun[] = [];
  for (const d of opts.dirs) runs.push(await readRecordedRun(resolve(cwd, d)));
  const problems = checkShards(runs);
  if (problems.length > 0) throw new UsageError(`cannot merge these runs:\n  - ${problems.join('\n  - ')}`);
  const first = runs[0] as RecordedRun;
  const count = first.run.config.shard?.count as number;
  const present = new Set(runs.map((r) => r.run.config.shard?.index as number));
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !present.has(i));
  const missingExamples = first.selection.exampleIds.filter((id) => missing.includes(shardOf(id, count))).length;
  if (missing.length > 0 && !opts.allowPartial) {
    throw new UsageError(
      `shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing (${missingExamples} of ${first.selection.count} examples); ` +
        'pass every shard directory, or --allow-partial to merge what is there (the gap is stated in the report)',
    );
  }
  const runDir = resolve(cwd, opts.outDir);
  await ensureEmptyDir(runDir);
  const samples: SampleRecord[] = runs.flatMap((r) => r.samples);
  const positions = referencePositions(first.selection, samples, runDir);
  const order = samples.map((s, i) => ({ s, p: positions[i] as number })).sort((a, b) => a.p - b.p);
  const notes = reportNotes(first.report).filter((n) => !isShardNote(n));
  if (missing.length > 0) {
    notes.push(
      `PARTIAL MERGE: shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing, so ${missingExamples} of the ${first.selection.count} selected examples are not in these figures.`,
    );
  }
  const finished = now();
  const runId = basename(runDir);
  const report = await rebuildReport(
    first,
    order.map((o) => o.s),
    order.map((o) => o.p),
    { runId, createdAt: finished.toISOString(), notes },
  );
  const cost = mergedCost(runs);
  if (cost) report.json['cost'] = cost;
  const store = new RunStore(runDir);
  await store.writeText('samples.jsonl', order.map((o) => `${JSON.stringify(o.s)}\n`).join(''));
  const createdAt = runs.map((r) => r.run.createdAt).sort()[0] as string;
  const run: RunRecord = {
    formatVersion: 1,
    runId,
    status: 'completed',
    tool: first.run.tool,
    createdAt,
    updatedAt: finished.toISOString(),
    finishedAt: finished.toISOString(),
    attempts: 1,
    testDouble: first.run.testDouble,
    config: withoutShard(first.run.config),
    progress: { done: samples.length, total: samples.length, errors: samples.filter((s) => s.error !== null).length, skipped: 0 },
    error: missing.length > 0 ? `partial merge: shard(s) ${missing.join(', ')} of ${count} missing` : null,
    audit: await collectAudit(env, opts.labels),
    mergedFrom: runs
      .map((r) => ({
        runId: r.run.runId,
        dir: r.dir,
        shard: r.run.config.shard as { index: number; count: number },
        samples: r.samples.length,
      }))
      .sort((a, b) => a.shard.index - b.shard.index),
  };
  await store.writeText('selection.json', `${JSON.stringify(first.selection)}\n`);
  await store.writeText('report.json', `${JSON.stringify(report.json, null, 2)}\n`);
  await store.writeText('report.md', report.markdown);
  await store.writeRunJson(run);
  await writeRunReportHtml(runDir, report.json as unknown as Report);
  await writeManifest(runDir, finished);
  return { runDir, run, report, missing };
}

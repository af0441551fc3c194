/**
 * `healthbench history`: finds every finished run under some directories, groups them into series and, with
 * `--alarm`, compares each series' latest run with its previous one (or a chosen baseline) for drift.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { compareForDrift, decideAlarms, type DriftComparison } from '../compare/drift.js';
import { loadReport, loadRunSide } from '../compare/index.js';
import {
  groupHistory,
  historyRun,
  seriesIdentity,
  seriesKey,
  type HistoryRun,
  type HistorySeries,
  type SeriesIdentity,
} from '../report/history.js';
import type { RunRecord } from '../core/records.js';
import { readRunRecord } from '../store/read-run.js';

export interface HistoryOptions {
  roots: string[];
  /** Also list shard runs (normally their merged run stands for them). @default false */
  includeShards: boolean;
}

export interface HistoryResult {
  series: HistorySeries[];
  /** Shard runs left out, and directories whose report.json could not be read, with the reason. */
  skipped: Array<{ dir: string; reason: string }>;
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

/** Every directory under `root` (itself included) that holds a report.json. */
async function findRunDirs(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      `${root}: cannot read directory (${err.code ?? err.message}); history takes directories that contain run directories`,
    );
  });
  const out: string[] = entries.some((e) => e.isFile() && e.name === 'report.json') ? [root] : [];
  for (const e of entries) {
    if (e.isDirectory() && !SKIP_DIRS.has(e.name)) out.push(...(await findRunDirs(join(root, e.name))));
  }
  return out;
}

/**
 * run.json, validated; null when it is missing or not a run.json of this format (older runs): it only adds labels and
 * the shard / meta-eval skip rules, so such a run is listed from its report.json alone.
 */
async function readRunJson(dir: string): Promise<RunRecord | null> {
  return readRunRecord(join(dir, 'run.json')).catch(() => null);
}

/** Reads every run under the roots into series, oldest run first. */
export async function readHistory(opts: HistoryOptions, cwd: string): Promise<HistoryResult> {
  const dirs = new Set<string>();
  for (const r of opts.roots) for (const d of await findRunDirs(resolve(cwd, r))) dirs.add(d);
  const entries: Array<{ identity: SeriesIdentity; run: HistoryRun }> = [];
  const skipped: HistoryResult['skipped'] = [];
  for (const dir of [...dirs].sort()) {
    const run = await readRunJson(dir);
    if (run?.config?.shard && !opts.includeShards) {
      skipped.push({
        dir,
        reason: `shard ${run.config.shard.index}/${run.config.shard.count} (merge the shards; --include-shards lists it)`,
      });
      continue;
    }
    if (run?.config?.task === 'meta') {
      skipped.push({ dir, reason: 'a meta-eval run (it measures a grader, not a model; compare those with `diff`)' });
      continue;
    }
    try {
      const { report } = await loadReport(dir, cwd);
      entries.push({ identity: seriesIdentity(report), run: historyRun(dir, report, run?.audit?.labels ?? {}) });
    } catch (err) {
      skipped.push({ dir, reason: (err as Error).message.split('\n')[0] ?? 'unreadable report.json' });
    }
  }
  return { series: groupHistory(entries), skipped };
}

export interface AlarmOptions {
  /** A run to compare each series' latest run with, instead of the previous run (applies to its own series). */
  baseline: string | null;
  seed: number | null;
  alpha: number;
  bootstrapSamples: number;
}

/** Drift comparisons for every series with something to compare, Holm-corrected together. */
export async function historyAlarms(history: HistoryResult, opts: AlarmOptions, cwd: string): Promise<DriftComparison[]> {
  let baselineKey: string | null = null;
  let baselineDir: string | null = null;
  if (opts.baseline !== null) {
    const { report, dir } = await loadReport(opts.baseline, cwd);
    baselineKey = seriesKey(seriesIdentity(report));
    baselineDir = dir;
    if (!history.series.some((s) => s.key === baselineKey)) {
      throw new UsageError(
        `--baseline ${opts.baseline}: no run in the history has its dataset, candidate, grader and template (${baselineKey})`,
      );
    }
  }
  const comparisons: DriftComparison[] = [];
  for (const s of history.series) {
    const head = s.runs[s.runs.length - 1];
    const baseDir = s.key === baselineKey ? baselineDir : (s.runs[s.runs.length - 2]?.dir ?? null);
    if (!head || baseDir === null || baseDir === head.dir) continue;
    const [base, latest] = await Promise.all([loadRunSide(baseDir, cwd), loadRunSide(head.dir, cwd)]);
    comparisons.push(
      compareForDrift(s.key, base, latest, {
        seed: opts.seed ?? latest.report.seed,
        alpha: opts.alpha,
        bootstrapSamples: opts.bootstrapSamples,
      }),
    );
  }
  return decideAlarms(comparisons, { alpha: opts.alpha });
}

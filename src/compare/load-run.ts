/**
 * Edge of the compare folder: loads run sides and reports from disk for `diff`, `gate`, `agreement`, `history` and
 * `eval --baseline`, so the CLI commands stay thin.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DataValidationError, HealthbenchError, UsageError } from '../core/errors.js';
import type { SampleRecord } from '../core/types.js';
import type { Report } from '../report/types.js';
import { readSamples, readSavedReport } from '../store/read-run.js';
import type { RunSide } from './diff-runs.js';

/** Where a run's files are. */
export interface RunPaths {
  /** The run directory (holds samples.jsonl). */
  dir: string;
  reportPath: string;
}

/** Resolves a run directory or a `report.json` path (relative to `cwd`) to the run's files. */
export async function resolveRunPaths(path: string, cwd: string): Promise<RunPaths> {
  const abs = resolve(cwd, path);
  const info = await stat(abs).catch(() => null);
  if (info === null) throw new UsageError(`${path}: no such file or directory (expected a run directory or a report.json)`);
  if (info.isDirectory()) return { dir: abs, reportPath: join(abs, 'report.json') };
  return { dir: dirname(abs), reportPath: abs };
}

/**
 * A warning when the run in `dir` did not finish (run.json says running, cancelled or failed): its figures cover only
 * the samples done so far. Null for a completed run, or a directory without a readable run.json.
 */
export async function unfinishedRunWarning(dir: string): Promise<string | null> {
  const run = await readFile(join(dir, 'run.json'), 'utf8')
    .then((t) => JSON.parse(t) as { status?: unknown; progress?: { done?: number; total?: number } | null })
    .catch(() => null);
  if (!run || run.status === 'completed' || typeof run.status !== 'string') return null;
  const p = run.progress;
  const done = p && typeof p.done === 'number' && typeof p.total === 'number' ? `, ${p.done} of ${p.total} samples done` : '';
  return `${dir} is an unfinished run (status ${run.status}${done}); its figures cover only the finished samples. Finish it with: healthbench eval --resume ${dir} (same flags)`;
}

/** Reads report.json through its schema (a damaged one is a located error); only a scored report can be compared. */
export async function loadReport(path: string, cwd: string): Promise<RunPaths & { report: Report }> {
  const paths = await resolveRunPaths(path, cwd);
  const report = await readSavedReport(paths.reportPath).catch((err: NodeJS.ErrnoException) => {
    if (err instanceof HealthbenchError) throw err;
    if (err.code === 'ENOENT') {
      throw new UsageError(`${paths.reportPath}: not found; is ${path} a run directory written by \`healthbench eval\`?`);
    }
    throw new DataValidationError([{ file: paths.reportPath, line: 0, pointer: '', message: `cannot read report: ${err.message}` }]);
  });
  if (report.task === 'meta') {
    const message =
      'a meta-evaluation report measures a grader and has no overall score to compare; compare two meta-eval runs by their report.md';
    throw new DataValidationError([{ file: paths.reportPath, line: 0, pointer: '/task', message }]);
  }
  return { ...paths, report };
}

/** Loads one side of a comparison: report.json plus the samples.jsonl next to it. */
export async function loadRunSide(path: string, cwd: string): Promise<RunSide & RunPaths> {
  const loaded = await loadReport(path, cwd);
  const samplesPath = join(loaded.dir, 'samples.jsonl');
  let samples: SampleRecord[];
  try {
    samples = await readSamples(loaded.dir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (err instanceof HealthbenchError) throw err;
    if (e.code === 'ENOENT') {
      throw new UsageError(`${samplesPath}: not found; diffs pair samples, so the report needs its run's samples.jsonl`);
    }
    throw new DataValidationError([{ file: samplesPath, line: 0, pointer: '', message: `cannot read samples: ${e.message}` }]);
  }
  return { runId: loaded.report.runId, report: loaded.report, samples, dir: loaded.dir, reportPath: loaded.reportPath };
}

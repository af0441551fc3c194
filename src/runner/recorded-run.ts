/**
 * A finished run read back from its directory, and its report rebuilt from samples.jsonl alone: what
 * `healthbench merge` and `healthbench verify` stand on. The rebuild needs no dataset and no model: the
 * selection (selection.json) gives the reference order, report.json and run.json the run's identity.
 */
import { join } from 'node:path';
import { HealthbenchError, UsageError } from '../core/errors.js';
import type { SampleRecord } from '../core/types.js';
import type { Report, SavedReport } from '../core/report.js';
import { readRunRecord, readSamples, readSavedReport, readSelection } from '../store/read-run.js';
import { isTaskName, type RunRecord } from '../core/records.js';
import type { SelectionFile } from './shard.js';
import { addFinishReasons } from '../report/finish-reasons.js';
import type { PlanReport } from '../core/plan.js';
import type { AnyTask } from '../core/task.js';
import { loadTask } from '../tasks/index.js';

/** A run directory's records. */
export interface RecordedRun {
  dir: string;
  run: RunRecord;
  report: SavedReport;
  selection: SelectionFile;
  /** The latest record of each (example, repeat). */
  samples: SampleRecord[];
}

/** Reads one saved file of the run through its validated reader; a missing or unreadable file says what it means. */
async function readSaved<T>(dir: string, name: string, why: string, read: (path: string) => Promise<T>): Promise<T> {
  const path = join(dir, name);
  return read(path).catch((err: NodeJS.ErrnoException) => {
    if (err instanceof HealthbenchError) throw err;
    if (err.code === 'ENOENT') throw new UsageError(`${path}: not found; ${why}`);
    throw new UsageError(`${path}: cannot read (${err.code ?? err.message})`);
  });
}

/** Reads run.json, report.json, selection.json and samples.jsonl of a finished run. */
export async function readRecordedRun(dir: string): Promise<RecordedRun> {
  const run = await readSaved(dir, 'run.json', 'is this a run directory written by `healthbench eval`?', (p) => readRunRecord(p));
  const report = await readSaved(
    dir,
    'report.json',
    `the run has status '${run.status}'; only a completed run has a report`,
    readSavedReport,
  );
  const selection = await readSaved(
    dir,
    'selection.json',
    'runs written before selection.json existed cannot be merged or verified; re-run them',
    readSelection,
  );
  const samples = await readSamples(dir).catch((err: NodeJS.ErrnoException) => {
    // A damaged line is already a located error naming the repair command.
    if (err instanceof HealthbenchError) throw err;
    throw new UsageError(`${join(dir, 'samples.jsonl')}: cannot read (${err.code ?? err.message})`);
  });
  return { dir, run, report, selection, samples };
}

/** Positions in the whole run's reference order: repeat × selected + rank (docs/healthbench.md §9). */
export function referencePositions(selection: SelectionFile, samples: readonly SampleRecord[], where: string): number[] {
  const rank = new Map(selection.exampleIds.map((id, i) => [id, i]));
  return samples.map((s) => {
    const r = rank.get(s.exampleId);
    if (r === undefined)
      throw new UsageError(`${where}: sample ${s.exampleId} is not in the run's selection.json; the run directory was altered`);
    return s.repeat * selection.count + r;
  });
}

/** What differs from the recorded report in a rebuilt one, besides the samples. */
export interface RebuildIdentity {
  runId: string;
  createdAt: string;
  notes: string[];
}

/** The recorded identity every rebuilt report carries. */
interface RebuildContext {
  runId: string;
  createdAt: string;
  toolVersion: string;
  model: Report['model'];
  grader: Report['grader'];
  seed: number;
  repeats: number;
  testDouble: boolean;
}

/**
 * Rebuilds report.json / report.md from samples with the recorded run's identity (dataset, models, grader,
 * seed, repeats). The same samples in the same reference order give the same figures, bit for bit.
 */
export async function rebuildReport(
  recorded: Pick<RecordedRun, 'run' | 'report' | 'selection'>,
  samples: readonly SampleRecord[],
  positions: readonly number[],
  identity: RebuildIdentity,
): Promise<PlanReport> {
  const r = recorded.report;
  const ordered = samples.map((sample, i) => ({ position: positions[i] as number, sample })).sort((a, b) => a.position - b.position);
  const rc: RebuildContext = {
    runId: identity.runId,
    createdAt: identity.createdAt,
    toolVersion: r.tool.version,
    // A meta-evaluation report records neither a candidate nor repeats (its rebuild reads neither).
    model: r.task === 'meta' ? null : r.model,
    grader: r.grader,
    seed: r.seed,
    repeats: r.task === 'meta' ? 1 : r.repeats,
    testDouble: r.testDouble,
  };
  const built = await rebuildTaskReport(recorded, ordered, rc, identity);
  addFinishReasons(built, samples);
  return built;
}

async function rebuildTaskReport(
  recorded: Pick<RecordedRun, 'run' | 'report' | 'selection'>,
  ordered: Array<{ position: number; sample: SampleRecord }>,
  rc: RebuildContext,
  identity: RebuildIdentity,
): Promise<PlanReport> {
  const r = recorded.report;
  if (!isTaskName(r.task)) {
    throw new UsageError(
      `run ${String(r.runId)} has an unknown task '${String(r.task)}'; merge and verify rebuild HealthBench, MedCalc-Bench and meta-eval reports`,
    );
  }
  const task: AnyTask = await loadTask(r.task);
  return task.rebuild(ordered, { run: recorded.run, report: r, notes: identity.notes }, rc);
}

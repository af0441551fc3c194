import type { BootstrapCache } from '../scoring/aggregate.js';
import type { ModelSpec } from './run-facts.js';
import type { TaskName } from './records.js';
import type { DatasetInfo, GraderInfo, ModelInfo, SavedReport } from './report.js';
import type { TaskEvaluator, WorkItem } from './task.js';
import type { SampleDetail, SampleRecord } from './types.js';

/** What the generic runner needs to know about one benchmark task once its data is loaded and checked. */
export interface TaskPlan<Payload = unknown, Detail extends SampleDetail = SampleDetail, R extends SavedReport = SavedReport> {
  task: TaskName;
  dataset: DatasetInfo;
  /** Task-specific settings that identify the run (prompt style, compat mode, labels, response mode...). */
  identity: Record<string, unknown>;
  /** Work items in the run. */
  total: number;
  /** Ids of the selected examples (after `--limit`) in reference order: a sample's position is repeat × length + index. */
  selectedIds: readonly string[];
  /** The work, streamed. */
  items(): AsyncIterable<WorkItem<Payload>>;
  evaluator: TaskEvaluator<Payload, Detail>;
  needsCandidate: boolean;
  needsGrader: boolean;
  /** Position of a sample in the reference order, so aggregation order (and pairwise means) never depend on timing. */
  position: (sample: Pick<SampleRecord, 'exampleId' | 'repeat'>) => number;
  /** Builds report.json (as an object), report.md and the lines printed on stdout. */
  report(samples: ReadonlyArray<SampleRecord<Detail>>, ctx: PlanReportContext): PlanReport<R>;
  /**
   * The bootstraps `report` will draw from these samples (in reference order): whether it clips, and each stream name
   * with its values. The runner draws them ahead, on two threads, and passes them as `bootstrapCache`; without it the
   * report draws its own. Either way the figures are the same.
   */
  bootstraps?(samples: ReadonlyArray<SampleRecord<Detail>>): { clip: boolean; series: Array<[string, number[]]> };
  /** Labels that qualify the figures. */
  notes: string[];
}

export interface PlanReportContext {
  runId: string;
  createdAt: string;
  toolVersion: string;
  model: ModelInfo | null;
  grader: GraderInfo | null;
  seed: number;
  repeats: number;
  testDouble: boolean;
  /** Bootstraps computed ahead (in another thread) for this report; figures are the same with or without them. */
  bootstrapCache?: BootstrapCache;
}

/** A built report: report.json (typed; the runner adds its extras in place), report.md and the stdout summary. */
export interface PlanReport<R extends SavedReport = SavedReport> {
  json: R;
  markdown: string;
  summary: string[];
}

/** The grader template a task renders its prompts with. */
export interface TemplateInfo {
  text: string;
  sha256: string;
  official: boolean;
}

/** Inputs common to every task's `prepare`. */
export interface PrepareContext {
  cwd: string;
  env: Record<string, string | undefined>;
  limit: number | undefined;
  repeats: number;
  template: TemplateInfo;
  graderSpecs: ModelSpec[];
}

/** Orders samples by their reference position. */
export function inReferenceOrder(samples: readonly SampleRecord[], position: (s: SampleRecord) => number): SampleRecord[] {
  return samples
    .map((s) => ({ p: position(s), s }))
    .sort((a, b) => a.p - b.p)
    .map((x) => x.s);
}

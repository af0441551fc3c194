/**
 * `report.json` as written: one shape per task (HealthBench and MedCalc-Bench share the scored layout, the
 * meta-evaluation has its own), plus what the runner adds once the task built it (finish reasons, batch mode,
 * cost, diff, gate). Saved types: changing a field means bumping `formatVersion`.
 */
import type { GateResult } from '../gate/evaluate-gate.js';
import type { RunDiff } from '../compare/diff-runs.js';
import type { MetaReport as MetaFigures } from '../meta/report.js';
import type { LengthAdjustmentReport } from '../report/length-report.js';
import type { GroupSummary, TokenUsage } from './types.js';

/** Estimated cost of a run's recorded token usage (absent for test-double runs and reports without usage). */
export interface CostReport {
  currency: 'USD';
  pricesAsOf: string;
  /** null where a model has no known price. */
  candidate: number | null;
  grader: number | null;
  total: number | null;
  note: string;
  /** `batch` when requests answered through the batch services were billed at the batch discount. */
  pricing: 'list' | 'batch';
}

/** `--batch` runs: how many requests went through the providers' batch services. */
export interface BatchReport {
  batches: number;
  requestsThroughBatches: number;
  liveCallsThisProcess: number;
  pricing: string;
}

/** What the runner adds to a task's report.json after the task built it (absent when not applicable). */
export interface ReportExtras {
  /** Candidate finish reasons counted over the samples (absent when no sample recorded one). */
  finishReasons?: Record<string, number>;
  batch?: BatchReport;
  cost?: CostReport;
  /** Filled by `eval --baseline`. */
  diff?: RunDiff;
  /** Filled by `eval --gate`. */
  gate?: GateResult;
}

/** MedCalc-Bench's own section of report.json. */
export interface MedcalcSection {
  promptStyle: string;
  compat: string;
  /** The physician-corrected labels applied (`--labels`), or null. */
  labels: MedcalcLabelsInfo | null;
  /** Results in the upstream repository's format: accuracy and std by category and overall. */
  upstreamResults: Record<string, { average: number; std: number }>;
  worstCalculators: WorstCalculator[];
}

export interface MedcalcLabelsInfo {
  file: string;
  sha256: string;
  changed: number;
  naLabels: number;
  unlabelledDropped: number;
  naPolicy: string;
}

/** One of the calculators with the lowest accuracy, with up to three wrong answers. */
export interface WorstCalculator {
  calculatorId: number;
  name: string;
  accuracy: number;
  n: number;
  wrong: Array<{ rowNumber: unknown; extracted: unknown; groundTruth: unknown; lowerLimit: unknown; upperLimit: unknown }>;
}

/** `report.json` of a scored run (HealthBench, MedCalc-Bench), format version 1. Keys are written in this order. */
export interface Report extends ReportExtras {
  formatVersion: 1;
  runId: string;
  createdAt: string;
  /** Which task the run evaluated. */
  task: 'healthbench' | 'medcalc' | 'meta';
  tool: { name: 'healthbench'; version: string };
  dataset: DatasetInfo;
  model: ModelInfo | null;
  grader: GraderInfo | null;
  seed: number;
  repeats: number;
  /** True when the models were the bundled test double (`--fake-server`): figures mean nothing. */
  testDouble: boolean;
  /** Labels that qualify the figures (baseline mode, batched grading, compat modes...). */
  notes: string[];
  overall: GroupSummary & { errors: number };
  byTheme: Record<string, GroupSummary>;
  byAxis: Record<string, GroupSummary>;
  byLanguage: Record<string, GroupSummary>;
  /** Other roll-ups by family (`category`, `calculator`, `cluster`, `physician_agreed_category`, `group`). */
  byGroup: Record<string, Record<string, GroupSummary>>;
  /** The reference's flat metric map with its exact key names (HealthBench), or the task's own. */
  metrics: Record<string, number>;
  usage: Record<string, TokenUsage>;
  errors: ReportError[];
  /** Lowest-scoring examples with the criteria they missed. */
  lowest: LowScoringExample[];
  /** Mean length of the graded responses in characters (Unicode code points), when recorded. */
  meanResponseChars?: number;
  /** With a length adjustment: the adjusted headline (= `lengthAdjustment.overall.adjusted`), named like its metric. */
  overall_score_length_adjusted?: GroupSummary;
  /** With a length adjustment: its constants and the adjusted scores beside the raw ones (docs/professional.md §2). */
  lengthAdjustment?: LengthAdjustmentReport;
  /** With several graders: the overall score under each grader alone. */
  graderScores?: Record<string, GroupSummary>;
  /** With several graders: verdict agreement of each pair over the criteria both judged. */
  graderAgreement?: Array<{ a: string; b: string; n: number; percentAgreement: number | null; kappa: number | null }>;
  /** MedCalc-Bench only: prompt style, compat mode, labels, upstream-format results, worst calculators. */
  medcalc?: MedcalcSection;
}

/** report.json of a HealthBench run. */
export interface HealthbenchReport extends Report {
  task: 'healthbench';
}

/** report.json of a MedCalc-Bench run. */
export interface MedcalcReport extends Report {
  task: 'medcalc';
  medcalc: MedcalcSection;
}

/** An error listed in a meta-evaluation report. */
export interface MetaReportError {
  exampleId: string;
  stage: string | undefined;
  message: string | undefined;
}

/** report.json of a meta-evaluation run (`meta-eval --grader`), format version 1. Keys are written in this order. */
export interface MetaRunReport extends ReportExtras {
  formatVersion: 1;
  runId: string;
  createdAt: string;
  task: 'meta';
  tool: { name: 'healthbench'; version: string };
  dataset: DatasetInfo;
  grader: GraderInfo | null;
  seed: number;
  testDouble: boolean;
  errors: MetaReportError[];
  meta: MetaFigures;
  /** A meta-evaluation records no usage in its report, so it has no cost. */
  usage?: never;
}

/** report.json of `meta-eval --physicians-only` (no run directory, no grader). */
export interface PhysiciansOnlyReport {
  formatVersion: 1;
  task: 'meta';
  mode: 'physicians-only';
  tool: { name: 'healthbench'; version: string };
  /** The dataset as given on the command line. */
  dataset: string;
  seed: number;
  meta: MetaFigures;
}

/** Every report.json a run directory can hold. */
export type SavedReport = HealthbenchReport | MedcalcReport | MetaRunReport;

export interface DatasetInfo {
  name: string;
  /** sha256 of the dataset content as loaded (file bytes, or canonical records for directories). */
  sha256: string;
  /** `match` / `mismatch` / `unknown` against the official hash, or `n/a` for own data. */
  officialSha256: 'match' | 'mismatch' | 'unknown' | 'n/a';
  /** Examples selected for the run (after `--limit`), before repeats. */
  count: number;
  version?: string;
}

export interface ModelInfo {
  spec: string;
  params: Record<string, unknown>;
}

export interface GraderInfo {
  spec: string;
  params: Record<string, unknown>;
  templateSha256: string;
  officialTemplate: boolean;
  mode: 'per-criterion' | 'batched';
}

export interface ReportError {
  exampleId: string;
  repeat: number;
  stage: string;
  message: string;
}

export interface LowScoringExample {
  exampleId: string;
  repeat: number;
  score: number;
  theme: string | null;
  /**
   * The criteria that cost points: positive ones not met and negative (harmful) ones met. `met` says which,
   * so a triggered harmful item is not mistaken for a missed one.
   */
  missed: Array<{ text: string; points: number; met: boolean }>;
  /** The start of the candidate's response (at most {@link RESPONSE_EXCERPT_CHARS} characters); null when unknown. */
  response: string | null;
}

/** Characters of a response kept in report.json's lowest-scoring examples. */
export const RESPONSE_EXCERPT_CHARS = 600;

/** The notes qualifying a report's figures (a meta-evaluation report has none). */
export function reportNotes(report: SavedReport): string[] {
  return 'notes' in report ? (report.notes ?? []) : [];
}

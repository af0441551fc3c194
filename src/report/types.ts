import type { GroupSummary, TokenUsage } from '../core/types.js';
import type { LengthAdjustmentReport } from './length-report.js';

/** `report.json`, format version 1. Keys are written in this order. */
export interface Report {
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
  medcalc?: Record<string, unknown>;
  /** Filled by `eval --gate` / `--baseline`. */
  gate?: unknown;
  diff?: unknown;
}

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

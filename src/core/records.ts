/**
 * The saved records of a run directory besides report.json (core/report.ts): `run.json` (RunRecord with its
 * RunConfig) and the task-specific `detail` of a `samples.jsonl` record. Changing a field means bumping
 * `formatVersion`.
 */
import type { PacingEntry, Progress, RunAudit, SamplingParams, ShardRecord, ShardSpec } from './run-facts.js';
import type { SampleRecord } from './types.js';

/** The benchmarks a run can evaluate. */
export type TaskName = SampleRecord['task'];
export const TASK_NAMES: readonly TaskName[] = ['healthbench', 'medcalc', 'meta'];

/** Whether a name read from a file is one of the benchmarks. */
export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

/** What run.json records of how a run was asked for: enough to resume it with `--resume DIR` alone. */
export interface EffectiveConfig {
  /** The config file read, if any, and the profile applied. */
  file: string | null;
  profile: string | null;
  /** Option values by flag name (paths absolute). */
  options: Record<string, unknown>;
}

/** The configuration that identifies a run: resuming requires it to be identical. */
export interface RunConfig {
  task: TaskName;
  dataset: { name: string; sha256: string; officialSha256: string; limit: number | null; count: number; version?: string };
  model: { spec: string; params: SamplingParams } | null;
  graders: Array<{ spec: string; params: SamplingParams; templateSha256: string; officialTemplate: boolean }>;
  graderAttempts: number;
  /** Task-specific settings (response mode, prompt style, compat mode, labels...). */
  taskSettings: Record<string, unknown>;
  seed: number;
  repeats: number;
  /** Set for a shard run only (`--shard i/n`). */
  shard?: ShardSpec;
}

/** `run.json`: what was run, and how far it got. */
export interface RunRecord {
  formatVersion: 1;
  runId: string;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  tool: { name: 'healthbench'; version: string };
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  attempts: number;
  testDouble: boolean;
  config: RunConfig;
  progress: Progress | null;
  error: string | null;
  /** Who or what ran the latest attempt, where, with which build of the tool. */
  audit?: RunAudit;
  /** A shard run: which part of the selection it evaluated. */
  shard?: ShardRecord;
  /** A run written by `healthbench merge`: the shard runs it combines. */
  mergedFrom?: Array<{ runId: string; dir: string; shard: ShardSpec; samples: number }>;
  /** How the latest attempt paced its calls per endpoint: limits and their source, 429s, waits (also in report.md). */
  pacing?: PacingEntry[];
  /** The options the run was started with (absent in runs written before it was recorded). */
  effectiveConfig?: EffectiveConfig;
}

/** `detail` of a HealthBench sample: the response length, and the physicians' group of a baseline completion. */
export type HealthbenchDetail = {
  /** Physician / reference baselines: the group the completion belongs to (docs/healthbench.md §10). */
  idealCompletionsGroup?: string;
  /** Length of the graded response in code points (absent in records of older versions). */
  responseChars?: number;
};

/** `detail` of a MedCalc-Bench sample: what was extracted from the response and what it was checked against. */
export type MedcalcDetail = {
  rowNumber: number;
  calculatorId: number;
  calculatorName: string;
  category: string;
  noteId: string;
  /** The normalised answer, or null when extraction raised. */
  extracted: string | null;
  explanation: string;
  groundTruth: string;
  lowerLimit: string;
  upperLimit: string;
  correct: boolean;
  /** `<extract|check>:<PythonException>` when the reference would have raised. */
  extractionError: string | null;
};

/** `detail` of a meta-evaluation sample: the physicians' labels, and the grader's verdict once graded. */
export type MetaDetail = {
  category: string;
  binaryLabels: boolean[];
  physicianIds: string[];
  verdict?: boolean;
};

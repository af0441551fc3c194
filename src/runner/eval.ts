import type { RunLogger } from '../log.js';
import type { EffectiveConfig, RunRecord } from '../core/records.js';
import type { SavedReport } from '../core/report.js';
import type { StoreIo } from '../store/atomic.js';
import type { GateResult } from '../gate/index.js';
import type { LengthAdjustmentChoice } from '../tasks/index.js';
import type { BatchSettings } from './batch-settings.js';
import type { Progress } from './execute.js';
import type { ShardSpec } from './shard.js';
import { prepareRun, type TestDoubleEndpoints } from './prepare.js';
import { openRun } from './run-dir.js';
import { ReportAhead } from './report-ahead.js';
import { runCalls } from './run-calls.js';

export { configDifferences, resolveMaxErrors, taskForDataset } from './settings.js';
export type { TestDoubleEndpoints } from './prepare.js';

/** Everything `healthbench eval` can be asked to do, already parsed. */
export interface EvalOptions {
  /** Which benchmark: chosen from the dataset for `eval`, `meta` for `meta-eval`. */
  task: 'healthbench' | 'medcalc' | 'meta';
  dataset: string;
  limit: number | undefined;
  repeats: number;
  seed: number;
  /** `provider:model`; null only for the physician / reference baselines. */
  model: string | null;
  responses: 'model' | 'physician' | 'reference';
  baseUrl: string | null;
  /** undefined = the reference sampler's default for that model; null = none. */
  systemPrompt: string | null | undefined;
  temperature: number | undefined;
  maxTokens: number | undefined;
  graders: string[];
  graderBaseUrl: string | null;
  graderTemplatePath: string | null;
  graderAttempts: number;
  graderVote: 'first' | 'majority';
  /** `per-criterion` (the reference protocol) or `batched` (all items of a sample in one call). */
  graderMode: 'per-criterion' | 'batched';
  concurrency: number;
  rpm: number | null;
  tpm: number | null;
  /** Output tokens per minute (--otpm). */
  otpm?: number | null;
  /** Seconds of budget the quota buckets hold (--burst). @default 1 */
  burstS?: number;
  /** Stop (resumable) when every call has been answered 429 for this long (--rate-limit-timeout). @default 600000 */
  rateLimitTimeoutMs?: number;
  timeoutMs: number;
  maxRetries: number;
  /** A count (`10`) or a fraction of the samples (`5%`, `0.05`). */
  maxErrors: string;
  outDir: string | null;
  /** `--resume DIR`: the directory must hold a run to continue. */
  resume: boolean;
  cacheDir: string | null;
  /**
   * `--fake-server`: run against the bundled test double (options for it). The caller starts it and passes its
   * URLs as `EvalDeps.testDouble`; the runner never loads the test double itself.
   */
  fakeServer: Record<string, unknown> | null;
  /** MedCalc-Bench prompt style. */
  promptStyle: 'zero_shot' | 'one_shot' | 'direct_answer';
  /** MedCalc-Bench scoring: `current` (corrected) or `v1.0` (the published code, defects included). */
  medcalcCompat: 'current' | 'v1.0';
  /** MedCalc-Bench physician-corrected labels file. */
  labelsPath: string | null;
  /** MedCalc-Bench one-shot exemplar file (default: downloaded for the dataset version). */
  exemplarsPath: string | null;
  /** A release policy to check when the run ends (`--gate`). */
  gatePolicyPath: string | null;
  /** A baseline run to diff against (`--baseline`), for the policy's drop rules and the report. */
  baselinePath: string | null;
  /** Compare with a baseline graded by another grader or on other data. */
  allowGraderChange: boolean;
  /** `--batched-template FILE`: the batched grader template (default graders/healthbench-grader-batched.md). */
  batchedTemplatePath: string | null;
  /** A JSON file of `provider:model` → {input, cachedInput, output} USD per 1M tokens, added to the built-in table. */
  pricesPath: string | null;
  /** `--api`: the candidate's OpenAI endpoint; `auto` (default) sends reasoning models to the Responses API. */
  api?: ApiChoice | undefined;
  /** `--grader-api`: the same for the graders. */
  graderApi?: ApiChoice | undefined;
  /** `--reasoning-effort`: the candidate's reasoning effort (default: the API's). */
  reasoningEffort?: string | null | undefined;
  /** `--grader-reasoning-effort`: the graders' (default: low for a reasoning grader on Professional, else the API's). */
  graderReasoningEffort?: string | null | undefined;
  /** `--length-adjustment*` (default: on for Professional only). */
  lengthAdjustment?: LengthAdjustmentChoice | undefined;
  /** `--shard i/n`: evaluate only this shard of the selected examples. */
  shard?: ShardSpec | null;
  /** `--label key=value`: who or what ran it, recorded in run.json. */
  labels?: Record<string, string>;
  /** `--batch`: candidate and grader requests through the providers' batch services (null: live calls). */
  batch?: BatchSettings | null;
  /** The options as the user set them (config file, profile, flags), recorded in run.json for `--resume DIR`. */
  effectiveConfig?: EffectiveConfig;
}

export type ApiChoice = 'auto' | 'chat' | 'responses';

export interface EvalDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  logger: RunLogger;
  signal?: AbortSignal | undefined;
  onProgress?: (p: Progress) => void;
  /** Status lines of the batches a `--batch` run is waiting for, when they change. */
  onBatchStatus?: (lines: string[]) => void;
  now?: () => Date;
  /** The command that resumes a run in a directory, for the messages of a cancelled or failed run. */
  resumeCommand?: (runDir: string) => string;
  /** A one-line note for the user (e.g. a --limit larger than the dataset); default: a log warning. */
  notify?: (line: string) => void;
  /** Called when the run enters a phase: `run` (calls) then `report` (report files). */
  onPhase?: (phase: 'run' | 'report') => void;
  /** The run directory's filesystem edge; tests inject a full disk or short writes here. */
  storeIo?: StoreIo;
  /** The running test double, for a `--fake-server` run: every model is pointed at it with a placeholder key. */
  testDouble?: TestDoubleEndpoints;
}

export interface EvalResult {
  runDir: string;
  run: RunRecord;
  /** report.json as written. */
  report: SavedReport;
  markdown: string;
  /** Lines for the human summary on stdout. */
  summary: string[];
  /** The gate verdict when `--gate` was given. */
  gate: GateResult | null;
}

/**
 * Runs (or resumes) an evaluation and writes run.json, samples.jsonl, report.json, report.md and report.html, in
 * three steps: prepare (every input read and checked before anything is written), calls (live or through the batch
 * services, each result journaled as it comes), finalize (the reports from the records). The report code is loaded
 * while the calls run, never before the first of them.
 */
export async function runEval(opts: EvalOptions, deps: EvalDeps): Promise<EvalResult> {
  const now = deps.now ?? (() => new Date());
  const prepared = await prepareRun(opts, deps);
  const opened = await openRun(prepared, deps, now);
  // The report phase's reading of the records happens as they are appended, not after the last response.
  const ahead = new ReportAhead(opened.store, {
    bootstrapThread: prepared.plan.bootstraps !== undefined,
    expectedSamples: prepared.plan.total,
  });
  try {
    deps.onPhase?.('run');
    // The report code loads once the first sample is recorded: while calls are in flight, not before the first one.
    // A load error surfaces where it is awaited below.
    let finalizer: Promise<typeof import('./finalize.js')> | null = null;
    const loadFinalizer = (): Promise<typeof import('./finalize.js')> => {
      if (!finalizer) {
        finalizer = import('./finalize.js');
        finalizer.catch(() => undefined);
      }
      return finalizer;
    };
    const onProgress = (progress: Progress): void => {
      void loadFinalizer();
      deps.onProgress?.(progress);
    };
    const calls = await runCalls(prepared, opened, { ...deps, onProgress }, now);
    opened.store.closeFiles();
    const { finalizeRun } = await loadFinalizer();
    return await finalizeRun(prepared, opened, calls, { deps, now, ahead });
  } finally {
    await ahead.close();
    opened.store.close();
  }
}

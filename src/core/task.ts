import type { PlanReport, PlanReportContext, PrepareContext, TaskPlan } from './plan.js';
import type { RunRecord, TaskName } from './records.js';
import type { SavedReport } from './report.js';
import type { CriterionResult, Message, SampleDetail, SampleError, SampleRecord } from './types.js';

/** One unit of work: one example (or one physician/reference completion of it) in one repeat. */
export interface WorkItem<Payload = unknown> {
  exampleId: string;
  /** Position of the example in the selected order (reference `--examples` order). */
  rank: number;
  repeat: number;
  /**
   * ISO 639-1 code, or a thenable while it is still to be detected: awaited before the sample is recorded, which is
   * what starts the detection, so it never runs before the first call.
   */
  language: string | PromiseLike<string>;
  exampleTags: string[];
  /** The conversation to send to the candidate (before the system prompt), or the raw prompt for baselines. */
  messages: Message[];
  /** A response that is graded without calling a candidate (physician / reference baselines, meta-eval). */
  fixedResponse: string | null;
  /** Task-specific data (the Example, a MedCalc row, a meta row). */
  payload: Payload;
}

/** The outcome of one grader call after its capped attempts. */
export type GraderOutcome =
  { ok: true; met: boolean; explanation: string; attempts: number } | { ok: false; error: string; cause: string | null; attempts: number };

/** One grader call a sample needs: which grader and the filled prompt. */
export interface GraderCall {
  grader: number;
  prompt: string;
  /** Leading characters shared by all of the sample's grader prompts, for provider prompt caching. */
  cachePrefixChars?: number;
}

/**
 * One grader call that decides several of a sample's grader calls at once (batched grading). The slots it
 * cannot decide from the reply are graded one by one with their own `GraderCall`, so nothing is guessed.
 */
export interface GraderBatch {
  grader: number;
  prompt: string;
  /** Indices into `graderCalls(...)` that this call decides. */
  slots: number[];
  /** Reads the reply: the verdicts it gives, by slot; `reason` says why the others are missing. */
  read(text: string): { verdicts: Map<number, { met: boolean; explanation: string }>; reason: string | null };
}

/** What `finish` makes of a response and its grader outcomes: the scored part of a `SampleRecord`. */
export interface SampleOutcome<Detail extends SampleDetail = SampleDetail> {
  criteria: CriterionResult[];
  score: number | null;
  metrics: Record<string, number> | null;
  detail: Detail | null;
  error: SampleError | null;
}

/**
 * What a task contributes to the generic runner: which grader calls a response needs and how to score it. The
 * runner holds it as `TaskEvaluator` (any payload); each task implements it for its own payload and detail.
 */
export interface TaskEvaluator<Payload = unknown, Detail extends SampleDetail = SampleDetail> {
  readonly task: TaskName;
  /** One call per verdict slot; `finish` gets one outcome per call, in this order. */
  graderCalls(item: WorkItem<Payload>, messagesSent: Message[], response: string): GraderCall[];
  /**
   * Optional: calls that decide several slots at once. A batch is sent only when none of its slots has a
   * verdict yet (after a resume, the rest of a batch is graded slot by slot).
   */
  graderBatches?(item: WorkItem<Payload>, messagesSent: Message[], response: string): GraderBatch[];
  finish(item: WorkItem<Payload>, response: string, outcomes: GraderOutcome[]): SampleOutcome<Detail>;
}

/** A sample with its position in the run's reference order. */
export interface OrderedSample<Detail extends SampleDetail = SampleDetail> {
  position: number;
  sample: SampleRecord<Detail>;
}

/** What a finished run recorded that a rebuilt report must carry again. */
export interface RecordedReportSource<R extends SavedReport = SavedReport> {
  run: RunRecord;
  report: R;
  /** The notes of the rebuilt report (merge drops the shard notes and may add a partial-merge one). */
  notes: string[];
}

/**
 * One benchmark behind one typed contract: its loader and checks (`prepare`, which binds the evaluator and the
 * report builder into a `TaskPlan`), and the report rebuilt from a finished run's samples (`rebuild`, for merge and
 * verify). `Payload` is what a work item carries, `Detail` a sample's saved `detail`, `R` its report.json.
 */
export interface Task<Payload, Detail extends SampleDetail, R extends SavedReport, Options = object> {
  readonly name: R['task'];
  /** Loads and checks the data; every input problem surfaces here, before anything is written. */
  prepare(datasetSpec: string, ctx: PrepareContext & Options): Promise<TaskPlan<Payload, Detail, R>>;
  /** report.json, report.md and the summary of a finished run, from its samples in reference order alone. */
  rebuild(ordered: ReadonlyArray<OrderedSample<Detail>>, recorded: RecordedReportSource<R>, ctx: PlanReportContext): PlanReport<R>;
}

/**
 * A task whatever its types: what generic code holds when it dispatches by a task name it reads from a file (to
 * rebuild a report). Preparing a run goes through the task's own type (`loadTask('medcalc')`), which knows its options.
 */
export type AnyTask = Task<unknown, SampleDetail, SavedReport, never>;

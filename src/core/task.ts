import type { CriterionResult, Message, SampleError, SampleRecord } from './types.js';

/** One unit of work: one example (or one physician/reference completion of it) in one repeat. */
export interface WorkItem {
  exampleId: string;
  /** Position of the example in the selected order (reference `--examples` order). */
  rank: number;
  repeat: number;
  /** ISO 639-1 code; a promise while the language is still being detected (awaited before recording). */
  language: string | Promise<string>;
  exampleTags: string[];
  /** The conversation to send to the candidate (before the system prompt), or the raw prompt for baselines. */
  messages: Message[];
  /** A response that is graded without calling a candidate (physician / reference baselines, meta-eval). */
  fixedResponse: string | null;
  /** Task-specific data (the Example, a MedCalc row, a meta row). */
  payload: unknown;
}

/** The outcome of one grader call after its capped attempts. */
export type GraderOutcome =
  | { ok: true; met: boolean; explanation: string; attempts: number }
  | { ok: false; error: string; cause: string | null; attempts: number };

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

/** What a task contributes to the generic runner: which grader calls a response needs and how to score it. */
export interface TaskEvaluator {
  readonly task: SampleRecord['task'];
  /** One call per verdict slot; `finish` gets one outcome per call, in this order. */
  graderCalls(item: WorkItem, messagesSent: Message[], response: string): GraderCall[];
  /**
   * Optional: calls that decide several slots at once. A batch is sent only when none of its slots has a
   * verdict yet (after a resume, the rest of a batch is graded slot by slot).
   */
  graderBatches?(item: WorkItem, messagesSent: Message[], response: string): GraderBatch[];
  finish(
    item: WorkItem,
    response: string,
    outcomes: GraderOutcome[],
  ): {
    criteria: CriterionResult[];
    score: number | null;
    metrics: Record<string, number> | null;
    detail: Record<string, unknown> | null;
    error: SampleError | null;
  };
}

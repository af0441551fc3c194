/**
 * Central data model. Pure: imports nothing from the project or from Node.
 *
 * Persisted shapes (SampleRecord, RunRecord, Report) carry `formatVersion` at the file level and are
 * written with a fixed key order; changing a field means bumping the version.
 */

export type Role = 'system' | 'user' | 'assistant';

export interface Message {
  role: Role;
  content: string;
}

/** One weighted rubric line. Negative `points` penalise undesirable behaviour (HealthBench semantics). */
export interface RubricCriterion {
  /** The criterion text shown to the grader. */
  text: string;
  /** Integer weight, -10..10 in the official data; negative = harmful behaviour. */
  points: number;
  /** Rubric tags: `level:*`, `axis:*`, `cluster:*`. */
  tags: string[];
}

/** Physician-written and reference completions of an official record (docs/healthbench.md §2, §10). */
export interface IdealCompletions {
  idealCompletion: string;
  /** `Group 1` .. `Group 3`; '' for HealthBench Professional's physician answer (no groups). */
  group: string;
  refCompletions: string[];
}

/** One HealthBench-style example: a conversation ending with a user turn, plus its rubric. */
export interface Example {
  /** `prompt_id` in the official format. */
  id: string;
  messages: Message[];
  rubric: RubricCriterion[];
  /** Example-level tags: exactly one `theme:*`, optionally `physician_agreed_category:*`, any others. */
  tags: string[];
  /** ISO 639-1 code when the data states it; null means "detect from the user turns". */
  language: string | null;
  ideal: IdealCompletions | null;
}

/** Token usage of one or more calls. */
export interface TokenUsage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from a provider's prompt cache, where reported. */
  cachedInputTokens: number;
  /** Reasoning tokens (Responses API), already counted in `outputTokens` and billed as output; absent when none were reported. */
  reasoningTokens?: number;
}

export const emptyUsage = (): TokenUsage => ({ calls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sum: TokenUsage = {
    calls: a.calls + b.calls,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
  };
  if (a.reasoningTokens !== undefined || b.reasoningTokens !== undefined)
    sum.reasoningTokens = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  return sum;
}

/** Where in a sample's life an error happened. */
export type ErrorStage = 'candidate' | 'grader' | 'scoring';

/** A sample that could not be sampled or graded. Errors are data: counted, listed, excluded from means. */
export interface SampleError {
  stage: ErrorStage;
  message: string;
  /** HTTP status or error code of the last failed call, when there was one. */
  cause: string | null;
}

/** The grader's judgement of one rubric item. `met` is null only when the item is a grader error. */
export interface CriterionResult {
  text: string;
  points: number;
  tags: string[];
  met: boolean | null;
  explanation: string;
  /** Grader calls spent on this item (1 = first reply was valid). */
  attempts: number;
  /** Set when the item has no valid verdict after the capped attempts. */
  error: string | null;
  /** With several graders: each grader's verdict, in `--grader` order (null = that grader failed). */
  verdicts?: Array<boolean | null>;
}

/** A sample's task-specific detail: any JSON object (each task narrows it: core/records.ts). */
export type SampleDetail = Record<string, unknown>;

/**
 * What one finished (or failed) sample looks like in `samples.jsonl`. `Detail` is the task's own `detail`
 * (HealthbenchDetail, MedcalcDetail, MetaDetail in core/records.ts); the default is any JSON object.
 */
export interface SampleRecord<Detail extends SampleDetail = SampleDetail> {
  /** Which task produced it: decides how `result` is read. */
  task: 'healthbench' | 'medcalc' | 'meta';
  exampleId: string;
  /** 0-based repeat index (`--repeats`). */
  repeat: number;
  /** ISO 639-1 code (or `und`). */
  language: string;
  /** Example-level tags (theme, category, ...), copied for roll-ups without the dataset. */
  exampleTags: string[];
  /** Exactly the messages sent to the candidate (system prompt included), or the raw prompt for baselines. */
  messagesSent: Message[];
  /** The response that was graded; null when the candidate failed. */
  response: string | null;
  /** Per-criterion verdicts (HealthBench); empty for tasks without a rubric. */
  criteria: CriterionResult[];
  /** Per-example score; null on error or when nothing can be scored. */
  score: number | null;
  /**
   * Per-example metric map as the reference builds it (`overall_score`, `theme:*`, `axis:*`, ...);
   * null on error. Aggregation, diffs and gates read this map only.
   */
  metrics: Record<string, number> | null;
  /** Task-specific detail (MedCalc: extracted answer, ground truth, limits; meta: labels). */
  detail: Detail | null;
  usage: { candidate: TokenUsage; grader: TokenUsage };
  error: SampleError | null;
  /**
   * Why the candidate stopped, as its API said (`stop`, `length`, `max_tokens`, `content_filter`, `refusal`, ...);
   * null when unknown, absent for fixed responses (baselines, meta-eval) and records of older versions.
   */
  finishReason?: string | null;
}

/** Summary of one roll-up group. */
export interface GroupSummary {
  score: number;
  bootstrapStd: number;
  ci95: [number, number];
  n: number;
}

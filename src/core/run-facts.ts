/**
 * The facts a run records about itself in `run.json` besides its configuration: the models and sampling parameters of each role,
 * the pacing per endpoint, the audit, the progress and the shard. Declared here, in the core, because they are part
 * of the saved records (records.ts); the providers and the runner that produce them import them from here. Pure.
 */
import type { TokenUsage } from './types.js';

/** `provider:model`, e.g. `openai:gpt-4.1-mini`, `anthropic:claude-sonnet-4-5`. */
export interface ModelSpec {
  provider: 'openai' | 'anthropic';
  model: string;
}

/** Sampling parameters of one role (candidate or grader); null means "leave to the API default". */
export interface SamplingParams {
  temperature: number | null;
  maxTokens: number | null;
  /** Prepended as a system message (OpenAI) or sent as `system` (Anthropic); null for none. */
  systemPrompt: string | null;
  /** Reasoning effort (`reasoning_effort` in Chat Completions, `reasoning.effort` in the Responses API), when set. */
  reasoningEffort: string | null;
  /** Present (as 'responses') when the OpenAI Responses API is used; absent means Chat Completions / Messages. */
  api?: 'responses';
}

/** A limit in force, and where it came from. */
export interface QuotaLimit {
  perMinute: number;
  source: 'flag' | 'headers';
}

/** `run.json` → `pacing` and report.md: per endpoint, the limits in force, where they came from, and what 429s did. */
export interface PacingEntry {
  endpoint: string;
  requestsPerMinute: QuotaLimit | null;
  inputTokensPerMinute: QuotaLimit | null;
  outputTokensPerMinute: QuotaLimit | null;
  burstS: number;
  /** Requests answered 429 (retried, never counted as failures). */
  rateLimited: number;
  /** How many times 429s lowered the pace, and the lowest fraction of the limits it went to. */
  rateCuts: number;
  lowestRateFactor: number;
  /** Seconds during which the next call was held back by a quota. */
  quotaWaitS: number;
  peakInFlight: number;
  /** One sentence: the pace used and why. */
  summary: string;
}

/** `run.json` → `audit`. */
export interface RunAudit {
  /** The commit the tool was built from when it runs from a git checkout; null for an installed package. */
  toolGitCommit: string | null;
  host: { name: string; platform: string; arch: string; node: string };
  /** The OS user, when it can be read. */
  user: string | null;
  /** The CI job that ran it, when the environment says so (GitHub Actions, or a generic `CI`). */
  ci: Record<string, string> | null;
  /** `--label key=value` pairs, as given. */
  labels: Record<string, string>;
}

/** How fast calls are answered now, and how long the run has waited for provider quotas. */
export interface ProgressPace {
  /** Answered calls per second over the last 10 s. */
  requestsPerS: number;
  /** Tokens (input + output) per minute over the last 10 s. */
  tokensPerMin: number;
  /** Seconds during which the next call was held back by a quota (summed over endpoints). */
  quotaWaitS: number;
}

/** How far a run has come: in `run.json` (`progress`) and in every progress update. */
export interface Progress {
  done: number;
  total: number;
  errors: number;
  skipped: number;
  /** Model calls answered in this process (candidate and grader; cached answers included). */
  calls?: number;
  /** Tokens reported by the providers in this process. */
  usage?: { candidate: TokenUsage; grader: TokenUsage };
  /** Estimated USD spent so far in this process (null when a model has no known price); set by the caller. */
  costUsd?: number | null;
  pace?: ProgressPace;
}

/** `--shard i/n`: this run evaluates shard `index` (1-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** How run.json describes a shard run. */
export interface ShardRecord extends ShardSpec {
  /** The partition rule, so a later version that changes it can tell. */
  hash: 'sha256(exampleId) first 4 bytes big-endian mod count';
  /** Selected examples in this shard. */
  examples: number;
  /** Selected examples in the whole run (all shards). */
  selected: number;
}

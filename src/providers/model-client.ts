import type { Message, TokenUsage } from '../core/types.js';
import type { ModelSpec, SamplingParams } from '../core/run-facts.js';
export type { ModelSpec, SamplingParams } from '../core/run-facts.js';

export interface CompletionRequest {
  messages: Message[];
  params: SamplingParams;
  signal?: AbortSignal | undefined;
  /** 1 for a first call; a retry after an invalid reply is > 1 so the response cache does not replay that reply. */
  attempt?: number | undefined;
  /** Leading characters of the last message that other calls share: marked for the provider's prompt cache. */
  cachePrefixChars?: number | undefined;
}

export interface Completion {
  text: string;
  usage: TokenUsage;
  finishReason: string;
  latencyMs: number;
  /** The model name the API reported. */
  model: string;
  /** True when served from the local response cache (no API call, no cost). */
  fromCache: boolean;
}

/** The one thing the runner needs of a provider. */
export interface ModelClient {
  readonly spec: ModelSpec;
  complete(request: CompletionRequest): Promise<Completion>;
}

/** A call that failed for good (after the SDK's capped retries). Its message is already redacted. */
export class ProviderCallError extends Error {
  readonly status: number | null;
  /** Short cause for reports: `HTTP 500`, `timeout`, `connection`, `empty response`, `aborted`. */
  readonly causeLabel: string;
  constructor(message: string, status: number | null, causeLabel: string) {
    super(message);
    this.status = status;
    this.causeLabel = causeLabel;
  }

  /**
   * Thrown from inside `fetch`, this error reaches us as the `cause` of the SDK's APIConnectionError. The SDKs
   * test `String(error)` against /timed? ?out/ and, on a match, throw a cause-less timeout error instead, which
   * would lose our message; so the string form is only the class name.
   */
  override toString(): string {
    return this.name;
  }
}

/**
 * A failure of the endpoint rather than of one call: it cannot be reached, it has answered nothing but 429 for
 * --rate-limit-timeout, or the account is out of credit. The run stops (resumable) instead of failing every
 * sample one by one.
 */
export class EndpointFailure extends ProviderCallError {
  readonly reason: 'unreachable' | 'rate-limit-stall' | 'out-of-credit';
  constructor(message: string, reason: EndpointFailure['reason'], causeLabel: string) {
    super(message, null, causeLabel);
    this.reason = reason;
  }
}

export function parseModelSpec(text: string): ModelSpec | null {
  const m = /^(openai|anthropic):(.+)$/.exec(text.trim());
  if (!m || !m[1] || !m[2]) return null;
  return { provider: m[1] as ModelSpec['provider'], model: m[2] };
}

export function formatModelSpec(spec: ModelSpec): string {
  return `${spec.provider}:${spec.model}`;
}

/** The messages actually sent: the system prompt (if any) followed by the conversation. */
export function withSystemPrompt(messages: Message[], systemPrompt: string | null): Message[] {
  return systemPrompt === null ? messages : [{ role: 'system', content: systemPrompt }, ...messages];
}

const REFERENCE_SYSTEM_PROMPT = 'You are a helpful assistant.';

/** OpenAI reasoning models take no system message and no temperature in the reference sampler. */
export function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model);
}

/**
 * The reference (simple-evals) sampler defaults for a candidate model (docs/healthbench.md §4): OpenAI chat models get
 * `You are a helpful assistant.`, temperature 0.5, max_tokens 2048; reasoning models none of these;
 * Claude temperature 0 and max_tokens 4096.
 */
export function referenceCandidateParams(spec: ModelSpec): SamplingParams {
  if (spec.provider === 'anthropic') {
    return { temperature: 0, maxTokens: 4096, systemPrompt: null, reasoningEffort: null };
  }
  if (isReasoningModel(spec.model)) {
    return { temperature: null, maxTokens: null, systemPrompt: null, reasoningEffort: null };
  }
  return { temperature: 0.5, maxTokens: 2048, systemPrompt: REFERENCE_SYSTEM_PROMPT, reasoningEffort: null };
}

/** The reference grader parameters (docs/healthbench.md §7): temperature 0.5, max_tokens 2048, the default system line. */
export function referenceGraderParams(spec: ModelSpec): SamplingParams {
  if (spec.provider === 'anthropic') {
    return { temperature: 0.5, maxTokens: 2048, systemPrompt: REFERENCE_SYSTEM_PROMPT, reasoningEffort: null };
  }
  if (isReasoningModel(spec.model)) {
    return { temperature: null, maxTokens: null, systemPrompt: null, reasoningEffort: null };
  }
  return { temperature: 0.5, maxTokens: 2048, systemPrompt: REFERENCE_SYSTEM_PROMPT, reasoningEffort: null };
}

export const DEFAULT_GRADER = 'openai:gpt-4.1-2025-04-14';
/** HealthBench Professional's grader: GPT-5.4 through the Responses API at low reasoning effort. */
export const DEFAULT_PROFESSIONAL_GRADER = 'openai:gpt-5.4-2026-03-05';

/**
 * Which OpenAI endpoint a model goes through: `auto` sends reasoning models (`gpt-5*`, `o1`, `o3`, ...) to the
 * Responses API and every other model to Chat Completions. Anthropic models always use Messages.
 */
export function resolveApi(spec: ModelSpec, choice: 'auto' | 'chat' | 'responses'): 'chat' | 'responses' {
  if (spec.provider !== 'openai') return 'chat';
  if (choice !== 'auto') return choice;
  return isReasoningModel(spec.model) ? 'responses' : 'chat';
}

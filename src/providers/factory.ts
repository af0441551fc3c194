import { UsageError } from '../core/errors.js';
import type { Completion, CompletionRequest, ModelClient, ModelSpec } from './model-client.js';
import { resilientFetch } from './call-loop.js';
import { ProgressClock, RateGate, type RateGateStats } from './rate-gate.js';

export interface ClientOptions {
  apiKey: string;
  baseURL: string | null;
  /** The SDK's own retries: 0, since our loop inside `fetch` retries (and tells 429s from failures). */
  maxRetries: number;
  /** The SDK's own timeout: only a backstop, since it also counts time spent waiting for the rate gate. */
  timeoutMs: number;
  /** Goes through the rate gate and the retry loop, with the per-attempt `--timeout` (see call-loop.ts). */
  fetch: typeof fetch;
}

// Far beyond any --timeout; the real per-attempt timeout is applied inside `fetch` (see call-loop.ts).
const SDK_BACKSTOP_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** The client of the model's SDK; each SDK is loaded when a model of its provider is first called. */
async function sdkClient(spec: ModelSpec, opts: ClientOptions, api: 'chat' | 'responses'): Promise<ModelClient> {
  if (spec.provider === 'anthropic') return new (await import('./anthropic.js')).AnthropicClient(spec, opts);
  if (api === 'responses') return new (await import('./openai-responses.js')).OpenAIResponsesClient(spec, opts);
  return new (await import('./openai.js')).OpenAIClient(spec, opts);
}

/**
 * A model client that loads its SDK on the first call: a run that never calls Anthropic never loads its SDK, and
 * no SDK is loaded before the run's inputs are checked.
 */
class LazyClient implements ModelClient {
  readonly spec: ModelSpec;
  readonly #load: () => Promise<ModelClient>;
  #client: Promise<ModelClient> | null = null;

  constructor(spec: ModelSpec, load: () => Promise<ModelClient>) {
    this.spec = spec;
    this.#load = load;
  }

  complete(request: CompletionRequest): Promise<Completion> {
    return this.#loaded().then((client) => client.complete(request));
  }

  warmUp(): void {
    this.#loaded().catch(() => undefined);
  }

  #loaded(): Promise<ModelClient> {
    this.#client ??= this.#load();
    return this.#client;
  }
}

export interface EndpointOptions {
  baseURL: string | null;
  rpm: number | null;
  tpm: number | null;
  /** Output tokens per minute. @default null */
  otpm?: number | null;
  /** Seconds of budget the quota buckets hold. @default 1 */
  burstS?: number;
  /** Ceiling of the gate's 429 congestion window; the runner leaves it unset (its call queue is the limit). */
  maxInFlight?: number;
  /** Retries of failures other than 429. */
  maxRetries: number;
  timeoutMs: number;
  /** A run whose calls have all been answered 429 for this long stops. @default 600000 */
  rateLimitTimeoutMs?: number;
}

/** The pacing of one endpoint, for the report and the progress line. */
export interface EndpointPace extends RateGateStats {
  endpoint: string;
}

const KEY_VARS: Record<ModelSpec['provider'], string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};
const BASE_URL_VARS: Record<ModelSpec['provider'], string> = {
  openai: 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
};

/** Resolves the key of a provider from the standard env var; a missing key fails before any work. */
export function resolveApiKey(spec: ModelSpec, env: Record<string, string | undefined>, role: string): string {
  const key = env[KEY_VARS[spec.provider]];
  if (!key) {
    const local = spec.provider === 'openai' ? ' (for a local OpenAI-compatible server any non-empty value works)' : '';
    throw new UsageError(
      `${role} ${spec.provider}:${spec.model} needs ${KEY_VARS[spec.provider]}: set it in the environment or in .env${local}`,
    );
  }
  return key;
}

/**
 * `HEALTHBENCH_RATE_WINDOW_MS` (hidden, for tests and the bench only): the length of the --rpm/--tpm window
 * instead of 60 s, so a cap can be measured in seconds. Unset for real runs: provider caps are per minute.
 */
export function rateWindowMs(env: Record<string, string | undefined>): number | undefined {
  const text = env['HEALTHBENCH_RATE_WINDOW_MS'];
  if (text === undefined || text === '') return undefined;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 1)
    throw new UsageError(`HEALTHBENCH_RATE_WINDOW_MS: expected a whole number of milliseconds, got '${text}'`);
  return ms;
}

/**
 * Builds clients and the rate gates they share: one gate per (provider, base URL), so a 429 seen by the
 * grader also slows the candidate when both call the same endpoint.
 */
export class ClientPool {
  readonly #gates = new Map<string, RateGate>();
  readonly #env: Record<string, string | undefined>;
  // One for the whole run: a 429 ends the run only when no call anywhere has succeeded for a while.
  readonly #clock = new ProgressClock();
  readonly secrets: string[] = [];
  readonly #clients: LazyClient[] = [];

  constructor(env: Record<string, string | undefined>) {
    this.#env = env;
  }

  /** `api` picks the OpenAI endpoint: Chat Completions (default) or the Responses API. */
  create(spec: ModelSpec, opts: EndpointOptions, role: string, api: 'chat' | 'responses' = 'chat'): ModelClient {
    const apiKey = resolveApiKey(spec, this.#env, role);
    if (!this.secrets.includes(apiKey)) this.secrets.push(apiKey);
    const baseURL = opts.baseURL ?? this.#env[BASE_URL_VARS[spec.provider]] ?? null;
    const gateKey = `${spec.provider}|${baseURL ?? 'default'}`;
    let gate = this.#gates.get(gateKey);
    if (!gate) {
      const windowMs = rateWindowMs(this.#env);
      gate = new RateGate({
        rpm: opts.rpm,
        tpm: opts.tpm,
        otpm: opts.otpm ?? null,
        burstS: opts.burstS ?? 1,
        ...(opts.maxInFlight !== undefined && { maxInFlight: opts.maxInFlight }),
        clock: this.#clock,
        ...(windowMs === undefined ? {} : { windowMs }),
      });
      this.#gates.set(gateKey, gate);
    }
    const clientOpts: ClientOptions = {
      apiKey,
      baseURL,
      maxRetries: 0,
      timeoutMs: Math.max(SDK_BACKSTOP_TIMEOUT_MS, opts.timeoutMs),
      fetch: resilientFetch({
        gate,
        maxRetries: opts.maxRetries,
        timeoutMs: opts.timeoutMs,
        rateLimitTimeoutMs: opts.rateLimitTimeoutMs ?? 600_000,
      }),
    };
    const client = new LazyClient(spec, () => sdkClient(spec, clientOpts, api));
    this.#clients.push(client);
    return client;
  }

  /**
   * Starts loading the SDKs of the clients created so far, so that loading overlaps the run's remaining set-up
   * (reading the data, taking the run directory) instead of following it. A load error surfaces at the first call.
   */
  warmUp(): void {
    for (const client of this.#clients) client.warmUp();
  }

  gateStats(): Record<string, RateGateStats> {
    return Object.fromEntries([...this.#gates].map(([k, g]) => [k, g.stats()]));
  }

  /** The pace of the whole run now: answered calls/s and tokens/min over the last 10 s, and quota waits. */
  progressPace(): { requestsPerS: number; tokensPerMin: number; quotaWaitS: number } {
    let requestsPerS = 0;
    let tokensPerMin = 0;
    let quotaWaitMs = 0;
    for (const g of this.#gates.values()) {
      const s = g.stats();
      requestsPerS += s.recent.requestsPerS;
      tokensPerMin += s.recent.tokensPerMin;
      quotaWaitMs += s.quotaWaitMs;
    }
    return { requestsPerS: Number(requestsPerS.toFixed(2)), tokensPerMin, quotaWaitS: Number((quotaWaitMs / 1000).toFixed(1)) };
  }

  /** Every endpoint's pacing: limits in force and their source, 429s, time waited for quota, recent pace. */
  pace(): EndpointPace[] {
    return [...this.#gates].map(([key, g]) => ({ endpoint: key.replace('|', ' '), ...g.stats() }));
  }
}

import { UsageError } from '../core/errors.js';
import type { ModelClient, ModelSpec } from './model-client.js';
import { OpenAIClient } from './openai.js';
import { OpenAIResponsesClient } from './openai-responses.js';
import { AnthropicClient } from './anthropic.js';
import { RateGate, gatedFetch } from './rate-gate.js';

export interface ClientOptions {
  apiKey: string;
  baseURL: string | null;
  maxRetries: number;
  /** The SDK's own timeout: only a backstop, since it also counts time spent waiting for the rate gate. */
  timeoutMs: number;
  /** Goes through the rate gate and applies the per-attempt `--timeout` once a call has its slot. */
  fetch: typeof fetch;
}

// Far beyond any --timeout; the real per-attempt timeout is applied inside `fetch` (see withTimeout).
const SDK_BACKSTOP_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/**
 * A per-attempt timeout that starts when the request is actually sent. The SDKs start their timer before calling
 * fetch, so under a tight --rpm the wait for a gate slot alone would time calls out (and burn retries, or fail
 * samples) without a byte sent. The SDKs treat the resulting TimeoutError like their own timeout: retried, then
 * APIConnectionTimeoutError.
 */
export function withTimeout(timeoutMs: number, base: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return base(input, { ...init, signal });
  };
}

export interface EndpointOptions {
  baseURL: string | null;
  rpm: number | null;
  tpm: number | null;
  maxInFlight: number;
  maxRetries: number;
  timeoutMs: number;
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
    throw new UsageError(`${role} ${spec.provider}:${spec.model} needs ${KEY_VARS[spec.provider]}: set it in the environment or in .env${local}`);
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
  if (!Number.isInteger(ms) || ms < 1) throw new UsageError(`HEALTHBENCH_RATE_WINDOW_MS: expected a whole number of milliseconds, got '${text}'`);
  return ms;
}

/**
 * Builds clients and the rate gates they share: one gate per (provider, base URL), so a 429 seen by the
 * grader also slows the candidate when both call the same endpoint.
 */
export class ClientPool {
  readonly #gates = new Map<string, RateGate>();
  readonly #env: Record<string, string | undefined>;
  readonly secrets: string[] = [];

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
      gate = new RateGate({ rpm: opts.rpm, tpm: opts.tpm, maxInFlight: opts.maxInFlight, ...(windowMs === undefined ? {} : { windowMs }) });
      this.#gates.set(gateKey, gate);
    }
    const clientOpts: ClientOptions = {
      apiKey,
      baseURL,
      maxRetries: opts.maxRetries,
      timeoutMs: Math.max(SDK_BACKSTOP_TIMEOUT_MS, opts.timeoutMs),
      fetch: gatedFetch(gate, withTimeout(opts.timeoutMs)),
    };
    if (spec.provider === 'anthropic') return new AnthropicClient(spec, clientOpts);
    return api === 'responses' ? new OpenAIResponsesClient(spec, clientOpts) : new OpenAIClient(spec, clientOpts);
  }

  gateStats(): Record<string, ReturnType<RateGate['stats']>> {
    return Object.fromEntries([...this.#gates].map(([k, g]) => [k, g.stats()]));
  }
}

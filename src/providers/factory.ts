import { UsageError } from '../core/errors.js';
import type { ModelClient, ModelSpec } from './model-client.js';
import { OpenAIClient } from './openai.js';
import { AnthropicClient } from './anthropic.js';
import { RateGate, gatedFetch } from './rate-gate.js';

export interface ClientOptions {
  apiKey: string;
  baseURL: string | null;
  maxRetries: number;
  timeoutMs: number;
  fetch: typeof fetch;
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
    throw new UsageError(
      `${role} ${spec.provider}:${spec.model} needs ${KEY_VARS[spec.provider]} in the environment ` +
        '(for a local OpenAI-compatible server any non-empty value works)',
    );
  }
  return key;
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

  create(spec: ModelSpec, opts: EndpointOptions, role: string): ModelClient {
    const apiKey = resolveApiKey(spec, this.#env, role);
    if (!this.secrets.includes(apiKey)) this.secrets.push(apiKey);
    const baseURL = opts.baseURL ?? this.#env[BASE_URL_VARS[spec.provider]] ?? null;
    const gateKey = `${spec.provider}|${baseURL ?? 'default'}`;
    let gate = this.#gates.get(gateKey);
    if (!gate) {
      gate = new RateGate({ rpm: opts.rpm, tpm: opts.tpm, maxInFlight: opts.maxInFlight });
      this.#gates.set(gateKey, gate);
    }
    const clientOpts: ClientOptions = {
      apiKey,
      baseURL,
      maxRetries: opts.maxRetries,
      timeoutMs: opts.timeoutMs,
      fetch: gatedFetch(gate),
    };
    return spec.provider === 'openai' ? new OpenAIClient(spec, clientOpts) : new AnthropicClient(spec, clientOpts);
  }

  gateStats(): Record<string, ReturnType<RateGate['stats']>> {
    return Object.fromEntries([...this.#gates].map(([k, g]) => [k, g.stats()]));
  }
}

/**
 * Published list prices in USD per million tokens, for cost estimates only. Maintained by hand: each
 * entry says when it was checked and where. Models not listed get no estimate (never a guess), and
 * `--prices FILE` (a JSON object of the same shape) adds or overrides entries.
 */
export interface ModelPrice {
  /** USD per 1M input tokens. */
  input: number;
  /** USD per 1M input tokens served from the provider's prompt cache. */
  cachedInput: number;
  /** USD per 1M output tokens. */
  output: number;
}

export const PRICES_AS_OF = '2026-06';

export const PRICE_SOURCES = {
  openai: 'https://platform.openai.com/docs/pricing',
  anthropic: 'https://docs.anthropic.com/en/docs/about-claude/pricing',
} as const;

/** Keyed `provider:model`; a dated snapshot (`gpt-4.1-2025-04-14`) falls back to its alias (`gpt-4.1`). */
export const PRICES: Readonly<Record<string, ModelPrice>> = {
  'openai:gpt-4.1': { input: 2.0, cachedInput: 0.5, output: 8.0 },
  'openai:gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'openai:gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'openai:gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10.0 },
  'openai:gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  // Checked 2026-06 on the model page (developers.openai.com/api/docs/models/gpt-5.4); prompts over 272K input tokens
  // cost more (2x input, 1.5x output), which this table does not model. Reasoning tokens are billed as output.
  'openai:gpt-5.4': { input: 2.5, cachedInput: 0.25, output: 15.0 },
  'anthropic:claude-sonnet-4-5': { input: 3.0, cachedInput: 0.3, output: 15.0 },
  'anthropic:claude-haiku-4-5': { input: 1.0, cachedInput: 0.1, output: 5.0 },
  'anthropic:claude-opus-4-1': { input: 15.0, cachedInput: 1.5, output: 75.0 },
};

/**
 * Both batch services (OpenAI Batch API, Anthropic Message Batches) bill a request at half the list price of the
 * same live request, prompt-cache reads included (provider pricing pages, checked 2026-06).
 */
export const BATCH_PRICE_FACTOR = 0.5;

/** The table at batch prices: every entry times `BATCH_PRICE_FACTOR`. */
export function batchPrices(table: Readonly<Record<string, ModelPrice>> = PRICES): Record<string, ModelPrice> {
  return Object.fromEntries(
    Object.entries(table).map(([k, p]) => [
      k,
      { input: p.input * BATCH_PRICE_FACTOR, cachedInput: p.cachedInput * BATCH_PRICE_FACTOR, output: p.output * BATCH_PRICE_FACTOR },
    ]),
  );
}

/** The price of a model, trying the exact spec, then the spec without a trailing date. */
export function priceOf(spec: string, table: Readonly<Record<string, ModelPrice>> = PRICES): ModelPrice | null {
  return table[spec] ?? table[spec.replace(/-\d{4}-\d{2}-\d{2}$|-\d{8}$/, '')] ?? null;
}

/** USD for some usage; null when the model has no known price. */
export function costOf(
  spec: string,
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number },
  table?: Readonly<Record<string, ModelPrice>>,
): number | null {
  const p = priceOf(spec, table);
  if (!p) return null;
  const fresh = Math.max(0, usage.inputTokens - usage.cachedInputTokens);
  return (fresh * p.input + usage.cachedInputTokens * p.cachedInput + usage.outputTokens * p.output) / 1e6;
}

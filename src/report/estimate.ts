import { BATCH_PRICE_FACTOR, costOf, PRICES, PRICES_AS_OF, type ModelPrice } from './prices.js';

/** Token and cost estimate of a run before it starts (`--dry-run`). */
export interface RunEstimate {
  calls: { candidate: number; grader: number };
  tokens: { candidate: { input: number; output: number }; grader: { input: number; output: number } };
  /** USD; null for a model without a known price. */
  cost: { candidate: number | null; grader: number | null; total: number | null };
  /** The same calls through the batch services (`--batch`): batch prices. */
  batchCost: { candidate: number | null; grader: number | null; total: number | null };
  /** True when the run would use the batch services. */
  batch: boolean;
  pricesAsOf: string;
  assumptions: string[];
}

/** Rough tokens of a text: 4 characters per token, the usual rule of thumb for English. */
export const estimateTokens = (chars: number): number => Math.ceil(chars / 4);

export interface EstimateInput {
  candidateSpec: string | null;
  graderSpecs: string[];
  /** Per candidate call: characters sent. */
  candidateInputChars: number[];
  /** Per grader call: characters of the filled prompt (system line included). */
  graderInputChars: number[];
  assumedResponseTokens: number;
  assumedVerdictTokens: number;
  prices?: Readonly<Record<string, ModelPrice>>;
  /** The run would go through the batch services. */
  batch?: boolean;
}

/** Pure arithmetic over the prompts a run would send. */
export function estimateRun(input: EstimateInput): RunEstimate {
  const sum = (xs: number[]): number => xs.reduce((s, x) => s + estimateTokens(x), 0);
  const candidate = { input: sum(input.candidateInputChars), output: input.candidateInputChars.length * input.assumedResponseTokens };
  const grader = { input: sum(input.graderInputChars), output: input.graderInputChars.length * input.assumedVerdictTokens };
  const table = input.prices ?? PRICES;
  const candidateCost = input.candidateSpec
    ? costOf(input.candidateSpec, { inputTokens: candidate.input, outputTokens: candidate.output, cachedInputTokens: 0 }, table)
    : 0;
  // Several graders split the grader calls evenly (each grades every item).
  const perGrader = input.graderSpecs.length > 0 ? 1 / input.graderSpecs.length : 0;
  const graderCosts = input.graderSpecs.map((g) =>
    costOf(g, { inputTokens: grader.input * perGrader, outputTokens: grader.output * perGrader, cachedInputTokens: 0 }, table),
  );
  const graderCost = graderCosts.some((c) => c === null) ? null : graderCosts.reduce<number>((s, c) => s + (c ?? 0), 0);
  const half = (x: number | null): number | null => (x === null ? null : x * BATCH_PRICE_FACTOR);
  const total = candidateCost === null || graderCost === null ? null : candidateCost + graderCost;
  return {
    batch: input.batch ?? false,
    batchCost: { candidate: half(candidateCost), grader: half(graderCost), total: half(total) },
    calls: { candidate: input.candidateInputChars.length, grader: input.graderInputChars.length },
    tokens: { candidate, grader },
    cost: {
      candidate: candidateCost,
      grader: graderCost,
      total: candidateCost === null || graderCost === null ? null : candidateCost + graderCost,
    },
    pricesAsOf: PRICES_AS_OF,
    assumptions: [
      'tokens ≈ characters / 4',
      `each candidate response ≈ ${input.assumedResponseTokens} tokens (grader prompts include a response of that length)`,
      `each grader reply ≈ ${input.assumedVerdictTokens} tokens`,
      'no retries, no cache hits, no prompt-cache discount',
    ],
  };
}

export function renderEstimate(e: RunEstimate, candidateSpec: string | null, graderSpecs: string[]): string {
  const usd = (x: number | null): string => (x === null ? 'unknown (no price for this model; see --prices)' : `$${x.toFixed(2)}`);
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return [
    `dry run: nothing was sent. Estimate (prices as of ${e.pricesAsOf}):`,
    `  candidate ${candidateSpec ?? '(none)'}: ${n(e.calls.candidate)} calls, ~${n(e.tokens.candidate.input)} input + ~${n(e.tokens.candidate.output)} output tokens, ${usd(e.cost.candidate)}`,
    `  grader ${graderSpecs.join(', ') || '(none)'}: ${n(e.calls.grader)} calls, ~${n(e.tokens.grader.input)} input + ~${n(e.tokens.grader.output)} output tokens, ${usd(e.cost.grader)}`,
    `  total: ${n(e.calls.candidate + e.calls.grader)} calls, ${usd(e.cost.total)} at list prices (live calls)`,
    `  through the batch services (--batch, ${BATCH_PRICE_FACTOR * 100}% of list): ${usd(e.batchCost.total)}${e.batch ? '  <- this run' : ''}`,
    `  assumptions: ${e.assumptions.join('; ')}`,
    '',
  ].join('\n');
}

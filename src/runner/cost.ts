import type { CostReport } from '../core/report.js';
import type { TokenUsage } from '../core/types.js';
import { BATCH_PRICE_FACTOR, costOf, PRICES_AS_OF, type ModelPrice } from '../report/prices.js';
import type { RunConfig } from '../core/records.js';

type Role = 'candidate' | 'grader';

/** Estimated USD of some usage at list prices: per role, and the total (null where a model has no known price). */
export function costOfUsage(
  config: RunConfig,
  usage: Partial<Record<Role, TokenUsage>>,
  prices: Record<string, ModelPrice>,
): { candidate: number | null; grader: number | null; total: number | null } {
  const { candidate, grader, total } = runCost(config, usage, prices, null);
  return { candidate, grader, total };
}

/**
 * The cost of a run's usage. Requests answered through a batch service (`batched`, per role) are billed at the
 * batch discount, the rest at list price.
 */
export function runCost(
  config: RunConfig,
  usage: Partial<Record<Role, TokenUsage>>,
  prices: Record<string, ModelPrice>,
  batched: Record<Role, TokenUsage> | null,
): CostReport {
  const roleCost = (role: Role, spec: string | undefined): number | null => {
    const full = spec && usage[role] ? costOf(spec, usage[role], prices) : null;
    const discounted = batched && spec ? costOf(spec, batched[role], prices) : 0;
    return full === null || discounted === null ? null : full - discounted * (1 - BATCH_PRICE_FACTOR);
  };
  const candidate = config.model ? roleCost('candidate', config.model.spec) : 0;
  const grader = config.graders.length === 1 ? roleCost('grader', config.graders[0]?.spec) : config.graders.length === 0 ? 0 : null;
  return {
    currency: 'USD',
    pricesAsOf: PRICES_AS_OF,
    candidate,
    grader,
    total: candidate === null || grader === null ? null : candidate + grader,
    note: batched
      ? `Estimated from recorded token usage; batch pricing applied (${BATCH_PRICE_FACTOR * 100}% of list price) to requests answered through the batch services, list prices to the rest; null where a model has no known price.`
      : 'Estimated from recorded token usage and list prices; null where a model has no known price.',
    pricing: batched ? 'batch' : 'list',
  };
}

/** What the report says about pacing: per endpoint, the limits in force, where they came from, and what 429s did. */
import type { EndpointPace } from './factory.js';
import type { QuotaLimit } from './rate-gate.js';
import type { PacingEntry } from '../core/run-facts.js';
export type { PacingEntry } from '../core/run-facts.js';

const SOURCE: Record<QuotaLimit['source'], string> = { flag: 'given by flag', headers: 'learned from the rate-limit headers' };

function describeLimit(limit: QuotaLimit | null, unit: string, flag: string): string | null {
  return limit ? `${limit.perMinute} ${unit}/min (${limit.source === 'flag' ? `--${flag}` : SOURCE.headers})` : null;
}

export function pacingEntry(p: EndpointPace): PacingEntry {
  const limits = [
    describeLimit(p.pace.requestsPerMinute, 'requests', 'rpm'),
    describeLimit(p.pace.inputTokensPerMinute, 'input tokens', 'tpm'),
    describeLimit(p.pace.outputTokensPerMinute, 'output tokens', 'otpm'),
  ].filter((x): x is string => x !== null);
  const quotaWaitS = Number((p.quotaWaitMs / 1000).toFixed(1));
  const parts = [
    limits.length > 0
      ? `paced at ${limits.join(', ')}, bursts of at most ${p.pace.burstS} s of budget`
      : `no quota given (--rpm/--tpm/--otpm) or stated by the endpoint: only --concurrency limited the calls (peak ${p.peakInFlight} in flight)`,
    p.rateLimited > 0 ? `${p.rateLimited} answers were 429 (retried, not failures)` : 'no 429',
    p.pace.rateCuts > 0
      ? `429s lowered the pace ${p.pace.rateCuts} times, at worst to ${Math.round(p.pace.lowestRateFactor * 100)}% of the limits`
      : null,
    `${quotaWaitS} s waited for quota`,
  ].filter((x): x is string => x !== null);
  return {
    endpoint: p.endpoint,
    requestsPerMinute: p.pace.requestsPerMinute,
    inputTokensPerMinute: p.pace.inputTokensPerMinute,
    outputTokensPerMinute: p.pace.outputTokensPerMinute,
    burstS: p.pace.burstS,
    rateLimited: p.rateLimited,
    rateCuts: p.pace.rateCuts,
    lowestRateFactor: p.pace.lowestRateFactor,
    quotaWaitS,
    peakInFlight: p.peakInFlight,
    summary: `\`${p.endpoint.replace(/`/g, "'")}\`: ${parts.join('; ')}.`,
  };
}

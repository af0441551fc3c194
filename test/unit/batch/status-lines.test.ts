import { describe, expect, it } from 'vitest';
import type { BatchState } from '../../../src/providers/batch-service.js';
import { batchStatusLine, etaMs, formatDuration } from '../../../src/runner/batch/status-lines.js';
import { BATCH_PRICE_FACTOR, batchPrices, costOf } from '../../../src/report/prices.js';

const state = (over: Omit<Partial<BatchState>, 'counts'> & { counts?: Partial<BatchState['counts']> } = {}): BatchState => ({
  id: 'batch_1',
  status: 'in_progress',
  ended: false,
  rejected: false,
  problem: null,
  createdAt: 0,
  ...over,
  counts: { total: 100, succeeded: 20, failed: 5, pending: 75, ...over.counts },
});

describe('batch status lines', () => {
  it('ETA applies the pace so far to what is pending', () => {
    // 25 done in 50 s: 2 s each, 75 pending → 150 s.
    expect(etaMs(state(), 50_000)).toBe(150_000);
    expect(etaMs(state({ counts: { succeeded: 0, failed: 0, pending: 100 } }), 50_000)).toBeNull();
    expect(etaMs(state({ ended: true }), 50_000)).toBe(0);
  });

  it('names role, id, status, counts, failures, elapsed and ETA', () => {
    expect(batchStatusLine('grader 0', state(), 50_000)).toBe(
      'grader 0  batch_1  in_progress  25/100 done  5 failed  elapsed 50s  ETA 2m30s',
    );
    expect(
      batchStatusLine('candidate', state({ status: 'validating', counts: { succeeded: 0, failed: 0, pending: 100 } }), 1000),
    ).toContain('ETA unknown (no progress yet)');
    expect(batchStatusLine('candidate', state({ ended: true, status: 'completed' }), 1000)).not.toContain('ETA');
  });

  it('durations read as h/m/s', () => {
    expect(formatDuration(3_725_000)).toBe('1h02m');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(formatDuration(12_000)).toBe('12s');
  });
});

describe('batch prices', () => {
  it('are half the list price on both providers', () => {
    expect(BATCH_PRICE_FACTOR).toBe(0.5);
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 0 };
    for (const spec of ['openai:gpt-4.1', 'anthropic:claude-sonnet-4-5']) {
      expect(costOf(spec, usage, batchPrices())).toBeCloseTo((costOf(spec, usage) ?? 0) / 2, 10);
    }
  });
});

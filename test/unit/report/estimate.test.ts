import { describe, expect, it } from 'vitest';
import { estimateRun, estimateTokens } from '../../../src/report/estimate.js';
import { costOf, priceOf } from '../../../src/report/prices.js';

describe('cost and dry-run arithmetic', () => {
  it('priceOf – a dated snapshot falls back to its alias; unknown models have no price', () => {
    expect(priceOf('openai:gpt-4.1-2025-04-14')).toEqual(priceOf('openai:gpt-4.1'));
    expect(priceOf('openai:my-local-llama')).toBeNull();
  });

  it('costOf – fresh input, cached input and output at their own rates', () => {
    const table = { 'openai:m': { input: 2, cachedInput: 0.5, output: 8 } };
    // 1M input of which 400k cached, 250k output: 0.6·2 + 0.4·0.5 + 0.25·8 = 1.2 + 0.2 + 2 = 3.4
    expect(costOf('openai:m', { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 250_000 }, table)).toBeCloseTo(3.4, 12);
    expect(costOf('openai:other', { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 }, table)).toBeNull();
  });

  it('estimateTokens – four characters per token, rounded up', () => {
    expect(estimateTokens(0)).toBe(0);
    expect(estimateTokens(1)).toBe(1);
    expect(estimateTokens(8)).toBe(2);
    expect(estimateTokens(9)).toBe(3);
  });

  it('estimateRun – counts calls, sums tokens per call and prices each role', () => {
    const table = { 'openai:c': { input: 1, cachedInput: 0, output: 2 }, 'openai:g': { input: 10, cachedInput: 0, output: 20 } };
    const e = estimateRun({
      candidateSpec: 'openai:c',
      graderSpecs: ['openai:g'],
      candidateInputChars: [400, 800],
      graderInputChars: [4000, 4000, 4000],
      assumedResponseTokens: 500,
      assumedVerdictTokens: 50,
      prices: table,
    });
    expect(e.calls).toEqual({ candidate: 2, grader: 3 });
    expect(e.tokens.candidate).toEqual({ input: 300, output: 1000 });
    expect(e.tokens.grader).toEqual({ input: 3000, output: 150 });
    expect(e.cost.candidate).toBeCloseTo((300 * 1 + 1000 * 2) / 1e6, 15);
    expect(e.cost.grader).toBeCloseTo((3000 * 10 + 150 * 20) / 1e6, 15);
    expect(e.cost.total).toBeCloseTo((300 + 2000 + 30000 + 3000) / 1e6, 15);
  });

  it('estimateRun – an unpriced model makes its role and the total unknown, never a guess', () => {
    const e = estimateRun({
      candidateSpec: 'openai:unknown',
      graderSpecs: ['openai:gpt-4.1'],
      candidateInputChars: [10],
      graderInputChars: [10],
      assumedResponseTokens: 1,
      assumedVerdictTokens: 1,
    });
    expect(e.cost.candidate).toBeNull();
    expect(e.cost.grader).not.toBeNull();
    expect(e.cost.total).toBeNull();
  });
});

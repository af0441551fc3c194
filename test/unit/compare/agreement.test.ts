import { describe, expect, test } from 'vitest';
import type { SampleRecord } from '../../../src/core/types.js';
import { agreementCell, computeAgreement, renderAgreementMarkdown } from '../../../src/compare/agreement.js';
import { RUN_A, RUN_B } from './agreement-fixture.js';

const SIDES = { a: { label: 'per-criterion', grader: 'openai:g, per-criterion' }, b: { label: 'batched', grader: 'openai:g, batched' } };
const result = computeAgreement(RUN_A, RUN_B, SIDES);

describe('agreementCell', () => {
  test("percent agreement and Cohen's kappa of a 2×2 table (hand-checked)", () => {
    const c = agreementCell({ bothMet: 4, onlyA: 1, onlyB: 2, neitherMet: 3 });
    expect(c.n).toBe(10);
    expect(c.percentAgreement).toBeCloseTo(0.7, 12);
    expect(c.metRateA).toBeCloseTo(0.5, 12);
    expect(c.metRateB).toBeCloseTo(0.6, 12);
    expect(c.kappa).toBeCloseTo(0.4, 12);
  });

  test('perfect agreement is kappa 1; agreement no better than chance is 0; systematic disagreement is negative', () => {
    expect(agreementCell({ bothMet: 3, onlyA: 0, onlyB: 0, neitherMet: 2 }).kappa).toBeCloseTo(1, 12);
    expect(agreementCell({ bothMet: 1, onlyA: 1, onlyB: 1, neitherMet: 1 }).kappa).toBeCloseTo(0, 12);
    expect(agreementCell({ bothMet: 0, onlyA: 2, onlyB: 2, neitherMet: 0 }).kappa).toBeCloseTo(-1, 12);
  });

  test('kappa is null when chance agreement is 1 (one verdict throughout) or there is nothing to compare', () => {
    expect(agreementCell({ bothMet: 0, onlyA: 0, onlyB: 0, neitherMet: 5 })).toMatchObject({ percentAgreement: 1, kappa: null });
    expect(agreementCell({ bothMet: 0, onlyA: 0, onlyB: 0, neitherMet: 0 })).toMatchObject({ n: 0, percentAgreement: null, kappa: null });
  });
});

describe('computeAgreement', () => {
  test('overall: the hand-checked table of the fixture runs', () => {
    expect(result.overall).toMatchObject({ n: 10, bothMet: 4, onlyA: 1, onlyB: 2, neitherMet: 3 });
    expect(result.overall.percentAgreement).toBeCloseTo(0.7, 12);
    expect(result.overall.kappa).toBeCloseTo(0.4, 12);
  });

  test('per axis and per polarity', () => {
    expect(Object.keys(result.byAxis)).toEqual(['accuracy', 'communication_quality', 'completeness']);
    expect(result.byAxis['accuracy']).toMatchObject({ n: 4, bothMet: 2, onlyA: 1, neitherMet: 1 });
    expect(result.byAxis['accuracy']?.kappa).toBeCloseTo(0.5, 12);
    expect(result.byAxis['completeness']?.kappa).toBeCloseTo(0.5, 12);
    expect(result.byAxis['communication_quality']?.kappa).toBeCloseTo(0, 12);
    expect(result.byPolarity.positive.n).toBe(7);
    expect(result.byPolarity.positive.kappa).toBeCloseTo(-4 / 17, 12);
    expect(result.byPolarity.negative).toMatchObject({ n: 3, percentAgreement: 1, kappa: null });
  });

  test('pairing: one-sided samples, different responses and grader errors are left out and counted; the last record wins', () => {
    expect(result.pairing).toEqual({
      samplesA: 6,
      samplesB: 6,
      pairedSamples: 4,
      onlyInA: 1,
      onlyInB: 1,
      responseMismatch: 1,
      noResponse: 0,
      criteriaPaired: 10,
      criteriaWithoutVerdict: 1,
      criteriaUnmatched: 0,
    });
  });

  test('mean scores over the samples both runs scored', () => {
    expect(result.scores.n).toBe(3);
    expect(result.scores.meanA).toBeCloseTo(0.7, 12);
    expect(result.scores.meanB).toBeCloseTo(2 / 3, 12);
  });

  test('disagreements are listed in sample order, capped', () => {
    expect(result.disagreements.map((d) => [d.exampleId, d.text, d.metA, d.metB])).toEqual([
      ['s1', 's1 c2', true, false],
      ['s1', 's1 c4', false, true],
      ['s2', 's2 c4', false, true],
    ]);
    expect(computeAgreement(RUN_A, RUN_B, SIDES, { maxDisagreements: 1 }).disagreements).toHaveLength(1);
  });

  test('criteria pair by text and occurrence, so a repeated text pairs one to one and extra criteria are counted', () => {
    const base = RUN_B[2] as SampleRecord;
    const twice = (s: SampleRecord, mets: boolean[]): SampleRecord => ({
      ...s,
      criteria: mets.map((met) => ({ ...(s.criteria[0] as SampleRecord['criteria'][number]), met })),
    });
    const r = computeAgreement([twice(base, [true, false])], [twice(base, [true, false, true])], SIDES);
    expect(r.overall).toMatchObject({ n: 2, bothMet: 1, neitherMet: 1 });
    expect(r.pairing.criteriaUnmatched).toBe(1);
  });

  test('a sample without a response on one side is left out as a candidate error', () => {
    const s = RUN_A[2] as SampleRecord;
    const r = computeAgreement([s], [{ ...s, response: null }], SIDES);
    expect(r.pairing).toMatchObject({ pairedSamples: 0, noResponse: 1 });
    expect(r.overall.n).toBe(0);
  });
});

describe('renderAgreementMarkdown', () => {
  test('the tables show agreement and kappa per group, what was left out and the disagreements', () => {
    const md = renderAgreementMarkdown(result);
    expect(md).toContain('## healthbench agreement: `per-criterion` (openai:g, per-criterion) vs `batched` (openai:g, batched)');
    expect(md).toContain('| overall | 10 | 70.0% | 0.400 | 50.0% | 60.0% | 1 | 2 |');
    expect(md).toContain('| axis:accuracy | 4 | 75.0% | 0.500 |');
    expect(md).toContain('| negative criteria | 3 | 100.0% | n/a |');
    expect(md).toContain('- different responses: 1 samples');
    expect(md).toContain('| `s1` | 0 | 3 | s1 c2 | met | not met |');
  });
});

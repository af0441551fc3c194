/**
 * MedCalc accuracy roll-ups (docs/medcalc.md §7): overall (micro), by category and by calculator,
 * with the true-n binomial standard error, a Wilson 95% interval, and the numbers table_stats.py
 * prints (`average = round(100·p, 2)`, `std = round(sqrt(p(1−p)/n), 2)` with n = 1047 hard-coded
 * for the overall row). Pure.
 */
import { pyRoundFloat } from './python-float.js';
import type { MedcalcRow } from './types.js';

/** The v1.0 test-set size that table_stats.py hard-codes in the overall std. */
export const UPSTREAM_OVERALL_N = 1047;

const Z95 = 1.959963984540054;

/** Accuracy of one group of rows. */
export interface MedcalcAccuracy {
  /** Fraction correct, 0..1 (0 when n = 0). */
  accuracy: number;
  /** Binomial standard error sqrt(p(1−p)/n) with the group's true n, as a fraction. */
  stderr: number;
  /** Wilson score 95% interval (better than the normal one near 0/1 and for small n); [0, 1] when n = 0. */
  ci95: [number, number];
  /** Rows counted (after de-duplication). */
  n: number;
  correct: number;
  /** What table_stats.py prints: `average` in percent and `std` as a fraction, both Python-rounded to 2 decimals. */
  upstream: { average: number; std: number };
}

/** Accuracy of one calculator. */
export interface MedcalcCalculatorAccuracy extends MedcalcAccuracy {
  name: string;
}

/** All roll-ups of one run. */
export interface MedcalcAggregate {
  overall: MedcalcAccuracy;
  /** Categories in first-seen order. */
  byCategory: Record<string, MedcalcAccuracy>;
  /** Keyed by calculator ID as a string. */
  byCalculator: Record<string, MedcalcCalculatorAccuracy>;
  /** Records dropped because their (Calculator ID, Note ID) was already counted (the first one wins, as upstream resume). */
  duplicates: number;
}

/** One graded row as the aggregation needs it. */
export interface MedcalcOutcome {
  row: Pick<MedcalcRow, 'calculatorId' | 'calculatorName' | 'category' | 'noteId'>;
  correct: boolean;
}

/** Wilson score interval for `correct` successes out of `n`. */
export function wilsonInterval(correct: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = correct / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // The bounds are exactly 0 and 1 at p = 0 and p = 1; avoid 0.9999999999999999 from rounding.
  return [correct === 0 ? 0 : Math.max(0, center - half), correct === n ? 1 : Math.min(1, center + half)];
}

/** Summary of `correct` out of `n`; `upstreamN` is the n table_stats.py divides by for its std. */
export function summarizeAccuracy(correct: number, n: number, upstreamN: number = n): MedcalcAccuracy {
  const p = n === 0 ? 0 : correct / n;
  const stderr = n === 0 ? 0 : Math.sqrt((p * (1 - p)) / n);
  const upstreamStd = upstreamN === 0 ? 0 : Math.sqrt((p * (1 - p)) / upstreamN);
  return {
    accuracy: p,
    stderr,
    ci95: wilsonInterval(correct, n),
    n,
    correct,
    upstream: { average: pyRoundFloat(100 * p, 2), std: pyRoundFloat(upstreamStd, 2) },
  };
}

/**
 * Roll up graded rows. Duplicated (Calculator ID, Note ID) pairs are counted once (first wins).
 * `upstreamOverallN` defaults to the 1047 that table_stats.py hard-codes, even for 1,100-row sets.
 */
export function aggregateMedcalc(outcomes: readonly MedcalcOutcome[], options: { upstreamOverallN?: number } = {}): MedcalcAggregate {
  const seen = new Set<string>();
  let duplicates = 0;
  let total = 0;
  let totalCorrect = 0;
  const cats = new Map<string, { n: number; correct: number }>();
  const calcs = new Map<number, { n: number; correct: number; name: string }>();
  for (const { row, correct } of outcomes) {
    const key = `${row.calculatorId}\u0000${row.noteId}`;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    const hit = correct ? 1 : 0;
    total++;
    totalCorrect += hit;
    const cat = cats.get(row.category) ?? { n: 0, correct: 0 };
    cat.n++;
    cat.correct += hit;
    cats.set(row.category, cat);
    const calc = calcs.get(row.calculatorId) ?? { n: 0, correct: 0, name: row.calculatorName };
    calc.n++;
    calc.correct += hit;
    calcs.set(row.calculatorId, calc);
  }
  const byCategory: Record<string, MedcalcAccuracy> = {};
  for (const [name, c] of cats) byCategory[name] = summarizeAccuracy(c.correct, c.n);
  const byCalculator: Record<string, MedcalcCalculatorAccuracy> = {};
  for (const id of [...calcs.keys()].sort((a, b) => a - b)) {
    const c = calcs.get(id) as { n: number; correct: number; name: string };
    byCalculator[String(id)] = { ...summarizeAccuracy(c.correct, c.n), name: c.name };
  }
  return {
    overall: summarizeAccuracy(totalCorrect, total, options.upstreamOverallN ?? UPSTREAM_OVERALL_N),
    byCategory,
    byCalculator,
    duplicates,
  };
}

/** The upstream results-file shape: categories in first-seen order, then `overall`, each `{average, std}`. */
export function toUpstreamResults(agg: MedcalcAggregate): Record<string, { average: number; std: number }> {
  const out: Record<string, { average: number; std: number }> = {};
  for (const [name, summary] of Object.entries(agg.byCategory)) out[name] = { ...summary.upstream };
  out['overall'] = { ...agg.overall.upstream };
  return out;
}

/**
 * The per-sample metric map that generic aggregation, diffs and gates read:
 * `{ accuracy, 'category:<c>', 'calculator:<id>' }`, each 1 or 0.
 */
export function medcalcSampleMetrics(row: Pick<MedcalcRow, 'calculatorId' | 'category'>, correct: boolean): Record<string, number> {
  const v = correct ? 1 : 0;
  return { accuracy: v, [`category:${row.category}`]: v, [`calculator:${row.calculatorId}`]: v };
}

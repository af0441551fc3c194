/**
 * Verdict agreement between two runs that graded the same responses (e.g. per-criterion vs batched grading, or two
 * graders): percent agreement and Cohen's kappa, overall, per axis and per polarity. Pure.
 */
import type { CriterionResult, SampleRecord } from '../core/types.js';

/** A 2×2 table of verdicts (A's verdict × B's verdict) and what follows from it. */
export interface AgreementCell {
  /** Criteria with a verdict in both runs. */
  n: number;
  bothMet: number;
  onlyA: number;
  onlyB: number;
  neitherMet: number;
  /** (bothMet + neitherMet) / n; null when n = 0. */
  percentAgreement: number | null;
  /** Cohen's kappa (po − pe) / (1 − pe); null when n = 0 or pe = 1 (both runs gave one verdict throughout). */
  kappa: number | null;
  /** Share of criteria judged met by each run. */
  metRateA: number | null;
  metRateB: number | null;
}

/** One criterion on which the runs disagree. */
export interface Disagreement {
  exampleId: string;
  repeat: number;
  text: string;
  points: number;
  metA: boolean;
  metB: boolean;
}

/** One side of the comparison, as the caller describes it. */
export interface AgreementSide {
  label: string;
  /** Grader spec and mode, when known (from report.json). */
  grader: string | null;
}

/** `agreement.json`, format version 1. */
export interface AgreementReport {
  formatVersion: 1;
  a: AgreementSide;
  b: AgreementSide;
  pairing: {
    /** Samples (exampleId, repeat) in each run, after keeping the last record of each. */
    samplesA: number;
    samplesB: number;
    /** Samples present in both runs with the same response and no candidate error. */
    pairedSamples: number;
    onlyInA: number;
    onlyInB: number;
    /** Samples left out because their responses differ: not the same thing graded twice. */
    responseMismatch: number;
    /** Samples left out because a side has no response (candidate error). */
    noResponse: number;
    /** Criteria paired by text (and occurrence) with a verdict on both sides. */
    criteriaPaired: number;
    /** Criteria left out because a side has no verdict (grader error). */
    criteriaWithoutVerdict: number;
    /** Criteria present on one side only (the rubrics differ). */
    criteriaUnmatched: number;
  };
  overall: AgreementCell;
  /** By the criterion's `axis:*` tag (`none` when it has none). */
  byAxis: Record<string, AgreementCell>;
  /** Positive-points criteria (desired behaviour) vs negative-points ones (undesired behaviour). */
  byPolarity: { positive: AgreementCell; negative: AgreementCell };
  /** Mean per-sample score of each run over the paired samples both scored (unclipped means). */
  scores: { n: number; meanA: number | null; meanB: number | null };
  /** The first disagreements in sample order, at most `maxDisagreements`. */
  disagreements: Disagreement[];
}

interface Counts {
  bothMet: number;
  onlyA: number;
  onlyB: number;
  neitherMet: number;
}

const emptyCounts = (): Counts => ({ bothMet: 0, onlyA: 0, onlyB: 0, neitherMet: 0 });

/** Percent agreement and Cohen's kappa of a 2×2 verdict table. */
export function agreementCell(c: Counts): AgreementCell {
  const n = c.bothMet + c.onlyA + c.onlyB + c.neitherMet;
  if (n === 0) return { n, ...c, percentAgreement: null, kappa: null, metRateA: null, metRateB: null };
  const po = (c.bothMet + c.neitherMet) / n;
  const pa = (c.bothMet + c.onlyA) / n;
  const pb = (c.bothMet + c.onlyB) / n;
  const pe = pa * pb + (1 - pa) * (1 - pb);
  return { n, ...c, percentAgreement: po, kappa: pe === 1 ? null : (po - pe) / (1 - pe), metRateA: pa, metRateB: pb };
}

const key = (s: SampleRecord): string => `${s.exampleId}\u0000${s.repeat}`;

/** The last record of each (exampleId, repeat): samples.jsonl appends a retried sample again. */
function latest(samples: readonly SampleRecord[]): Map<string, SampleRecord> {
  const m = new Map<string, SampleRecord>();
  for (const s of samples) {
    m.delete(key(s));
    m.set(key(s), s);
  }
  return m;
}

/** Criteria keyed by text and occurrence, so a rubric that repeats a text still pairs one to one. */
function byText(criteria: readonly CriterionResult[]): Map<string, CriterionResult> {
  const seen = new Map<string, number>();
  const out = new Map<string, CriterionResult>();
  for (const c of criteria) {
    const k = seen.get(c.text) ?? 0;
    seen.set(c.text, k + 1);
    out.set(`${c.text}\u0000${k}`, c);
  }
  return out;
}

function tally(c: Counts, a: boolean, b: boolean): void {
  if (a && b) c.bothMet += 1;
  else if (a) c.onlyA += 1;
  else if (b) c.onlyB += 1;
  else c.neitherMet += 1;
}

/**
 * Pairs the samples of two runs by (exampleId, repeat) and their criteria by text, then measures how often the
 * verdicts agree. Samples whose responses differ are left out (and counted): agreement here is about grading the
 * same response twice, not about sampling the candidate twice.
 */
export function computeAgreement(
  samplesA: readonly SampleRecord[],
  samplesB: readonly SampleRecord[],
  sides: { a: AgreementSide; b: AgreementSide },
  opts: { maxDisagreements?: number } = {},
): AgreementReport {
  const maxDisagreements = opts.maxDisagreements ?? 20;
  const a = latest(samplesA);
  const b = latest(samplesB);
  const pairing: AgreementReport['pairing'] = {
    samplesA: a.size,
    samplesB: b.size,
    pairedSamples: 0,
    onlyInA: 0,
    onlyInB: [...b.keys()].filter((k) => !a.has(k)).length,
    responseMismatch: 0,
    noResponse: 0,
    criteriaPaired: 0,
    criteriaWithoutVerdict: 0,
    criteriaUnmatched: 0,
  };
  const overall = emptyCounts();
  const axes = new Map<string, Counts>();
  const polarity = { positive: emptyCounts(), negative: emptyCounts() };
  const disagreements: Disagreement[] = [];
  let scored = 0;
  let sumA = 0;
  let sumB = 0;
  for (const [k, sa] of a) {
    const sb = b.get(k);
    if (!sb) {
      pairing.onlyInA += 1;
      continue;
    }
    if (sa.response === null || sb.response === null) {
      pairing.noResponse += 1;
      continue;
    }
    if (sa.response !== sb.response) {
      pairing.responseMismatch += 1;
      continue;
    }
    pairing.pairedSamples += 1;
    if (sa.score !== null && sb.score !== null) {
      scored += 1;
      sumA += sa.score;
      sumB += sb.score;
    }
    const cb = byText(sb.criteria);
    const matched = new Set<string>();
    for (const [ck, ca] of byText(sa.criteria)) {
      const other = cb.get(ck);
      if (!other) {
        pairing.criteriaUnmatched += 1;
        continue;
      }
      matched.add(ck);
      if (ca.met === null || other.met === null) {
        pairing.criteriaWithoutVerdict += 1;
        continue;
      }
      pairing.criteriaPaired += 1;
      tally(overall, ca.met, other.met);
      const axis = ca.tags.find((t) => t.startsWith('axis:'))?.slice(5) ?? 'none';
      let cell = axes.get(axis);
      if (!cell) axes.set(axis, (cell = emptyCounts()));
      tally(cell, ca.met, other.met);
      tally(ca.points < 0 ? polarity.negative : polarity.positive, ca.met, other.met);
      if (ca.met !== other.met && disagreements.length < maxDisagreements) {
        disagreements.push({ exampleId: sa.exampleId, repeat: sa.repeat, text: ca.text, points: ca.points, metA: ca.met, metB: other.met });
      }
    }
    pairing.criteriaUnmatched += [...cb.keys()].filter((ck) => !matched.has(ck)).length;
  }
  return {
    formatVersion: 1,
    a: sides.a,
    b: sides.b,
    pairing,
    overall: agreementCell(overall),
    byAxis: Object.fromEntries([...axes.keys()].sort().map((ax) => [ax, agreementCell(axes.get(ax) ?? emptyCounts())])),
    byPolarity: { positive: agreementCell(polarity.positive), negative: agreementCell(polarity.negative) },
    scores: { n: scored, meanA: scored > 0 ? sumA / scored : null, meanB: scored > 0 ? sumB / scored : null },
    disagreements,
  };
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, d = 3): string => (v === null ? 'n/a' : v.toFixed(d));

function row(name: string, c: AgreementCell): string {
  return `| ${name} | ${c.n} | ${pct(c.percentAgreement)} | ${num(c.kappa)} | ${pct(c.metRateA)} | ${pct(c.metRateB)} | ${c.onlyA} | ${c.onlyB} |`;
}

/** `agreement.md`: the tables a person reads before trusting a cheaper grading mode. */
export function renderAgreementMarkdown(r: AgreementReport): string {
  const side = (s: AgreementSide): string => `\`${s.label}\`${s.grader ? ` (${s.grader})` : ''}`;
  const p = r.pairing;
  const lines = [
    `## healthbench agreement: ${side(r.a)} vs ${side(r.b)}`,
    '',
    `Paired ${p.pairedSamples} samples (${p.criteriaPaired} criteria with a verdict in both runs).`,
    '',
    "| group | criteria | agreement | Cohen's kappa | met in A | met in B | met only in A | met only in B |",
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('overall', r.overall),
    ...Object.entries(r.byAxis).map(([ax, c]) => row(`axis:${ax}`, c)),
    row('positive criteria', r.byPolarity.positive),
    row('negative criteria', r.byPolarity.negative),
    '',
    `Mean sample score over ${r.scores.n} samples scored by both: A ${num(r.scores.meanA, 4)}, B ${num(r.scores.meanB, 4)}.`,
    '',
  ];
  const left = [
    p.onlyInA > 0 ? `only in A: ${p.onlyInA} samples` : '',
    p.onlyInB > 0 ? `only in B: ${p.onlyInB} samples` : '',
    p.responseMismatch > 0
      ? `different responses: ${p.responseMismatch} samples (grade the same responses, e.g. with --cache, to compare graders)`
      : '',
    p.noResponse > 0 ? `no response (candidate error): ${p.noResponse} samples` : '',
    p.criteriaWithoutVerdict > 0 ? `no verdict on a side (grader error): ${p.criteriaWithoutVerdict} criteria` : '',
    p.criteriaUnmatched > 0 ? `criteria on one side only: ${p.criteriaUnmatched}` : '',
  ].filter(Boolean);
  if (left.length > 0) lines.push('Left out:', ...left.map((l) => `- ${l}`), '');
  lines.push(
    'Kappa corrects agreement for chance: 1 is perfect, 0 is what two graders with these met-rates would reach by luck. As a rough guide, above 0.8 is strong agreement; below 0.6, treat scores from the two runs as different measurements.',
    '',
  );
  if (r.disagreements.length > 0) {
    lines.push(
      `First ${r.disagreements.length} disagreements:`,
      '',
      '| example | repeat | points | criterion | A | B |',
      '|---|---:|---:|---|---|---|',
    );
    for (const d of r.disagreements) {
      const text = d.text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
      lines.push(
        `| \`${d.exampleId}\` | ${d.repeat} | ${d.points} | ${text.length > 120 ? `${text.slice(0, 117)}...` : text} | ${d.metA ? 'met' : 'not met'} | ${d.metB ? 'met' : 'not met'} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}`;
}

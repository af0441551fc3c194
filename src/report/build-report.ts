import { addUsage, emptyUsage, type GroupSummary, type SampleRecord, type TokenUsage } from '../core/types.js';
import {
  aggregateClippedSeries,
  collectSeries,
  exampleMetrics,
  newBootstrapCache,
  summarizeGroup,
  type BootstrapCache,
} from '../scoring/index.js';
import { PROFESSIONAL_FAMILIES } from '../core/professional.js';
import { agreementCell } from '../compare/agreement.js';
import { buildLengthAdjustment, meanResponseChars, type LengthAdjustmentSetting } from './length-report.js';
import type { OrderedSample } from '../core/task.js';
import type { PlanReportContext } from '../core/plan.js';
import {
  RESPONSE_EXCERPT_CHARS,
  type DatasetInfo,
  type HealthbenchReport,
  type LowScoringExample,
  type Report,
  type ReportError,
} from './types.js';

export type { OrderedSample } from '../core/task.js';

/** What the report needs besides the samples: the run's identity (as the runner gives it), the data and the notes. */
export interface ReportContext extends PlanReportContext {
  dataset: DatasetInfo;
  notes: string[];
  /** How many lowest-scoring examples to list. @default 10 */
  lowest?: number;
  /** With several graders (`--grader` repeated): their specs, in order, for per-grader scores and agreement. */
  graderSpecs?: string[];
  /** The length adjustment of the run (`--length-adjustment*`), or null/absent for none. */
  lengthAdjustment?: LengthAdjustmentSetting | null;
}

/**
 * With several graders: the overall score each grader alone would give, and each pair's verdict agreement
 * (percent and Cohen's kappa) over the criteria both judged.
 */
function perGrader(
  scored: readonly SampleRecord[],
  specs: readonly string[],
  seed: number,
): Pick<Report, 'graderScores' | 'graderAgreement'> {
  const graderScores: Record<string, GroupSummary> = {};
  specs.forEach((spec, g) => {
    const values: number[] = [];
    for (const s of scored) {
      const met = s.criteria.map((c) => c.verdicts?.[g] === true);
      const m = exampleMetrics(s.exampleTags, s.criteria, met);
      if (m?.['overall_score'] !== undefined) values.push(m['overall_score']);
    }
    if (values.length > 0) graderScores[`${g + 1}: ${spec}`] = summarize(values, `grader:${g}:overall_score`, seed);
  });
  const graderAgreement: NonNullable<Report['graderAgreement']> = [];
  for (let a = 0; a < specs.length; a += 1) {
    for (let b = a + 1; b < specs.length; b += 1) {
      const counts = { bothMet: 0, onlyA: 0, onlyB: 0, neitherMet: 0 };
      for (const s of scored) {
        for (const c of s.criteria) {
          const va = c.verdicts?.[a];
          const vb = c.verdicts?.[b];
          if (typeof va !== 'boolean' || typeof vb !== 'boolean') continue;
          if (va && vb) counts.bothMet += 1;
          else if (va) counts.onlyA += 1;
          else if (vb) counts.onlyB += 1;
          else counts.neitherMet += 1;
        }
      }
      const cell = agreementCell(counts);
      graderAgreement.push({ a: specs[a] ?? '', b: specs[b] ?? '', n: cell.n, percentAgreement: cell.percentAgreement, kappa: cell.kappa });
    }
  }
  return { graderScores, graderAgreement };
}

const FAMILIES = ['cluster', 'physician_agreed_category', 'level', ...PROFESSIONAL_FAMILIES] as const;

/** Appends a value to the list under `key`. */
function pushTo(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function summarize(values: number[], name: string, seed: number, cache?: BootstrapCache): GroupSummary {
  return summarizeGroup(values, { seed, name, clip: true, cache });
}

/** Groups the metric series whose name starts with `prefix:` into summaries keyed by the rest of the name. */
function byPrefix(series: Map<string, number[]>, prefix: string, seed: number, cache: BootstrapCache): Record<string, GroupSummary> {
  const out: Record<string, GroupSummary> = {};
  for (const name of [...series.keys()].filter((k) => k.startsWith(`${prefix}:`)).sort()) {
    out[name.slice(prefix.length + 1)] = summarize(series.get(name) ?? [], name, seed, cache);
  }
  return out;
}

/** `meanResponseChars` when the samples recorded lengths, and `lengthAdjustment` when an adjustment is configured. */
function lengthFields(
  scored: readonly SampleRecord[],
  ctx: ReportContext,
): Pick<Report, 'meanResponseChars' | 'lengthAdjustment' | 'overall_score_length_adjusted'> {
  const chars = meanResponseChars(scored);
  const adjustment = buildLengthAdjustment(scored, ctx.lengthAdjustment, ctx.seed);
  return {
    ...(chars === null ? {} : { meanResponseChars: chars }),
    // The adjusted headline also as a plain group summary, so generic readers (report.html) show it beside `overall`.
    ...(adjustment ? { overall_score_length_adjusted: adjustment.overall.adjusted, lengthAdjustment: adjustment } : {}),
  };
}

/** overall_score per language, in the samples' order: the values of the `language:<code>` summaries. */
function languageValues(scored: readonly SampleRecord[]): Map<string, number[]> {
  const values = new Map<string, number[]>();
  for (const s of scored) {
    const v = s.metrics?.['overall_score'];
    if (v !== undefined) pushTo(values, s.language, v);
  }
  return values;
}

/**
 * The series a HealthBench report over these samples (in reference order) bootstraps, as (stream name, values): the
 * flat metric map's, `score` included, then the per-language groups. A caller can draw them ahead, on another thread,
 * and hand them to {@link buildHealthbenchReport} as its bootstrap cache; per-grader scores and the length adjustment
 * are left to the report.
 */
export function healthbenchBootstrapSeries(ordered: readonly SampleRecord[]): Array<[string, number[]]> {
  const scored = ordered.filter((s) => s.error === null && s.metrics !== null);
  const flat = collectSeries(scored.map((s) => s.metrics as Record<string, number>));
  const languages = [...languageValues(scored)].map(([lang, values]): [string, number[]] => [`language:${lang}`, values]);
  return [...flat, ...languages];
}

/**
 * Builds `report.json` for a HealthBench run. Pure: the samples come in any order and are put in the
 * reference order (by position) first, so pairwise means match the reference bit for bit and a resumed
 * run reports exactly what an uninterrupted one does.
 */
export function buildHealthbenchReport(samples: readonly OrderedSample[], ctx: ReportContext): HealthbenchReport {
  const ordered = [...samples].sort((a, b) => a.position - b.position).map((s) => s.sample);
  const scored = ordered.filter((s) => s.error === null && s.metrics !== null);
  const perExample = scored.map((s) => s.metrics as Record<string, number>);
  // One cache per report: the group summaries below reuse the bootstraps of the flat metric map.
  const cache = ctx.bootstrapCache ?? newBootstrapCache();
  // The flat map's series; `score` among them is never read below (no group family is named `score`).
  const series = collectSeries(perExample);
  const metrics = aggregateClippedSeries(series, { seed: ctx.seed, cache });
  const byLanguageValues = languageValues(scored);
  const byLanguage: Record<string, GroupSummary> = {};
  for (const lang of [...byLanguageValues.keys()].sort()) {
    byLanguage[lang] = summarize(byLanguageValues.get(lang) ?? [], `language:${lang}`, ctx.seed, cache);
  }
  const overallValues = series.get('overall_score') ?? [];
  const overall =
    overallValues.length > 0
      ? summarize(overallValues, 'overall_score', ctx.seed, cache)
      : { score: 0, bootstrapStd: 0, ci95: [0, 0] as [number, number], n: 0 };
  const errors: ReportError[] = ordered
    .filter((s) => s.error !== null)
    .map((s) => ({ exampleId: s.exampleId, repeat: s.repeat, stage: s.error?.stage ?? 'unknown', message: s.error?.message ?? '' }));
  const usage: Record<string, TokenUsage> = {
    candidate: ordered.reduce((u, s) => addUsage(u, s.usage.candidate), emptyUsage()),
    grader: ordered.reduce((u, s) => addUsage(u, s.usage.grader), emptyUsage()),
  };
  const lowest: LowScoringExample[] = [...scored]
    .sort((a, b) => (a.score ?? 0) - (b.score ?? 0))
    .slice(0, ctx.lowest ?? 10)
    .map((s) => ({
      exampleId: s.exampleId,
      repeat: s.repeat,
      score: s.score ?? 0,
      theme: s.exampleTags.find((t) => t.startsWith('theme:'))?.slice(6) ?? null,
      missed: s.criteria
        .filter((c) => (c.points > 0 && c.met === false) || (c.points < 0 && c.met === true))
        .map((c) => ({ text: c.text, points: c.points, met: c.met === true })),
      response: s.response === null ? null : s.response.slice(0, RESPONSE_EXCERPT_CHARS),
    }));
  const byGroup: Record<string, Record<string, GroupSummary>> = {};
  for (const f of FAMILIES) {
    const groups = byPrefix(series, f, ctx.seed, cache);
    if (Object.keys(groups).length > 0) byGroup[f] = groups;
  }
  const byIdealGroup = new Map<string, number[]>();
  for (const s of scored) {
    const g = s.detail?.['idealCompletionsGroup'];
    const v = s.metrics?.['overall_score'];
    if (typeof g === 'string' && v !== undefined) pushTo(byIdealGroup, g, v);
  }
  if (byIdealGroup.size > 0) {
    byGroup['ideal_completions_group'] = Object.fromEntries(
      [...byIdealGroup.keys()]
        .sort()
        .map((g) => [g, summarize(byIdealGroup.get(g) ?? [], `ideal_completions_group:${g}`, ctx.seed, cache)]),
    );
  }
  return {
    formatVersion: 1,
    runId: ctx.runId,
    createdAt: ctx.createdAt,
    task: 'healthbench',
    tool: { name: 'healthbench', version: ctx.toolVersion },
    dataset: ctx.dataset,
    model: ctx.model,
    grader: ctx.grader,
    seed: ctx.seed,
    repeats: ctx.repeats,
    testDouble: ctx.testDouble,
    notes: ctx.notes,
    overall: { ...overall, errors: errors.length },
    byTheme: byPrefix(series, 'theme', ctx.seed, cache),
    byAxis: byPrefix(series, 'axis', ctx.seed, cache),
    byLanguage,
    byGroup,
    metrics,
    usage,
    errors,
    lowest,
    ...lengthFields(scored, ctx),
    ...(ctx.graderSpecs && ctx.graderSpecs.length > 1 ? perGrader(scored, ctx.graderSpecs, ctx.seed) : {}),
  };
}

/**
 * Paired comparison of two runs per group (overall, theme, axis, physician category, MedCalc category, language),
 * with a seeded paired bootstrap over prompts. Pure: the caller loads both runs and passes them in.
 */
import { PROFESSIONAL_FAMILIES } from '../core/professional.js';
import { UsageError } from '../core/errors.js';
import type { CriterionResult, SampleRecord } from '../core/types.js';
import type { Report } from '../report/types.js';
import { LENGTH_ADJUSTED_KEY, MT19937, meanClipped, meanUnclipped, pairwiseSumRange } from '../scoring/index.js';
import { bootstrapPValue, holmAdjust, type Correction } from './multiple-comparisons.js';

/** One side of a comparison: a finished run's report and its samples. */
export interface RunSide {
  runId: string;
  report: Report;
  samples: SampleRecord[];
}

/** Options of {@link diffRuns}. */
export interface DiffOptions {
  /** Seed of the bootstrap stream; the same seed and inputs give the same CIs. */
  seed: number;
  /** Bootstrap resamples per group. @default 1000 */
  bootstrapSamples?: number;
  /** Two-sided level of the percentile CI. @default 0.05 (a 95% CI) */
  alpha?: number;
  /** Compare even when dataset digest, grader spec or grader template differ (recorded as warnings). @default false */
  allowGraderChange?: boolean;
  /** How many most-changed samples to list. @default 10 */
  topExamples?: number;
  /**
   * Fewest paired prompts for a group's change to be called significant. @default 6
   * Below 6 prompts not even a unanimous sign flip reaches two-sided p < 0.05 in an exact sign test, and the
   * percentile bootstrap is then far too narrow, so its "significant" would be noise.
   */
  minPromptsForSignificance?: number;
  /**
   * Multiple-comparison correction across the diff's groups. `none`: a group is significant when its CI excludes 0.
   * `holm`: when its Holm-adjusted bootstrap p-value is below `alpha`, over the groups with enough prompts. @default 'none'
   */
  correction?: Correction;
}

/** What identifies a run for comparability. */
export interface DiffRunInfo {
  runId: string;
  task: Report['task'];
  datasetName: string;
  datasetSha256: string;
  graderSpec: string | null;
  graderTemplateSha256: string | null;
  /** Sample records read from the run (errors included). */
  samples: number;
}

/** Change of one group between base and head, over the paired samples only. */
export interface GroupDelta {
  /** `overall`, a metric key (`theme:*`, `axis:*`, `physician_agreed_category:*`, `category:*`) or `language:<code>`. */
  group: string;
  /** Base score over the paired samples (clipped mean for HealthBench, plain mean otherwise). */
  base: number;
  head: number;
  /** head − base. */
  delta: number;
  /** Percentile CI of the delta at level 1 − alpha, from the paired bootstrap over prompts. */
  ci: [number, number];
  /** CI excludes 0 and the group has at least `minPromptsForSignificance` prompts. */
  significant: boolean;
  /** `regressed`/`improved` only when significant. */
  direction: 'regressed' | 'improved' | 'unchanged';
  /** Paired samples in the group. */
  n: number;
  /** Distinct prompts in the group: the bootstrap's resampling unit. */
  prompts: number;
  /** Two-sided bootstrap p-value of "no change" (see multiple-comparisons.ts). */
  p: number;
  /** Holm-adjusted p-value with `correction: 'holm'` (null for groups with too few prompts, or without a correction). */
  pAdjusted: number | null;
}

/** An example whose samples exist in one run only. */
export interface OneSidedExample {
  exampleId: string;
  repeats: number[];
}

/** A criterion whose verdict differs between base and head (matched by text). */
export interface FlippedCriterion {
  text: string;
  points: number;
  base: boolean;
  head: boolean;
}

/** A paired sample whose headline score changed. */
export interface ChangedExample {
  exampleId: string;
  repeat: number;
  base: number;
  head: number;
  delta: number;
  flipped: FlippedCriterion[];
}

/** `diff.json`, format version 1. */
export interface RunDiff {
  formatVersion: 1;
  base: DiffRunInfo;
  head: DiffRunInfo;
  /** Per-sample metric the overall and language groups read (`overall_score`, `accuracy`...). */
  headlineMetric: string;
  /** True for HealthBench: group scores are clip(mean, 0, 1) like the reference. */
  clipped: boolean;
  seed: number;
  bootstrapSamples: number;
  alpha: number;
  minPromptsForSignificance: number;
  /** How significance was decided across groups. */
  correction: Correction;
  /** Differences accepted with `allowGraderChange`, and other caveats. */
  warnings: string[];
  pairs: {
    /** Samples scored on both sides. */
    paired: number;
    /** Distinct prompts among them. */
    prompts: number;
    /** Samples present on both sides but failed on one or both, so left out of every group. */
    excludedErrors: { base: number; head: number; total: number };
  };
  /** `overall` first, then groups sorted by name. */
  groups: GroupDelta[];
  onlyInBase: OneSidedExample[];
  onlyInHead: OneSidedExample[];
  /** Samples with the largest |head − base| headline change, largest first. */
  topChanged: ChangedExample[];
}

/** CI bounds within this distance of 0 count as 0. */
const ZERO_TOLERANCE = 1e-12;

const GROUP_PREFIXES = ['theme:', 'axis:', 'physician_agreed_category:', 'category:', ...PROFESSIONAL_FAMILIES.map((f) => `${f}:`)];
/** Whole-run metrics other than the headline that are compared too. */
const EXTRA_GROUP_KEYS: readonly string[] = [LENGTH_ADJUSTED_KEY];

/** The per-sample headline metric of a task. */
export function headlineMetricKey(task: Report['task']): string {
  switch (task) {
    case 'healthbench':
      return 'overall_score';
    case 'medcalc':
      return 'accuracy';
    case 'meta':
      return 'model_predicted_positive';
  }
}

function runInfo(side: RunSide): DiffRunInfo {
  const r = side.report;
  return {
    runId: side.runId,
    task: r.task,
    datasetName: r.dataset.name,
    datasetSha256: r.dataset.sha256,
    graderSpec: r.grader?.spec ?? null,
    graderTemplateSha256: r.grader?.templateSha256 ?? null,
    samples: side.samples.length,
  };
}

/** Every comparability difference between two runs, as sentences. */
export function comparabilityDifferences(base: DiffRunInfo, head: DiffRunInfo): string[] {
  const out: string[] = [];
  const show = (v: string | null): string => (v === null ? '(none)' : v);
  if (base.datasetSha256 !== head.datasetSha256) {
    out.push(`dataset sha256 differs: base ${base.datasetSha256} (${base.datasetName}), head ${head.datasetSha256} (${head.datasetName})`);
  }
  if (base.graderSpec !== head.graderSpec) {
    out.push(`grader differs: base ${show(base.graderSpec)}, head ${show(head.graderSpec)}`);
  }
  if (base.graderTemplateSha256 !== head.graderTemplateSha256) {
    out.push(`grader template sha256 differs: base ${show(base.graderTemplateSha256)}, head ${show(head.graderTemplateSha256)}`);
  }
  return out;
}

/** A sample usable in a pair: finished with a metric map. */
export function isScored(s: SampleRecord): s is SampleRecord & { metrics: Record<string, number> } {
  return s.error === null && s.metrics !== null;
}

const pairKey = (exampleId: string, repeat: number): string => `${exampleId}\u0000${repeat}`;

/** Indexes samples by (exampleId, repeat); a later record wins, since a resumed run appends its retry after the failure. */
function indexSamples(samples: readonly SampleRecord[]): Map<string, SampleRecord> {
  const out = new Map<string, SampleRecord>();
  for (const s of samples) out.set(pairKey(s.exampleId, s.repeat), s);
  return out;
}

function oneSided(only: SampleRecord[]): OneSidedExample[] {
  const byExample = new Map<string, number[]>();
  for (const s of only) {
    const list = byExample.get(s.exampleId);
    if (list) list.push(s.repeat);
    else byExample.set(s.exampleId, [s.repeat]);
  }
  return [...byExample.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([exampleId, repeats]) => ({ exampleId, repeats: repeats.sort((a, b) => a - b) }));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Paired values of one group, laid out prompt by prompt so a prompt's repeats resample together. */
interface GroupValues {
  base: number[];
  head: number[];
  promptOf: string[];
}

function groupStat(values: ArrayLike<number>, clipped: boolean): number {
  return clipped ? meanClipped(values) : meanUnclipped(values);
}

/** numpy's default (`linear`) percentile of sorted values (q in [0, 1]). */
export function percentileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * Percentile CI of stat(head) − stat(base) under resampling prompts with replacement. A fresh stream per group,
 * `random.Random(seed)`, keeps a group's CI independent of which other groups exist and lets a few lines of
 * Python reproduce it.
 */
function pairedBootstrapCi(
  g: GroupValues,
  clipped: boolean,
  seed: number,
  resamples: number,
  alpha: number,
  observed: number,
): { ci: [number, number]; prompts: number; p: number } {
  const promptStarts: number[] = [];
  const promptLens: number[] = [];
  // Group rows are appended prompt by prompt (see collectGroups), so equal ids are contiguous.
  for (let i = 0; i < g.promptOf.length; i++) {
    if (i === 0 || g.promptOf[i] !== g.promptOf[i - 1]) {
      promptStarts.push(i);
      promptLens.push(1);
    } else {
      promptLens[promptLens.length - 1] = (promptLens[promptLens.length - 1] as number) + 1;
    }
  }
  const k = promptStarts.length;
  const rng = new MT19937(seed);
  const deltas = new Float64Array(resamples);
  // Repeats per prompt may differ, so a resample's length varies; the buffers hold the worst case.
  const maxLen = k * Math.max(...promptLens);
  const bBuf = new Float64Array(maxLen);
  const hBuf = new Float64Array(maxLen);
  const clip = (x: number): number => (clipped ? Math.min(1, Math.max(0, x)) : x);
  for (let r = 0; r < resamples; r++) {
    let len = 0;
    for (let j = 0; j < k; j++) {
      const p = rng.randbelow(k);
      const start = promptStarts[p] as number;
      const end = start + (promptLens[p] as number);
      for (let i = start; i < end; i++) {
        bBuf[len] = g.base[i] as number;
        hBuf[len] = g.head[i] as number;
        len++;
      }
    }
    deltas[r] = clip(pairwiseSumRange(hBuf, 0, len) / len) - clip(pairwiseSumRange(bBuf, 0, len) / len);
  }
  deltas.sort();
  return {
    ci: [percentileSorted(deltas, alpha / 2), percentileSorted(deltas, 1 - alpha / 2)],
    prompts: k,
    p: bootstrapPValue(observed, deltas, ZERO_TOLERANCE),
  };
}

/** The verdicts that differ between two criterion lists, matching by text (the n-th duplicate with the n-th). */
export function flippedCriteria(base: readonly CriterionResult[], head: readonly CriterionResult[]): FlippedCriterion[] {
  const headByText = new Map<string, CriterionResult[]>();
  for (const c of head) {
    const list = headByText.get(c.text);
    if (list) list.push(c);
    else headByText.set(c.text, [c]);
  }
  const out: FlippedCriterion[] = [];
  for (const b of base) {
    const h = headByText.get(b.text)?.shift();
    if (h === undefined || b.met === null || h.met === null || b.met === h.met) continue;
    out.push({ text: b.text, points: b.points, base: b.met, head: h.met });
  }
  return out;
}

/** The options with their defaults, each checked. */
interface DiffSettings {
  seed: number;
  bootstrapSamples: number;
  alpha: number;
  topExamples: number;
  minPrompts: number;
  correction: Correction;
}

function diffSettings(opts: DiffOptions): DiffSettings {
  const settings: DiffSettings = {
    seed: opts.seed,
    bootstrapSamples: opts.bootstrapSamples ?? 1000,
    alpha: opts.alpha ?? 0.05,
    topExamples: opts.topExamples ?? 10,
    minPrompts: opts.minPromptsForSignificance ?? 6,
    correction: opts.correction ?? 'none',
  };
  const { seed, bootstrapSamples, alpha } = settings;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`Expected \`seed\` to be an integer, got \`${String(seed)}\``);
  if (!Number.isInteger(bootstrapSamples) || bootstrapSamples < 1) {
    throw new UsageError(`Expected \`bootstrapSamples\` to be an integer from 1 and up, got \`${String(bootstrapSamples)}\``);
  }
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`Expected \`alpha\` to be between 0 and 1, got \`${String(alpha)}\``);
  return settings;
}

/**
 * The warnings of comparing two runs that differ in dataset, grader or template. Throws UsageError when they are
 * of different tasks, or differ and `allowGraderChange` is not set.
 */
function comparabilityWarnings(base: DiffRunInfo, head: DiffRunInfo, allowGraderChange: boolean): string[] {
  if (base.task !== head.task) {
    throw new UsageError(`cannot compare runs of different tasks: base ${base.runId} is ${base.task}, head ${head.runId} is ${head.task}`);
  }
  const differences = comparabilityDifferences(base, head);
  if (differences.length > 0 && !allowGraderChange) {
    throw new UsageError(
      `runs ${base.runId} and ${head.runId} are not comparable:\n  - ${differences.join('\n  - ')}\n` +
        'Pass --allow-grader-change to compare anyway (the differences are then recorded as warnings).',
    );
  }
  return differences.map((d) => `compared despite: ${d}`);
}

type ScoredSample = SampleRecord & { metrics: Record<string, number> };

/** The samples of two runs matched by (exampleId, repeat). */
interface Pairing {
  /** Scored on both sides, sorted by prompt then repeat. */
  pairs: Array<{ b: ScoredSample; h: ScoredSample }>;
  onlyBase: SampleRecord[];
  onlyHead: SampleRecord[];
  excluded: { base: number; head: number; total: number };
}

function pairSamples(base: RunSide, head: RunSide): Pairing {
  const baseIdx = indexSamples(base.samples);
  const headIdx = indexSamples(head.samples);
  const result: Pairing = { pairs: [], onlyBase: [], onlyHead: [], excluded: { base: 0, head: 0, total: 0 } };
  const { pairs, excluded } = result;
  for (const [key, b] of baseIdx) {
    const h = headIdx.get(key);
    if (h === undefined) {
      result.onlyBase.push(b);
      continue;
    }
    const bOk = isScored(b);
    const hOk = isScored(h);
    if (bOk && hOk) {
      pairs.push({ b, h });
    } else {
      if (!bOk) excluded.base++;
      if (!hOk) excluded.head++;
      excluded.total++;
    }
  }
  for (const [key, h] of headIdx) if (!baseIdx.has(key)) result.onlyHead.push(h);
  // Sorting by prompt then repeat makes each prompt's rows contiguous (the bootstrap relies on it) and the output stable.
  pairs.sort((x, y) => compareStrings(x.b.exampleId, y.b.exampleId) || x.b.repeat - y.b.repeat);
  return result;
}

/** The warnings about samples a pairing leaves out. */
function pairingWarnings({ onlyBase, onlyHead, excluded }: Pairing): string[] {
  const warnings: string[] = [];
  if (onlyBase.length > 0 || onlyHead.length > 0) {
    warnings.push(`${onlyBase.length} sample(s) only in base and ${onlyHead.length} only in head are left out of every group`);
  }
  if (excluded.total > 0) {
    warnings.push(`${excluded.total} pair(s) left out because the sample failed (base ${excluded.base}, head ${excluded.head})`);
  }
  return warnings;
}

/** The paired values of every group (overall, language and each group metric), prompt by prompt. */
function collectGroups(pairs: Pairing['pairs'], headline: string): Map<string, GroupValues> {
  const groups = new Map<string, GroupValues>();
  const add = (group: string, prompt: string, bv: number, hv: number): void => {
    let g = groups.get(group);
    if (!g) {
      g = { base: [], head: [], promptOf: [] };
      groups.set(group, g);
    }
    g.base.push(bv);
    g.head.push(hv);
    g.promptOf.push(prompt);
  };
  for (const { b, h } of pairs) {
    const bh = b.metrics[headline];
    const hh = h.metrics[headline];
    if (bh !== undefined && hh !== undefined) {
      add('overall', b.exampleId, bh, hh);
      add(`language:${b.language}`, b.exampleId, bh, hh);
    }
    for (const [key, bv] of Object.entries(b.metrics)) {
      if (!GROUP_PREFIXES.some((p) => key.startsWith(p)) && !EXTRA_GROUP_KEYS.includes(key)) continue;
      // A group counts a pair only when both sides scored it, so both means cover the same samples.
      const hv = h.metrics[key];
      if (hv !== undefined) add(key, b.exampleId, bv, hv);
    }
  }
  return groups;
}

/** One group's change with its paired-bootstrap CI and p-value; significant by its CI (see applyHolm for `holm`). */
function groupDelta(group: string, g: GroupValues, clipped: boolean, s: DiffSettings): GroupDelta {
  const bScore = groupStat(g.base, clipped);
  const hScore = groupStat(g.head, clipped);
  const delta = hScore - bScore;
  const { ci, prompts, p } = pairedBootstrapCi(g, clipped, s.seed, s.bootstrapSamples, s.alpha, delta);
  // A bound of ±5e-17 is a zero delta seen through float64 rounding, not evidence of a change.
  const significant = prompts >= s.minPrompts && (ci[0] > ZERO_TOLERANCE || ci[1] < -ZERO_TOLERANCE);
  return {
    group,
    base: bScore,
    head: hScore,
    delta,
    ci,
    significant,
    direction: !significant ? 'unchanged' : delta < 0 ? 'regressed' : 'improved',
    n: g.base.length,
    prompts,
    p,
    pAdjusted: null,
  };
}

/** The paired samples whose headline score changed, largest |change| first. */
function changedExamples(pairs: Pairing['pairs'], headline: string, top: number): ChangedExample[] {
  const changed: ChangedExample[] = [];
  for (const { b, h } of pairs) {
    const bv = b.metrics[headline];
    const hv = h.metrics[headline];
    if (bv === undefined || hv === undefined || bv === hv) continue;
    changed.push({
      exampleId: b.exampleId,
      repeat: b.repeat,
      base: bv,
      head: hv,
      delta: hv - bv,
      flipped: flippedCriteria(b.criteria, h.criteria),
    });
  }
  changed.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || compareStrings(x.exampleId, y.exampleId) || x.repeat - y.repeat);
  return changed.slice(0, top);
}

/**
 * Compares two runs pairwise per group. Throws UsageError when the runs are of different tasks, or when dataset
 * digest, grader spec or grader template differ and `allowGraderChange` is not set.
 */
export function diffRuns(base: RunSide, head: RunSide, opts: DiffOptions): RunDiff {
  const s = diffSettings(opts);
  const baseInfo = runInfo(base);
  const headInfo = runInfo(head);
  const warnings = comparabilityWarnings(baseInfo, headInfo, opts.allowGraderChange === true);
  const headline = headlineMetricKey(baseInfo.task);
  const clipped = baseInfo.task === 'healthbench';
  const pairing = pairSamples(base, head);
  warnings.push(...pairingWarnings(pairing));

  const groups = [...collectGroups(pairing.pairs, headline)].map(([group, g]) => groupDelta(group, g, clipped, s));
  if (s.correction === 'holm') applyHolm(groups, s.minPrompts, s.alpha);
  groups.sort((x, y) => (x.group === 'overall' ? -1 : y.group === 'overall' ? 1 : compareStrings(x.group, y.group)));

  const { pairs, excluded } = pairing;
  return {
    formatVersion: 1,
    base: baseInfo,
    head: headInfo,
    headlineMetric: headline,
    clipped,
    seed: s.seed,
    bootstrapSamples: s.bootstrapSamples,
    alpha: s.alpha,
    minPromptsForSignificance: s.minPrompts,
    correction: s.correction,
    warnings,
    pairs: { paired: pairs.length, prompts: new Set(pairs.map((p) => p.b.exampleId)).size, excludedErrors: excluded },
    groups,
    onlyInBase: oneSided(pairing.onlyBase),
    onlyInHead: oneSided(pairing.onlyHead),
    topChanged: changedExamples(pairs, headline, s.topExamples),
  };
}

/** Re-decides significance by Holm-adjusted p-values over the groups with enough prompts (the others are not tested). */
function applyHolm(groups: GroupDelta[], minPrompts: number, alpha: number): void {
  const tested = groups.filter((g) => g.prompts >= minPrompts);
  const adjusted = holmAdjust(tested.map((g) => g.p));
  tested.forEach((g, i) => {
    g.pAdjusted = adjusted[i] as number;
    g.significant = g.pAdjusted < alpha;
    g.direction = !g.significant ? 'unchanged' : g.delta < 0 ? 'regressed' : 'improved';
  });
}

/** True when any group dropped significantly: what `--fail-on-regression` checks. */
export function hasSignificantRegression(diff: RunDiff): boolean {
  return diff.groups.some((g) => g.direction === 'regressed');
}

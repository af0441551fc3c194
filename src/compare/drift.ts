/**
 * Drift alarms over run history: each monitored series' latest run against its previous one (or a chosen
 * baseline), per group (overall and each theme, or each MedCalc category), with the paired bootstrap of `diff`
 * when the two runs share prompts and an unpaired bootstrap when they do not, and Holm's correction across every
 * group of every series, so a monitor with many themes and models does not cry wolf. Pure.
 */
import { MT19937, meanClipped, meanUnclipped, pairwiseSumRange } from '../scoring/index.js';
import { diffRuns, headlineMetricKey, isScored, percentileSorted, type RunSide } from './diff-runs.js';
import { bootstrapPValue, holmAdjust } from './multiple-comparisons.js';

/** One tested group of one comparison. */
export interface DriftTest {
  /** `overall`, `theme:<name>` or `category:<name>`. */
  group: string;
  base: number;
  head: number;
  delta: number;
  ci: [number, number];
  /** Two-sided bootstrap p-value of "no change". */
  p: number;
  /** Holm-adjusted over every tested group of every comparison; null when the group was not tested (too few prompts). */
  pAdjusted: number | null;
  /** Prompts behind the comparison (paired: shared prompts; unpaired: the smaller side). */
  prompts: number;
  /** Significant drop after the correction. */
  alarm: boolean;
}

/** Latest run against its reference run, within one history series. */
export interface DriftComparison {
  series: string;
  baseRunId: string;
  headRunId: string;
  method: 'paired' | 'unpaired';
  tests: DriftTest[];
}

export interface DriftOptions {
  seed: number;
  /** @default 1000 */
  bootstrapSamples?: number;
  /** Family-wise error rate. @default 0.05 */
  alpha?: number;
  /** Groups with fewer prompts are shown but not tested. @default 6 (as in `diff`) */
  minPrompts?: number;
}

const TOLERANCE = 1e-12;

/** The groups a drift alarm watches: the overall score and each theme (HealthBench) or category (MedCalc). */
export function isWatchedGroup(group: string): boolean {
  return group === 'overall' || group.startsWith('theme:') || group.startsWith('category:');
}

/** A side's values per watched group, laid out prompt by prompt (repeats of a prompt resample together). */
function groupedValues(side: RunSide, headline: string): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  const add = (group: string, prompt: string, v: number): void => {
    let g = out.get(group);
    if (!g) out.set(group, (g = new Map<string, number[]>()));
    const list = g.get(prompt);
    if (list) list.push(v);
    else g.set(prompt, [v]);
  };
  const samples = [...side.samples]
    .filter(isScored)
    .sort((a, b) => (a.exampleId < b.exampleId ? -1 : a.exampleId > b.exampleId ? 1 : a.repeat - b.repeat));
  for (const s of samples) {
    const h = s.metrics[headline];
    if (h !== undefined) add('overall', s.exampleId, h);
    for (const [k, v] of Object.entries(s.metrics)) if (k !== 'overall' && isWatchedGroup(k)) add(k, s.exampleId, v);
  }
  return out;
}

/** Resamples prompts of one side with replacement and returns the group statistic. */
function resampleStat(prompts: number[][], rng: MT19937, buf: Float64Array, stat: (v: Float64Array, n: number) => number): number {
  let len = 0;
  for (let j = 0; j < prompts.length; j++) {
    for (const v of prompts[rng.randbelow(prompts.length)] as number[]) buf[len++] = v;
  }
  return stat(buf, len);
}

/**
 * Unpaired bootstrap of stat(head) − stat(base): each side's prompts are resampled independently (base first,
 * then head, from one `random.Random(seed)` stream). For runs that share no prompt.
 */
export function unpairedBootstrap(
  base: number[][],
  head: number[][],
  clipped: boolean,
  seed: number,
  resamples: number,
  alpha: number,
): { base: number; head: number; delta: number; ci: [number, number]; p: number } {
  const clip = (x: number): number => (clipped ? Math.min(1, Math.max(0, x)) : x);
  const stat = (v: Float64Array, n: number): number => clip(pairwiseSumRange(v, 0, n) / n);
  const mean = (side: number[][]): number => (clipped ? meanClipped(side.flat()) : meanUnclipped(side.flat()));
  const rng = new MT19937(seed);
  const size = (side: number[][]): number => side.length * Math.max(...side.map((p) => p.length));
  const bBuf = new Float64Array(size(base));
  const hBuf = new Float64Array(size(head));
  const deltas = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const b = resampleStat(base, rng, bBuf, stat);
    deltas[r] = resampleStat(head, rng, hBuf, stat) - b;
  }
  deltas.sort();
  const bm = mean(base);
  const hm = mean(head);
  return {
    base: bm,
    head: hm,
    delta: hm - bm,
    ci: [percentileSorted(deltas, alpha / 2), percentileSorted(deltas, 1 - alpha / 2)],
    p: bootstrapPValue(hm - bm, deltas, TOLERANCE),
  };
}

/** True when the two runs scored at least one (prompt, repeat) on both sides. */
export function sharesPrompts(base: RunSide, head: RunSide): boolean {
  const keys = new Set(base.samples.filter(isScored).map((s) => `${s.exampleId}\u0000${s.repeat}`));
  return head.samples.some((s) => isScored(s) && keys.has(`${s.exampleId}\u0000${s.repeat}`));
}

/** Compares a series' reference run with its latest run over the watched groups (before the correction). */
export function compareForDrift(series: string, base: RunSide, head: RunSide, opts: DriftOptions): DriftComparison {
  const resamples = opts.bootstrapSamples ?? 1000;
  const alpha = opts.alpha ?? 0.05;
  if (sharesPrompts(base, head)) {
    const diff = diffRuns(base, head, { seed: opts.seed, bootstrapSamples: resamples, alpha, allowGraderChange: true });
    const tests = diff.groups
      .filter((g) => isWatchedGroup(g.group))
      .map((g) => ({
        group: g.group,
        base: g.base,
        head: g.head,
        delta: g.delta,
        ci: g.ci,
        p: g.p,
        pAdjusted: null,
        prompts: g.prompts,
        alarm: false,
      }));
    return { series, baseRunId: base.runId, headRunId: head.runId, method: 'paired', tests };
  }
  const headline = headlineMetricKey(head.report.task);
  const clipped = head.report.task === 'healthbench';
  const b = groupedValues(base, headline);
  const h = groupedValues(head, headline);
  const groups = [...new Set([...b.keys()].filter((k) => h.has(k)))].sort((x, y) =>
    x === 'overall' ? -1 : y === 'overall' ? 1 : x < y ? -1 : 1,
  );
  const tests = groups.map((group) => {
    const bp = [...(b.get(group) as Map<string, number[]>).values()];
    const hp = [...(h.get(group) as Map<string, number[]>).values()];
    const r = unpairedBootstrap(bp, hp, clipped, opts.seed, resamples, alpha);
    return { group, ...r, pAdjusted: null, prompts: Math.min(bp.length, hp.length), alarm: false };
  });
  return { series, baseRunId: base.runId, headRunId: head.runId, method: 'unpaired', tests };
}

/**
 * Holm's correction over every tested group of every comparison (groups with fewer than `minPrompts` prompts are
 * not tested), then an alarm on each significant drop. Returns the comparisons with `pAdjusted` and `alarm` set.
 */
export function decideAlarms(comparisons: DriftComparison[], opts: Pick<DriftOptions, 'alpha' | 'minPrompts'> = {}): DriftComparison[] {
  const alpha = opts.alpha ?? 0.05;
  const minPrompts = opts.minPrompts ?? 6;
  const out = comparisons.map((c) => ({ ...c, tests: c.tests.map((t) => ({ ...t })) }));
  const tested = out.flatMap((c) => c.tests.filter((t) => t.prompts >= minPrompts));
  const adjusted = holmAdjust(tested.map((t) => t.p));
  tested.forEach((t, i) => {
    t.pAdjusted = adjusted[i] as number;
    t.alarm = t.pAdjusted < alpha && t.delta < 0;
  });
  return out;
}

/** Text for the alarm section: every comparison's tested groups, then one line per alarm. */
export function renderAlarms(comparisons: readonly DriftComparison[], alpha: number): string {
  const tested = comparisons.flatMap((c) => c.tests.filter((t) => t.pAdjusted !== null)).length;
  const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
  const lines = [`Drift check: ${comparisons.length} series compared, ${tested} group(s) tested, Holm-corrected at alpha ${alpha}.`];
  if (comparisons.length === 0) lines.push('Nothing to compare: every series has a single run (give more runs, or --baseline RUN).');
  const alarms: string[] = [];
  for (const c of comparisons) {
    lines.push('', `${c.series}`, `  ${c.baseRunId} → ${c.headRunId} (${c.method} bootstrap)`);
    for (const t of c.tests) {
      const p = t.pAdjusted === null ? 'not tested (too few prompts)' : `p ${t.p.toFixed(4)}, Holm ${t.pAdjusted.toFixed(4)}`;
      const line = `${t.group}: ${t.base.toFixed(3)} → ${t.head.toFixed(3)} (Δ ${signed(t.delta)}, 95% CI [${signed(t.ci[0])}, ${signed(t.ci[1])}], ${t.prompts} prompts; ${p})`;
      lines.push(`  ${t.alarm ? 'DROP ' : '     '}${line}`);
      if (t.alarm) alarms.push(`ALARM: significant drop in ${line}\n       series ${c.series}, runs ${c.baseRunId} → ${c.headRunId}`);
    }
  }
  lines.push('', ...(alarms.length > 0 ? alarms : ['No significant drop.']));
  return `${lines.join('\n')}\n`;
}

/**
 * Physician baselines of the meta-evaluation (docs/healthbench.md §12): leave-one-out agreement per physician and
 * the paper figure's per-theme summary. Pure.
 */

import { pairwiseSum } from '../scoring/index.js';
import { computeMetricsForRaterByClass } from './agreement.js';
import type { AgreementMetrics, MetaRow } from './types.js';

/** The notebook's `MIN_SAMPLES`: a physician is shown individually only with n above this. */
export const MIN_SAMPLES = 50;

/** The seven HealthBench themes, in the paper's order; also the prefixes that split a category into theme and rest. */
export const THEMES = [
  'emergency_referrals',
  'communication',
  'hedging',
  'complex_responses',
  'health_data_tasks',
  'global_health',
  'context_seeking',
] as const;

const CLUSTER_PREFIX = 'cluster:';
const PHYSICIAN_F1_KEY = 'pairwise_physician_f1_balanced';
const MODEL_F1_KEY = 'pairwise_model_f1_balanced';

/**
 * Theme of a meta-eval category: the known theme `t` such that the name after `cluster:` is `t` or starts with
 * `t_`. Theme names contain underscores themselves, so splitting on the first `_` would be wrong; an unknown
 * category falls back to its text up to the first `_` so it still gets a row of its own.
 */
export function themeOfCategory(category: string): string {
  const name = category.startsWith(CLUSTER_PREFIX) ? category.slice(CLUSTER_PREFIX.length) : category;
  for (const theme of THEMES) {
    if (name === theme || name.startsWith(`${theme}_`)) return theme;
  }
  const cut = name.indexOf('_');
  return cut > 0 ? name.slice(0, cut) : name;
}

/**
 * Leave-one-out agreement of every physician (docs/healthbench.md §12): for each row and label index i, self = labels[i] and
 * others = the remaining labels, grouped by `physicianIds[i]`, run with who = 'physician'.
 *
 * A row with a single label gives its physician no comparison; a physician whose rows all have one label therefore
 * has no metrics and is left out of the result, as the reference's transposed lists leave them out.
 * Physicians appear in first-seen order.
 */
export function computePhysicianAgreement(
  rows: readonly Pick<MetaRow, 'binaryLabels' | 'physicianIds' | 'category'>[],
): Record<string, AgreementMetrics> {
  const byPhysician = new Map<string, { self: boolean[]; others: boolean[][]; clusters: string[] }>();
  for (const row of rows) {
    const labels = row.binaryLabels;
    for (let i = 0; i < labels.length; i++) {
      const id = row.physicianIds[i];
      if (id === undefined) throw new RangeError(`Row of ${row.category} has fewer physician ids than labels`);
      let lists = byPhysician.get(id);
      if (lists === undefined) {
        lists = { self: [], others: [], clusters: [] };
        byPhysician.set(id, lists);
      }
      lists.self.push(labels[i] as boolean);
      lists.others.push([...labels.slice(0, i), ...labels.slice(i + 1)]);
      lists.clusters.push(row.category);
    }
  }
  const out: Record<string, AgreementMetrics> = {};
  for (const [id, lists] of byPhysician) {
    const metrics = computeMetricsForRaterByClass(lists.self, lists.others, lists.clusters, 'physician');
    if (Object.keys(metrics).length > 0) out[id] = metrics;
  }
  return out;
}

/** One physician's macro F1 in one theme. */
export interface PhysicianThemeScore {
  id: string;
  /** n-weighted mean over the theme's categories of `"<category>: pairwise_physician_f1_balanced"`. */
  f1: number;
  /** Sum of those n (comparisons, balanced keys double-count as in the reference). */
  n: number;
}

/** One row of the paper figure: the grader beside the physicians' distribution in one theme. */
export interface ThemeSummary {
  theme: string;
  /** n-weighted mean over the theme's categories of `"<category>: pairwise_model_f1_balanced"`; null without a model. */
  modelF1: number | null;
  /** Sum of the model's n in the theme (0 without a model). */
  modelN: number;
  /** n-weighted mean over all physicians with a value in the theme, whatever their n; null if none. */
  physicianWeightedAvg: number | null;
  /** Physicians with n > `minSamples`, sorted by f1 then id. */
  physicians: PhysicianThemeScore[];
  /** Physicians with any value in the theme, including those below `minSamples`. */
  physiciansTotal: number;
  /** Where the grader falls among the listed physicians, 0..100; null without a model or without listed physicians. */
  percentile: number | null;
}

/** Options of {@link physicianSummary}. */
export interface PhysicianSummaryOptions {
  /** A physician is listed individually only when their n in the theme is above this. @default 50 (MIN_SAMPLES) */
  readonly minSamples?: number | undefined;
}

/**
 * Percentile of `value` among `others`: (#below + 0.5·#equal) / #others × 100, the notebook's rule.
 * Null when `others` is empty.
 */
export function percentileAmong(value: number, others: readonly number[]): number | null {
  if (others.length === 0) return null;
  let below = 0;
  let equal = 0;
  for (const other of others) {
    if (other < value) below += 1;
    else if (other === value) equal += 1;
  }
  return ((below + 0.5 * equal) / others.length) * 100;
}

interface Weighted {
  value: number | null;
  n: number;
}

/** Σ n·v / Σ n (numpy `np.average(v, weights=n)`, pairwise sums) over entries with a value; null if Σ n = 0. */
function weightedMean(items: readonly Weighted[]): Weighted {
  const present = items.filter((item): item is { value: number; n: number } => item.value !== null);
  const n = pairwiseSum(present.map((item) => item.n));
  if (present.length === 0 || n === 0) return { value: null, n: 0 };
  return { value: pairwiseSum(present.map((item) => item.value * item.n)) / n, n };
}

/** `"<category>: <suffix>"` entries of a metric map, grouped by the category's theme. */
function perThemeEntries(metrics: AgreementMetrics, suffix: string): Map<string, Weighted[]> {
  const marker = `: ${suffix}`;
  const out = new Map<string, Weighted[]>();
  for (const [key, metric] of Object.entries(metrics)) {
    if (!key.endsWith(marker) || key.length === marker.length) continue;
    const theme = themeOfCategory(key.slice(0, -marker.length));
    let list = out.get(theme);
    if (list === undefined) {
      list = [];
      out.set(theme, list);
    }
    list.push(metric);
  }
  return out;
}

function themeOrder(a: string, b: string): number {
  const ia = (THEMES as readonly string[]).indexOf(a);
  const ib = (THEMES as readonly string[]).indexOf(b);
  if (ia !== ib) return (ia === -1 ? THEMES.length : ia) - (ib === -1 ? THEMES.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The paper figure per theme (docs/healthbench.md §12, notebook): each physician's n-weighted macro F1 over the theme's
 * categories; physicians with n > minSamples listed; the n-weighted average over all physicians; the grader's
 * n-weighted macro F1 and its percentile among the listed physicians. Themes in the paper's order, unknown last.
 */
export function physicianSummary(
  physicianMetrics: Readonly<Record<string, AgreementMetrics>>,
  modelMetrics: AgreementMetrics | null,
  options: PhysicianSummaryOptions = {},
): ThemeSummary[] {
  const minSamples = options.minSamples ?? MIN_SAMPLES;
  const byTheme = new Map<string, PhysicianThemeScore[]>();
  for (const [id, metrics] of Object.entries(physicianMetrics)) {
    for (const [theme, entries] of perThemeEntries(metrics, PHYSICIAN_F1_KEY)) {
      const { value, n } = weightedMean(entries);
      if (value === null) continue;
      let list = byTheme.get(theme);
      if (list === undefined) {
        list = [];
        byTheme.set(theme, list);
      }
      list.push({ id, f1: value, n });
    }
  }
  const modelByTheme = modelMetrics === null ? new Map<string, Weighted[]>() : perThemeEntries(modelMetrics, MODEL_F1_KEY);
  const themes = [...new Set([...byTheme.keys(), ...modelByTheme.keys()])].sort(themeOrder);

  return themes.map((theme): ThemeSummary => {
    const all = byTheme.get(theme) ?? [];
    const model = weightedMean(modelByTheme.get(theme) ?? []);
    const listed = all.filter((p) => p.n > minSamples).sort((a, b) => a.f1 - b.f1 || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const average = weightedMean(all.map((p) => ({ value: p.f1, n: p.n })));
    return {
      theme,
      modelF1: model.value,
      modelN: model.n,
      physicianWeightedAvg: average.value,
      physicians: listed,
      physiciansTotal: all.length,
      percentile:
        model.value === null
          ? null
          : percentileAmong(
              model.value,
              listed.map((p) => p.f1),
            ),
    };
  });
}

/**
 * The meta-evaluation report (docs/healthbench.md §12): grader agreement, per-row aggregates, physician baselines
 * and the per-theme figure, plus its Markdown rendering. Pure: verdicts come in, an object and a string go out.
 */

import { aggregateUnclipped } from '../scoring/index.js';
import { computeMetricsForRaterByClass } from './agreement.js';
import { MIN_SAMPLES, computePhysicianAgreement, physicianSummary } from './physicians.js';
import type { ThemeSummary } from './physicians.js';
import type { AgreementMetrics, MetaRow } from './types.js';

/** Names of the per-row metrics, as the reference stores them (also as `"<category>: <name>"`). */
export const ROW_METRICS = ['num_physician_labels', 'percent_physician_pos', 'model_predicted_positive'] as const;

/** Unclipped aggregate of one per-row metric. */
export interface RowAggregate {
  mean: number;
  n: number;
  /** ddof-0 std of the seeded bootstrap means (src/scoring's stream for this metric name). */
  bootstrapStd: number;
}

/** Input of {@link buildMetaReport}. */
export interface MetaReportInput {
  readonly rows: readonly MetaRow[];
  /**
   * The grader's verdict per row (parallel to `rows`); null marks a grader error, which is counted and excluded.
   * Absent: physicians-only mode, where every model field is null.
   */
  readonly modelVerdicts?: readonly (boolean | null)[] | undefined;
  /** Bootstrap seed; recorded in the report. */
  readonly seed: number;
  /** @default 1000 */
  readonly bootstrapSamples?: number | undefined;
  /** Physicians need n above this to be listed in a theme. @default 50 (MIN_SAMPLES) */
  readonly minSamples?: number | undefined;
}

/** Everything the meta-evaluation reports. Model fields are null in physicians-only mode. */
export interface MetaReport {
  mode: 'grader' | 'physicians-only';
  seed: number;
  minSamples: number;
  /** Rows given. */
  rows: number;
  /** Rows with a grader verdict (0 in physicians-only mode). */
  graded: number;
  /** Rows whose grader call failed; null in physicians-only mode. */
  graderErrors: number | null;
  /** `pairwise_model_f1_balanced` (macro F1); null without a model or when no row was graded. */
  score: number | null;
  /** Every model agreement key; null in physicians-only mode. */
  modelAgreement: AgreementMetrics | null;
  /**
   * Per-row metrics aggregated unclipped, keyed as the reference (`name`, `"<category>: name"`), sorted.
   * Over graded rows in grader mode, over all rows (without model_predicted_positive) in physicians-only mode.
   */
  rowAggregates: Record<string, RowAggregate>;
  /** Leave-one-out agreement per physician id (physicians with no comparison left out). */
  physicianAgreement: Record<string, AgreementMetrics>;
  /** The paper figure: grader beside the physicians, per theme. */
  themes: ThemeSummary[];
}

function rowMetrics(row: MetaRow, verdict: boolean | undefined): Record<string, number> {
  const labels = row.binaryLabels;
  const positives = labels.filter(Boolean).length;
  const base: Record<string, number> = {
    num_physician_labels: labels.length,
    percent_physician_pos: positives / labels.length,
  };
  if (verdict !== undefined) base['model_predicted_positive'] = verdict ? 1 : 0;
  const out: Record<string, number> = { ...base };
  for (const [name, value] of Object.entries(base)) out[`${row.category}: ${name}`] = value;
  return out;
}

/** Folds the flat `m`, `m:n_samples`, `m:bootstrap_std` map into one record per metric name. */
function foldAggregates(flat: Record<string, number>): Record<string, RowAggregate> {
  const out: Record<string, RowAggregate> = {};
  for (const [key, mean] of Object.entries(flat)) {
    if (key.endsWith(':n_samples') || key.endsWith(':bootstrap_std')) continue;
    const n = flat[`${key}:n_samples`];
    const bootstrapStd = flat[`${key}:bootstrap_std`];
    if (n === undefined || bootstrapStd === undefined) continue;
    out[key] = { mean, n, bootstrapStd };
  }
  return out;
}

/**
 * Builds the meta-evaluation report from validated rows and (optionally) the grader's verdicts.
 * @throws RangeError when `modelVerdicts` is not parallel to `rows`.
 */
export function buildMetaReport(input: MetaReportInput): MetaReport {
  const { rows, modelVerdicts, seed } = input;
  const minSamples = input.minSamples ?? MIN_SAMPLES;
  if (modelVerdicts !== undefined && modelVerdicts.length !== rows.length) {
    throw new RangeError(`Expected one verdict per row, got ${modelVerdicts.length} verdicts for ${rows.length} rows`);
  }

  const graded: { row: MetaRow; verdict: boolean }[] = [];
  if (modelVerdicts !== undefined) {
    rows.forEach((row, i) => {
      const verdict = modelVerdicts[i];
      if (verdict !== null && verdict !== undefined) graded.push({ row, verdict });
    });
  }

  const modelAgreement =
    modelVerdicts === undefined
      ? null
      : computeMetricsForRaterByClass(
          graded.map((g) => g.verdict),
          graded.map((g) => g.row.binaryLabels),
          graded.map((g) => g.row.category),
          'model',
        );

  const perRow =
    modelVerdicts === undefined ? rows.map((row) => rowMetrics(row, undefined)) : graded.map((g) => rowMetrics(g.row, g.verdict));
  const rowAggregates =
    perRow.length === 0 ? {} : foldAggregates(aggregateUnclipped(perRow, { seed, bootstrapSamples: input.bootstrapSamples }));

  const physicianAgreement = computePhysicianAgreement(rows);
  return {
    mode: modelVerdicts === undefined ? 'physicians-only' : 'grader',
    seed,
    minSamples,
    rows: rows.length,
    graded: graded.length,
    graderErrors: modelVerdicts === undefined ? null : rows.length - graded.length,
    score: modelAgreement?.['pairwise_model_f1_balanced']?.value ?? null,
    modelAgreement,
    rowAggregates,
    physicianAgreement,
    themes: physicianSummary(physicianAgreement, modelAgreement, { minSamples }),
  };
}

function fmt(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function aggregateCell(aggregate: RowAggregate | undefined): string {
  return aggregate === undefined ? '—' : `${fmt(aggregate.mean)} ± ${fmt(aggregate.bootstrapStd)} (n ${aggregate.n})`;
}

/** Markdown: headline agreement, per-row rates, and the grader's macro F1 beside the physicians' spread per theme. */
export function renderMetaMarkdown(report: MetaReport): string {
  const lines: string[] = ['# Grader meta-evaluation', ''];
  if (report.mode === 'physicians-only') {
    lines.push('_Physicians-only mode: no grader verdicts were given, so every grader figure below is empty (—)._', '');
  }
  const agreement = report.modelAgreement;
  lines.push(
    `- Rows: ${report.rows}; graded: ${report.graded}; grader errors: ` +
      (report.graderErrors === null ? '— (no grader)' : `${report.graderErrors} (excluded)`),
    `- Grader macro F1 (pairwise_model_f1_balanced): **${fmt(report.score)}**` +
      (agreement?.['pairwise_model_f1_balanced'] ? ` (n ${fmt(agreement['pairwise_model_f1_balanced'].n, 0)})` : ''),
    `- Balanced precision / recall: ${fmt(agreement?.['pairwise_model_precision_balanced']?.value)} / ` +
      `${fmt(agreement?.['pairwise_model_recall_balanced']?.value)}`,
    `- Bootstrap seed: ${report.seed}`,
    '',
    '## Positive rates',
    '',
    '| measure | mean ± bootstrap std (n) |',
    '|---|---|',
    `| grader says met (model_predicted_positive) | ${aggregateCell(report.rowAggregates['model_predicted_positive'])} |`,
    `| physicians say met (percent_physician_pos) | ${aggregateCell(report.rowAggregates['percent_physician_pos'])} |`,
    `| physician labels per row (num_physician_labels) | ${aggregateCell(report.rowAggregates['num_physician_labels'])} |`,
    '',
    '## Grader macro F1 beside the physicians, per theme',
    '',
    `Physicians are listed individually when their n in the theme exceeds ${report.minSamples}; ` +
      'the weighted average covers all physicians. Percentile = share of listed physicians below the grader (ties count half).',
    '',
    '| theme | grader F1 | physicians listed / all | min | median | max | weighted avg (all) | grader percentile |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const theme of report.themes) {
    const f1s = theme.physicians.map((p) => p.f1);
    lines.push(
      `| \`${theme.theme}\` | ${fmt(theme.modelF1)} | ${theme.physicians.length} / ${theme.physiciansTotal} | ` +
        `${fmt(f1s[0])} | ${fmt(median(f1s))} | ${fmt(f1s[f1s.length - 1])} | ${fmt(theme.physicianWeightedAvg)} | ` +
        `${fmt(theme.percentile, 1)} |`,
    );
  }
  if (report.themes.length === 0) lines.push('| (no theme has any comparison) | | | | | | | |');
  lines.push('');
  return lines.join('\n');
}

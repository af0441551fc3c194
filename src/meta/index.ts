/** Public API of the grader meta-evaluation: validation, agreement math, physician baselines, report. */

export type { AgreementMetric, AgreementMetrics, MetaRow, Rater } from './types.js';
export { parseMetaRecord } from './validate.js';
export { computeMetricsForRaterByClass } from './agreement.js';
export { MIN_SAMPLES, THEMES, computePhysicianAgreement, percentileAmong, physicianSummary, themeOfCategory } from './physicians.js';
export type { PhysicianSummaryOptions, PhysicianThemeScore, ThemeSummary } from './physicians.js';
export { ROW_METRICS, buildMetaReport, renderMetaMarkdown } from './report.js';
export type { MetaReport, MetaReportInput, RowAggregate } from './report.js';

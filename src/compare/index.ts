/** Public API of the compare folder: run diffs, drift, grading agreement (pure), plus the run loaders (edge). */
export {
  comparabilityDifferences,
  diffRuns,
  flippedCriteria,
  hasSignificantRegression,
  headlineMetricKey,
  type ChangedExample,
  type DiffOptions,
  type DiffRunInfo,
  type FlippedCriterion,
  type GroupDelta,
  type OneSidedExample,
  type RunDiff,
  type RunSide,
} from './diff-runs.js';
export { renderDiffMarkdown } from './render-diff.js';
export { compareForDrift, decideAlarms, renderAlarms, type DriftComparison } from './drift.js';
export { agreementCell, computeAgreement, renderAgreementMarkdown, type AgreementReport, type AgreementSide } from './agreement.js';
export { loadReport, loadRunSide, resolveRunPaths, unfinishedRunWarning, type RunPaths } from './load-run.js';

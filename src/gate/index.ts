/** Public API of the gate folder: run diffs, gate policies and their renderings (pure), plus file loaders (edge). */
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
export { GATE_POLICY_SCHEMA, parsePolicy, renderPolicySchemaJson, type GatePolicy, type MaxDropPolicy } from './policy.js';
export {
  escapeXml,
  evaluateGate,
  renderGateText,
  renderJunit,
  reportGroupScore,
  type GateResult,
  type GateRule,
} from './evaluate-gate.js';
export { renderDiffMarkdown } from './render-diff.js';
export { loadReport, loadRunSide, readPolicyFile, resolveRunPaths, unfinishedRunWarning, type RunPaths } from './load-run.js';

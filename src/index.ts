/**
 * The library API: what the CLI calls, for programs that drive healthbench directly. The test double (the fake
 * OpenAI/Anthropic server) is not part of it: it is the separate entry point `healthbench/testing` (src/testing).
 */
export { runEval, taskForDataset, type EvalOptions, type EvalDeps, type EvalResult } from './runner/eval.js';
export type { RunRecord, RunConfig } from './core/records.js';
export { openDataset, type Dataset } from './data/load-dataset.js';
export { validatePaths } from './data/validate-paths.js';
export { buildHealthbenchReport } from './report/build-report.js';
export { renderMarkdownReport } from './report/render-markdown.js';
export type { Report } from './report/types.js';
export { aggregateClipped, exampleMetrics, scoreExample, selectExampleIndices, summarizeGroup } from './scoring/index.js';
export { parseVerdict, renderGraderPrompt } from './grading/index.js';
export { diffRuns, renderDiffMarkdown } from './compare/index.js';
export { evaluateGate, parsePolicy, renderGateText, renderJunit } from './gate/index.js';
export { buildMetaReport, computeMetricsForRaterByClass } from './meta/index.js';
export { ExitCode, HealthbenchError, UsageError, DataValidationError, RunFailedError, CancelledError } from './core/errors.js';
export type * from './core/types.js';

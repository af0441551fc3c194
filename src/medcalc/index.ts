/** MedCalc-Bench as a library: load, prompt, extract, check, aggregate (docs/medcalc.md). */
export type {
  MedcalcCorrectedLabel,
  MedcalcExemplar,
  MedcalcExemplarAnswer,
  MedcalcMode,
  MedcalcPromptStyle,
  MedcalcRow,
  MedcalcRule,
} from './types.js';
export {
  DATE_IDS,
  DECIMAL_IDS,
  INTEGER_IDS,
  MEDCALC_CATEGORIES,
  TUPLE_IDS,
  ruleForCalculator,
  type MedcalcCategory,
} from './calculators.js';
export {
  CORRECTED_LABEL_COLUMNS,
  MEDCALC_COLUMNS,
  loadCorrectedLabels,
  loadExemplars,
  loadMedcalcCsv,
  parseCorrectedLabelsCsv,
  parseMedcalcCsv,
} from './csv.js';
export { parseExemplarsJson } from './exemplars.js';
export { applyLabels, type AppliedLabels } from './labels.js';
export { ANSWER_SENTINELS, extractAnswer, extractAnswerWithRule, type MedcalcExtraction } from './extract.js';
export {
  ABSTENTION_ANSWERS,
  MEDCALC_NA_LABEL_POLICY,
  checkCorrectness,
  gradeMedcalc,
  isNaLabel,
  strptimeMonthDayYear,
  type MedcalcGrade,
} from './correctness.js';
export {
  MEDCALC_PROMPT_TEMPLATES,
  MEDCALC_PROMPT_VERSION,
  buildMedcalcMessages,
  formatExemplarOutput,
  medcalcPromptTemplateText,
  type MedcalcMessages,
  type MedcalcPromptTemplate,
} from './prompts.js';
export {
  UPSTREAM_OVERALL_N,
  aggregateMedcalc,
  medcalcSampleMetrics,
  summarizeAccuracy,
  toUpstreamResults,
  wilsonInterval,
  type MedcalcAccuracy,
  type MedcalcAggregate,
  type MedcalcCalculatorAccuracy,
  type MedcalcOutcome,
} from './aggregate.js';
export {
  MEDCALC_DATASETS,
  MEDCALC_V1_CORRECTED_LABELS,
  findMedcalcDataset,
  medcalcSourceUrl,
  type MedcalcDatasetVersion,
  type MedcalcFile,
  type MedcalcSource,
} from './datasets.js';
export { PyException } from './python-eval.js';
export { pyFloatRepr, pyRoundFloat } from './python-float.js';

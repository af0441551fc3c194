/** MedCalc-Bench data types (docs/medcalc.md §2, §4, §9). Pure. */

/** One test row of a MedCalc-Bench CSV; cells the reference treats as strings stay strings. */
export interface MedcalcRow {
  /** `Row Number`, 1-based and unique within a file. */
  rowNumber: number;
  /** `Calculator ID`; decides the scoring rule (docs/medcalc.md §3). */
  calculatorId: number;
  calculatorName: string;
  /** `Category`: lab, risk, physical, severity, diagnosis, date or dosage. */
  category: string;
  /** `Output Type`: decimal, integer or date (informative only: scoring follows the ID). */
  outputType: string;
  /** `Note ID`: `pmc-…` for extracted notes, an integer string for template notes. */
  noteId: string;
  noteType: string;
  patientNote: string;
  question: string;
  /** `Ground Truth Answer`: a number, an `MM/DD/YYYY` date, a `('14 weeks', '1 days')` tuple, or `N/A` (corrected labels). */
  groundTruth: string;
  lowerLimit: string;
  upperLimit: string;
  /** `Ground Truth Explanation` (not used for scoring). */
  explanation: string;
  /**
   * Scoring rule to use instead of the one the calculator ID implies. Only set by `applyLabels`
   * when a corrected label changes the answer form (ID 69 relabelled as a number of days).
   */
  ruleOverride?: MedcalcRule;
}

/** How an answer is normalised and compared (docs/medcalc.md §3): follows the calculator ID. */
export type MedcalcRule = 'date' | 'tuple' | 'integer' | 'decimal';

/**
 * Which reference code to emulate. `current` = ncbi-nlp/MedCalc-Bench main (also the Verified
 * fork); `v1.0` = tag `version-1.0`, whose extractor fails every ID-69 row (docs/medcalc.md §8).
 */
export type MedcalcMode = 'current' | 'v1.0';

/** The three upstream prompt styles (docs/medcalc.md §4). */
export type MedcalcPromptStyle = 'zero_shot' | 'one_shot' | 'direct_answer';

/** An exemplar's answer keeps its JSON type: number, date string, or `["34 weeks", "3 days"]`. */
export type MedcalcExemplarAnswer = number | string | string[];

/** One one-shot exemplar (docs/medcalc.md §4), keyed by calculator ID in the exemplar file. */
export interface MedcalcExemplar {
  calculatorId: number;
  patientNote: string;
  stepByStepThinking: string;
  answer: MedcalcExemplarAnswer;
  /** True when the file writes the answer as a float literal (`40.0`), so it is re-serialised with `.0`. */
  answerIsFloat: boolean;
}

/** One row of `medcalc_v1_corrected.csv` (docs/medcalc.md §9). */
export interface MedcalcCorrectedLabel {
  /** `Unique ID` = the v1.0 `Row Number`. */
  rowNumber: number;
  calculatorName: string;
  question: string;
  patientNote: string;
  /** A corrected answer, or `N/A` when the physicians judged the row incomputable. */
  groundTruth: string;
  lowerLimit: string;
  upperLimit: string;
  /** Where the label was read, for error messages when joining. */
  source: { file: string; line: number };
}

/** Shapes of the grader meta-evaluation (docs/healthbench.md §12). Pure: types only. */

import type { Message } from '../core/types.js';

/** One validated row of the official meta-eval file: one rubric item on one completion, labelled by physicians. */
export interface MetaRow {
  /** `prompt_id`. */
  promptId: string;
  /** `completion_id`. */
  completionId: string;
  /** The conversation before the graded completion (no system line). */
  prompt: Message[];
  /** The assistant reply the physicians (and the grader under test) judged. */
  completion: string;
  /** Consensus criterion text, shown to the grader alone (no points). */
  rubric: string;
  /** `"cluster:<theme>_<subcategory>"`; the agreement metrics are also reported per category. */
  category: string;
  /** One verdict per physician: true = criterion met. At least one. */
  binaryLabels: boolean[];
  /** Anonymised physician id of each label, parallel to `binaryLabels`. */
  physicianIds: string[];
}

/** Who is being compared with the physicians: the grader model, or one physician (leave-one-out). */
export type Rater = 'model' | 'physician';

/** One agreement figure: the value (null if it cannot be computed) and how many pairwise comparisons it rests on. */
export interface AgreementMetric {
  /**
   * Comparisons behind the value. For f1 this is the reference's `n_P + n_R − P·n_P`, a float that may carry
   * rounding (kept as is, because weighted means downstream use it as a weight).
   */
  n: number;
  value: number | null;
}

/** Agreement metrics keyed `pairwise_<who>_<metric>_<pos|neg|balanced>`, also prefixed `"<category>: "`. */
export type AgreementMetrics = Record<string, AgreementMetric>;

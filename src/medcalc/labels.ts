/** Applying the physician-corrected v1.0 labels (docs/medcalc.md §9) to test rows. Pure. */
import { DataValidationError, type DataIssue } from '../core/errors.js';
import { isNaLabel } from './correctness.js';
import type { MedcalcCorrectedLabel, MedcalcRow } from './types.js';

/** The outcome of {@link applyLabels}. */
export interface AppliedLabels {
  /** Labelled rows (plus, with `keepUnlabelled`, the untouched rest), in the input order. */
  rows: MedcalcRow[];
  /** Rows whose ground truth changed value (numerically for numbers, textually otherwise). */
  changed: number;
  /** Rows relabelled `N/A` (scored as "must abstain", see MEDCALC_NA_LABEL_POLICY). */
  naLabels: number;
  /** Rows without a corrected label (dropped unless `keepUnlabelled`). */
  unlabelled: number;
}

const PLAIN_NUMBER_RE = /^\s*-?\d+(\.\d+)?\s*$/;

function sameValue(a: string, b: string): boolean {
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) return x === y;
  return a === b;
}

/**
 * Replace ground truth, limits and question by the corrected labels (join: Unique ID = Row Number).
 * Rows the physicians did not validate are dropped by default (they have no trusted label); pass
 * `keepUnlabelled` to keep them with their v1.0 labels. Every label must join to a row with the same
 * calculator name and note, else all mismatches are thrown as one DataValidationError.
 *
 * `N/A` labels are kept as `N/A` and scored by gradeMedcalc as "correct iff the model abstains".
 * The corrected file asks ID 69 (gestational age) for a total number of days with ±5% limits instead
 * of a (weeks, days) tuple, so such rows get `ruleOverride: 'decimal'`.
 */
export function applyLabels(
  rows: readonly MedcalcRow[],
  labels: readonly MedcalcCorrectedLabel[],
  options: { keepUnlabelled?: boolean } = {},
): AppliedLabels {
  const byRow = new Map<number, MedcalcRow>(rows.map((r) => [r.rowNumber, r]));
  const issues: DataIssue[] = [];
  const labelByRow = new Map<number, MedcalcCorrectedLabel>();
  for (const label of labels) {
    const at = (pointer: string, message: string): void => {
      issues.push({ file: label.source.file, line: label.source.line, pointer, message });
    };
    const row = byRow.get(label.rowNumber);
    if (row === undefined) {
      at('/Unique ID', `no test row with Row Number ${label.rowNumber}`);
      continue;
    }
    if (labelByRow.has(label.rowNumber)) at('/Unique ID', `duplicate label for Row Number ${label.rowNumber}`);
    if (label.calculatorName !== row.calculatorName) {
      at('/Calculator Name', `"${label.calculatorName}" does not match row ${row.rowNumber} ("${row.calculatorName}")`);
    }
    if (label.patientNote !== row.patientNote) at('/Patient Note', `differs from the note of row ${row.rowNumber}`);
    labelByRow.set(label.rowNumber, label);
  }
  if (issues.length > 0) throw new DataValidationError(issues);

  const out: MedcalcRow[] = [];
  let changed = 0;
  let naLabels = 0;
  let unlabelled = 0;
  for (const row of rows) {
    const label = labelByRow.get(row.rowNumber);
    if (label === undefined) {
      unlabelled++;
      if (options.keepUnlabelled === true) out.push(row);
      continue;
    }
    if (!sameValue(label.groundTruth, row.groundTruth)) changed++;
    if (isNaLabel(label.groundTruth)) naLabels++;
    const next: MedcalcRow = {
      ...row,
      question: label.question,
      groundTruth: label.groundTruth,
      lowerLimit: label.lowerLimit,
      upperLimit: label.upperLimit,
    };
    if (row.calculatorId === 69 && PLAIN_NUMBER_RE.test(label.groundTruth)) next.ruleOverride = 'decimal';
    out.push(next);
  }
  return { rows: out, changed, naLabels, unlabelled };
}

/** Calculator-ID tables of MedCalc-Bench v1.0 (docs/medcalc.md §3). Pure data. */
import type { MedcalcRule } from './types.js';

/** IDs scored by calendar-date equality. */
export const DATE_IDS: readonly number[] = [13, 68];
/** The (weeks, days) gestational-age tuple calculator. */
export const TUPLE_IDS: readonly number[] = [69];
/** IDs scored by `round(answer) == GT`. */
export const INTEGER_IDS: readonly number[] = [4, 15, 16, 17, 18, 20, 21, 25, 27, 28, 29, 32, 33, 36, 43, 45, 48, 51];
/** IDs scored by `Lower <= answer <= Upper`. */
export const DECIMAL_IDS: readonly number[] = [
  2, 3, 5, 6, 7, 8, 9, 10, 11, 19, 22, 23, 24, 26, 30, 31, 38, 39, 40, 44, 46, 49, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67,
];

/** The seven categories with their v1.0 row counts (docs/medcalc.md §2). */
export const MEDCALC_CATEGORIES = {
  lab: 327,
  risk: 240,
  physical: 240,
  severity: 80,
  diagnosis: 60,
  date: 60,
  dosage: 40,
} as const satisfies Record<string, number>;

/** A category name as used in the `Category` column. */
export type MedcalcCategory = keyof typeof MEDCALC_CATEGORIES;

/** The scoring rule of a calculator ID, or null for an ID the reference does not know (it raises). */
export function ruleForCalculator(calculatorId: number): MedcalcRule | null {
  if (DATE_IDS.includes(calculatorId)) return 'date';
  if (TUPLE_IDS.includes(calculatorId)) return 'tuple';
  if (INTEGER_IDS.includes(calculatorId)) return 'integer';
  if (DECIMAL_IDS.includes(calculatorId)) return 'decimal';
  return null;
}

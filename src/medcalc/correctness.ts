/**
 * Correctness, a port of evaluate.py `check_correctness` (docs/medcalc.md §6), plus the
 * "any exception = Incorrect" wrapper of run.py and the N/A-label policy for corrected labels. Pure.
 */
import { ruleForCalculator } from './calculators.js';
import { GA_TUPLE_RE, extractAnswerWithRule } from './extract.js';
import { PyException, pyCompare, pyEval, pyRound } from './python-eval.js';
import { PY_D, pyIntOfDigits, pyStrip } from './python-text.js';
import type { MedcalcMode, MedcalcRow, MedcalcRule } from './types.js';

// `datetime.strptime(s, "%m/%d/%Y")`: _strptime's group patterns, `re.match`, then "unconverted data remains".
const STRPTIME_RE = new RegExp(`^(1[0-2]|0[1-9]|[1-9])/(3[01]|[12]${PY_D}|0[1-9]|[1-9]| [1-9])/(${PY_D}${PY_D}${PY_D}${PY_D})`, 'iu');

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Strict `strptime(text, "%m/%d/%Y")` → `[year, month, day]`; ValueError like Python otherwise. */
export function strptimeMonthDayYear(text: string): [number, number, number] {
  const m = STRPTIME_RE.exec(text);
  if (!m) throw new PyException('ValueError', `time data ${JSON.stringify(text)} does not match format '%m/%d/%Y'`);
  if (m[0].length !== text.length) throw new PyException('ValueError', `unconverted data remains: ${text.slice(m[0].length)}`);
  const month = pyIntOfDigits(m[1] ?? '');
  const day = pyIntOfDigits(pyStrip(m[2] ?? ''));
  const year = pyIntOfDigits(m[3] ?? '');
  if (year < 1) throw new PyException('ValueError', `year ${year} is out of range`);
  const monthDays = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (day > monthDays) throw new PyException('ValueError', 'day is out of range for month');
  return [year, month, day];
}

function checkTuple(answer: string, groundTruth: string): boolean {
  const gt = GA_TUPLE_RE.exec(groundTruth);
  if (!gt) throw new PyException('AttributeError', "'NoneType' object has no attribute 'group'");
  const ans = GA_TUPLE_RE.exec(answer);
  if (!ans) return false;
  // Both sides go through eval(), so "(07, 1)" is a SyntaxError, as upstream.
  const a = pyEval(`(${ans[1] ?? ''}, ${ans[3] ?? ''})`);
  const g = pyEval(`(${gt[1] ?? ''}, ${gt[3] ?? ''})`);
  return pyCompare('==', a, g);
}

/**
 * `check_correctness(answer, ground_truth, calid, upper_limit, lower_limit)` for one extracted
 * answer. Throws a {@link PyException} where Python raises (e.g. `eval("N/A")` → NameError,
 * `eval("04")` → SyntaxError, an invalid date → ValueError); {@link gradeMedcalc} turns that into
 * Incorrect. `mode` does not change the check (evaluate.py is identical at version-1.0 and main);
 * `rule` defaults to the calculator's rule.
 */
export function checkCorrectness(
  extracted: string,
  groundTruth: string,
  calculatorId: number,
  upper: string,
  lower: string,
  mode: MedcalcMode,
  rule: MedcalcRule | null = ruleForCalculator(calculatorId),
): boolean {
  void mode;
  switch (rule) {
    case 'date': {
      const [ay, am, ad] = strptimeMonthDayYear(extracted);
      const [gy, gm, gd] = strptimeMonthDayYear(groundTruth);
      return ay === gy && am === gm && ad === gd;
    }
    case 'tuple':
      return checkTuple(extracted, groundTruth);
    case 'integer': {
      // round() is half-to-even: 2.5 → 2, 3.5 → 4.
      const rounded = pyRound(pyEval(extracted));
      return pyCompare('==', rounded, pyEval(groundTruth));
    }
    case 'decimal': {
      const answer = pyEval(extracted);
      // Python's `and` short-circuits: the upper limit is only evaluated when the lower test passes.
      return pyCompare('>=', answer, pyEval(lower)) && pyCompare('<=', answer, pyEval(upper));
    }
    case null:
      throw new PyException('ValueError', `Unknown calculator ID: ${calculatorId}`);
  }
}

/** Extracted answers that count as an abstention. */
export const ABSTENTION_ANSWERS: readonly string[] = ['N/A', 'Not Found'];

/**
 * How rows whose (corrected) ground truth is `N/A` are scored. The reference can never pass them
 * (`eval("N/A")` raises), so docs/medcalc.md §9 asks for an explicit policy: the model must abstain, i.e. the
 * row is correct iff extraction succeeds and yields `N/A`/`Not Found`. Record this string with results.
 */
export const MEDCALC_NA_LABEL_POLICY = 'na-label:correct-iff-abstain';

/** True when a ground-truth cell means "no computable answer" (corrected labels, docs/medcalc.md §9). */
export function isNaLabel(groundTruth: string): boolean {
  return groundTruth.trim() === 'N/A';
}

/** The outcome of grading one model reply against one row. */
export interface MedcalcGrade {
  /** The normalised answer, or null when extraction raised. */
  extracted: string | null;
  explanation: string;
  correct: boolean;
  /** `<extract|check>:<PythonException>` when the reference would have raised (then correct is false). */
  error: string | null;
}

/**
 * Extract and check one raw model reply with the reference's "any exception = Incorrect" wrapper.
 * `N/A` ground truths follow {@link MEDCALC_NA_LABEL_POLICY}; `row.ruleOverride` replaces the ID's rule.
 * Only Python-emulated exceptions are caught: anything else is a bug in this library and propagates.
 */
export function gradeMedcalc(raw: string, row: MedcalcRow, mode: MedcalcMode): MedcalcGrade {
  const rule = row.ruleOverride ?? ruleForCalculator(row.calculatorId);
  const ex = extractAnswerWithRule(raw, rule, mode);
  if (ex.error !== null) return { extracted: null, explanation: ex.explanation, correct: false, error: ex.error };
  if (isNaLabel(row.groundTruth)) {
    return { extracted: ex.answer, explanation: ex.explanation, correct: ABSTENTION_ANSWERS.includes(ex.answer), error: null };
  }
  try {
    const correct = checkCorrectness(ex.answer, row.groundTruth, row.calculatorId, row.upperLimit, row.lowerLimit, mode, rule);
    return { extracted: ex.answer, explanation: ex.explanation, correct, error: null };
  } catch (err) {
    if (err instanceof PyException) {
      return { extracted: ex.answer, explanation: ex.explanation, correct: false, error: `check:${err.pyType}` };
    }
    throw err;
  }
}

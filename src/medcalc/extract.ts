/**
 * Answer extraction, a port of run.py `extract_answer` (docs/medcalc.md §5, §8). Pure.
 *
 * The reference's regexes are used literally, with Python's `\s` and `\d` classes (python-text.ts);
 * numbers are turned back into strings with Python's `str()`; `str(...)` answers are evaluated by the
 * safe evaluator in python-eval.ts (never `eval`).
 */
import { ruleForCalculator } from './calculators.js';
import { EMPTY_ENV, MEDCALC_EXPRESSION_ENV, PyException, pyArith, pyEval, pyStr } from './python-eval.js';
import { PY_D, PY_S, collapseWhitespace, pyIntOfDigits, pyStrip, pyStripChars } from './python-text.js';
import type { MedcalcMode, MedcalcRule } from './types.js';

/** What the extractor returns; `error` is `extract:<PythonException>` when the reference would raise. */
export interface MedcalcExtraction {
  /** The normalised answer (`"4"`, `"0.252"`, `"09/23/2014"`, `"(14, 1)"`, `"N/A"`); `''` when `error` is set. */
  answer: string;
  /** The last `step_by_step_thinking` string before an `"answer"` key, or `No Explanation` (cosmetic). */
  explanation: string;
  error: string | null;
}

/** The placeholders of the reference prompts; a model echoing one of them gave no answer. */
export const ANSWER_SENTINELS: readonly string[] = [
  'str(short_and_direct_answer_of_the_question)',
  'str(value which is the answer to the question)',
  'X.XX',
];

const ANSWER_RE = new RegExp(`[Aa]nswer":${PY_S}*(.*?)\\}`, 'gu');
const EXPLANATION_RE = new RegExp(`"step_by_step_thinking":${PY_S}*"([^"]+)"${PY_S}*,${PY_S}*"[Aa]nswer"`, 'gu');
const DATE_RE = new RegExp(`^(0?[1-9]|1[0-2])/(0?[1-9]|[12][0-9]|3[01])/(${PY_D}{4})`, 'u');
/** The gestational-age pattern `R` of docs/medcalc.md §5, shared with the correctness check. */
export const GA_TUPLE_RE = new RegExp(
  `\\(?["']?(${PY_D}+)${PY_S}*(weeks?)?["']?,?${PY_S}*["']?(${PY_D}+)${PY_S}*(days?)?["']?${PY_S}*\\)?`,
  'u',
);
const OUT_OF_RE = new RegExp(`(${PY_D}+) out of`, 'u');
const LIST_RE = new RegExp(`-?${PY_D}+(, ?-?${PY_D}+)+`, 'u');
const NUMBER_RE = new RegExp(`(-?${PY_D}+(\\.${PY_D}+)?)`, 'gu');
const STR_EXPR_RE = /str\((.*)\)/u;
// The `.` in "1.73" is a wildcard upstream too.
const ML_MIN_RE = new RegExp(`(-?${PY_D}+(\\.${PY_D}+)?)${PY_S}*mL/min/1.73`, 'u');
const PERCENT_RE = new RegExp(`(-?${PY_D}+(\\.${PY_D}+)?)%`, 'gu');

/** The reference's deletions before evaluating a `str(...)` answer, in its order (`g` goes everywhere). */
const EXPRESSION_REWRITES: ReadonlyArray<[string, string]> = [
  ['^', '**'],
  ['is odd', '% 2 == 1'],
  ['is even', '% 2 == 0'],
  ['sqrt', 'math.sqrt'],
  ['.math', ''],
  ['weight', ''],
  ['height', ''],
  ['mg/dl', ''],
  ['g/dl', ''],
  ['mmol/L', ''],
  ['kg', ''],
  ['g', ''],
  ['mEq/L', ''],
];

function lastGroup(re: RegExp, text: string): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(re)) last = m[1] ?? '';
  return last;
}

function countChar(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n++;
  return n;
}

/** Rule 1 of the decimal branch: evaluate `str(<expression>)`; any failure gives `N/A` (bare except upstream). */
function evaluateStrExpression(inner: string): string {
  let expr = inner;
  for (const [from, to] of EXPRESSION_REWRITES) expr = expr.replaceAll(from, to);
  expr = expr.split('#')[0] ?? '';
  const open = countChar(expr, '(');
  const close = countChar(expr, ')');
  if (open > close) expr += ')'.repeat(open - close);
  else if (close > open) expr = '('.repeat(close - open) + expr;
  try {
    const value = pyEval(expr, MEDCALC_EXPRESSION_ENV);
    return pyStr(value);
  } catch {
    return 'N/A';
  }
}

function extractDecimal(answer: string): string {
  const expr = STR_EXPR_RE.exec(answer);
  if (expr) return evaluateStrExpression(expr[1] ?? '');
  const mlMin = ML_MIN_RE.exec(answer);
  if (mlMin) return pyStr(pyEval(mlMin[1] ?? '', EMPTY_ENV));
  const percent = lastGroup(PERCENT_RE, answer);
  if (percent !== null) return pyStr(pyArith('/', pyEval(percent, EMPTY_ENV), { t: 'int', v: 100n }));
  const last = lastGroup(NUMBER_RE, answer);
  if (last !== null) return pyStr(pyEval(last, EMPTY_ENV));
  return 'N/A';
}

function extractInteger(answer: string): string {
  const outOf = OUT_OF_RE.exec(answer);
  if (outOf) return outOf[1] ?? '';
  const list = LIST_RE.exec(answer);
  if (list) return String(list[0].split(',').length);
  return lastGroup(NUMBER_RE, answer) ?? 'N/A';
}

function extractDate(answer: string): string {
  const m = DATE_RE.exec(answer);
  if (!m) return 'N/A';
  const month = String(pyIntOfDigits(m[1] ?? '')).padStart(2, '0');
  const day = String(pyIntOfDigits(m[2] ?? '')).padStart(2, '0');
  return `${month}/${day}/${m[3] ?? ''}`;
}

function extractTuple(answer: string, mode: MedcalcMode): string {
  if (mode === 'v1.0') {
    // version-1.0 reads the local `ground_truth` before assigning it (fixed in 25ec6a21).
    throw new PyException('UnboundLocalError', "local variable 'ground_truth' referenced before assignment");
  }
  // Main code runs the pattern once on the raw answer and dereferences the match unconditionally.
  if (!GA_TUPLE_RE.exec(answer)) throw new PyException('AttributeError', "'NoneType' object has no attribute 'group'");
  const cleaned = answer.replaceAll('[', '(').replaceAll(']', ')').replaceAll("'", '').replaceAll('"', '');
  const m = GA_TUPLE_RE.exec(cleaned);
  return m ? `(${m[1] ?? ''}, ${m[3] ?? ''})` : 'N/A';
}

/** The answer string of docs/medcalc.md §5 step 1 (last `answer":` match, trimmed, sentinels → `Not Found`). */
function rawAnswer(text: string): string {
  const last = lastGroup(ANSWER_RE, text);
  if (last === null) return 'Not Found';
  const answer = pyStripChars(pyStrip(last), '"');
  return ANSWER_SENTINELS.includes(answer) ? 'Not Found' : answer;
}

/**
 * Extract with an explicit scoring rule (null = unknown calculator: the reference then returns the
 * whole collapsed text and its checker raises).
 */
export function extractAnswerWithRule(raw: string, rule: MedcalcRule | null, mode: MedcalcMode): MedcalcExtraction {
  const text = collapseWhitespace(raw);
  const explanation = lastGroup(EXPLANATION_RE, text) ?? 'No Explanation';
  const answer = rawAnswer(text);
  try {
    switch (rule) {
      case 'date':
        return { answer: extractDate(answer), explanation, error: null };
      case 'tuple':
        return { answer: extractTuple(answer, mode), explanation, error: null };
      case 'integer':
        return { answer: extractInteger(answer), explanation, error: null };
      case 'decimal':
        return { answer: extractDecimal(answer), explanation, error: null };
      case null:
        return { answer: text, explanation, error: null };
    }
  } catch (err) {
    if (err instanceof PyException) return { answer: '', explanation, error: `extract:${err.pyType}` };
    throw err;
  }
}

/**
 * Port of the reference `extract_answer(raw, calculatorId)`: whitespace collapse, last `answer":`
 * value, then normalisation by calculator ID. In `v1.0` mode ID 69 always fails with
 * `extract:UnboundLocalError` (the v1.0 gestational-age bug).
 */
export function extractAnswer(raw: string, calculatorId: number, mode: MedcalcMode): MedcalcExtraction {
  return extractAnswerWithRule(raw, ruleForCalculator(calculatorId), mode);
}

/** Parsing the one-shot exemplar JSON files (docs/medcalc.md §4). Pure. */
import { DataValidationError, type DataIssue } from '../core/errors.js';
import type { MedcalcExemplar, MedcalcExemplarAnswer } from './types.js';

const FLOAT_MARK = '\u0000pyfloat';
// A JSON string, or a number literal written with a fraction or exponent (a Python float).
const STRING_OR_FLOAT_RE = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)/g;

interface FloatBox {
  [FLOAT_MARK]: number;
}

function isFloatBox(v: unknown): v is FloatBox {
  return typeof v === 'object' && v !== null && FLOAT_MARK in v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isFloatBox(v);
}

/**
 * Parse an exemplar file: `{"<calculator id>": {"Patient Note", "Response": {"step_by_step_thinking",
 * "answer"}, "input_parameters"}}`. Float literals are tracked (JSON.parse forgets that `40.0` was a
 * float) so the exemplar output can be re-serialised with its Python types. Throws one
 * DataValidationError listing every problem.
 */
export function parseExemplarsJson(text: string, file: string): Map<number, MedcalcExemplar> {
  let data: unknown;
  try {
    const marked = text.replace(STRING_OR_FLOAT_RE, (m) => (m.startsWith('"') ? m : `{"\\u0000pyfloat":${m}}`));
    data = JSON.parse(marked);
  } catch (err) {
    throw new DataValidationError([{ file, line: 0, pointer: '', message: `invalid JSON: ${(err as Error).message}` }]);
  }
  if (!isRecord(data))
    throw new DataValidationError([{ file, line: 0, pointer: '', message: 'must be a JSON object keyed by calculator ID' }]);
  const issues: DataIssue[] = [];
  const out = new Map<number, MedcalcExemplar>();
  for (const [key, entry] of Object.entries(data)) {
    const at = (pointer: string, message: string): void => {
      issues.push({ file, line: 0, pointer: `/${key}${pointer}`, message });
    };
    if (!/^[1-9]\d*$/.test(key)) {
      at('', 'key must be a calculator ID');
      continue;
    }
    if (!isRecord(entry)) {
      at('', 'must be an object');
      continue;
    }
    const note = entry['Patient Note'];
    const response = entry['Response'];
    if (typeof note !== 'string') at('/Patient Note', 'must be a string');
    if (!isRecord(response)) {
      at('/Response', 'must be an object');
      continue;
    }
    const thinking = response['step_by_step_thinking'];
    if (typeof thinking !== 'string') at('/Response/step_by_step_thinking', 'must be a string');
    const rawAnswer = response['answer'];
    let answer: MedcalcExemplarAnswer | null = null;
    let answerIsFloat = false;
    if (isFloatBox(rawAnswer)) {
      answer = rawAnswer[FLOAT_MARK];
      answerIsFloat = true;
    } else if (typeof rawAnswer === 'number' || typeof rawAnswer === 'string') {
      answer = rawAnswer;
    } else if (Array.isArray(rawAnswer) && rawAnswer.every((x): x is string => typeof x === 'string')) {
      answer = rawAnswer;
    } else {
      at('/Response/answer', 'must be a number, a string or a list of strings');
    }
    if (typeof note !== 'string' || typeof thinking !== 'string' || answer === null) continue;
    const calculatorId = Number(key);
    out.set(calculatorId, { calculatorId, patientNote: note, stepByStepThinking: thinking, answer, answerIsFloat });
  }
  if (issues.length > 0) throw new DataValidationError(issues);
  return out;
}

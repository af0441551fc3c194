/**
 * MedCalc-Bench prompts: our own wording with the upstream structure and JSON answer contract
 * (docs/medcalc.md §4). Each row is one `[system, user]` request; the one-shot exemplar sits inside
 * the system message and, as in the v1.0 code, its example task is the row's own question. Pure.
 */
import { UsageError } from '../core/errors.js';
import { pyFloatRepr } from './python-float.js';
import type { MedcalcExemplar, MedcalcPromptStyle, MedcalcRow } from './types.js';

/** Bump whenever any template text below changes; recorded with every run. */
export const MEDCALC_PROMPT_VERSION = 'healthbench-medcalc/1';

// The placeholders hold no digits, so an echoed template extracts as N/A rather than a number.
const COT_SPEC = '{"step_by_step_thinking": str(your_reasoning_worked_through_step_by_step), "answer": str(your_final_short_answer)}';
const DIRECT_SPEC = '{"answer": str(the_final_value_only)}';
const ROLE = 'You help clinicians by computing a medical score or value from a patient note.';
const COT_SYSTEM = `${ROLE} Reason through the calculation step by step, then state the result. Reply with nothing but a JSON object of the form ${COT_SPEC}.`;

/** A system + user template pair; `{note}`, `{question}`, `{example_note}`, `{example_output}` are filled in. */
export interface MedcalcPromptTemplate {
  system: string;
  user: string;
}

/** The exact template text per style; hash {@link medcalcPromptTemplateText} to record which prompts ran. */
export const MEDCALC_PROMPT_TEMPLATES: Readonly<Record<MedcalcPromptStyle, MedcalcPromptTemplate>> = {
  direct_answer: {
    system: `${ROLE} Give only the final answer, without any explanation or other text. Reply with nothing but a JSON object of the form ${DIRECT_SPEC}.`,
    user: `Patient Note:\n{note}\n\nTask:\n{question}\n\nNow reply with only the JSON object, in the form ${DIRECT_SPEC}:`,
  },
  zero_shot: {
    system: COT_SYSTEM,
    user: `Patient Note:\n{note}\n\nTask:\n{question}\n\nNow reply with only the JSON object, in the form ${COT_SPEC}:`,
  },
  one_shot: {
    system: `${COT_SYSTEM}\n\nExample Patient Note:\n\n{example_note}\n\nExample Task:\n\n{question}\n\nReply with only the JSON object, in the form ${COT_SPEC}:\n\n{example_output}`,
    user: `Patient Note:\n\n{note}\n\nTask:\n\n{question}\n\nNow reply with only the JSON object, in the form ${COT_SPEC}:`,
  },
};

/** Canonical text of every template (fixed key order), for a sha256 recorded with the run. */
export function medcalcPromptTemplateText(): string {
  const styles: MedcalcPromptStyle[] = ['direct_answer', 'zero_shot', 'one_shot'];
  return JSON.stringify({
    version: MEDCALC_PROMPT_VERSION,
    templates: styles.map((style) => [style, MEDCALC_PROMPT_TEMPLATES[style].system, MEDCALC_PROMPT_TEMPLATES[style].user]),
  });
}

/** A MedCalc request: exactly one system and one user message. */
export type MedcalcMessages = [{ role: 'system'; content: string }, { role: 'user'; content: string }];

/** Python `json.dumps` of a string (ensure_ascii: everything outside space..~ is escaped, lowercase hex). */
export function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The exemplar output as upstream serialises it: `{"step_by_step_thinking": ..., "answer": ...}` in that
 * order, Python `json.dumps` separators and escaping, float answers keeping their `.0`.
 */
export function formatExemplarOutput(exemplar: MedcalcExemplar): string {
  const a = exemplar.answer;
  let answer: string;
  if (typeof a === 'number') answer = exemplar.answerIsFloat ? pyFloatRepr(a) : String(a);
  else if (typeof a === 'string') answer = pyJsonString(a);
  else answer = `[${a.map(pyJsonString).join(', ')}]`;
  return `{"step_by_step_thinking": ${pyJsonString(exemplar.stepByStepThinking)}, "answer": ${answer}}`;
}

function fill(template: string, vars: Record<string, string>): string {
  // One pass, so a note that happens to contain "{question}" is left as written.
  return template.replace(/\{(note|question|example_note|example_output)\}/g, (whole, key: string) => vars[key] ?? whole);
}

/**
 * Build the `[system, user]` messages for one row. `one_shot` needs the row's calculator exemplar;
 * its example task is the row's own question (v1.0 behaviour, docs/medcalc.md §4).
 */
export function buildMedcalcMessages(
  row: Pick<MedcalcRow, 'calculatorId' | 'patientNote' | 'question'>,
  style: MedcalcPromptStyle,
  exemplar?: MedcalcExemplar,
): MedcalcMessages {
  const template = MEDCALC_PROMPT_TEMPLATES[style];
  const vars: Record<string, string> = { note: row.patientNote, question: row.question };
  if (style === 'one_shot') {
    if (exemplar === undefined) {
      throw new UsageError(`one_shot prompts need the exemplar of calculator ${row.calculatorId}`);
    }
    if (exemplar.calculatorId !== row.calculatorId) {
      throw new UsageError(`exemplar of calculator ${exemplar.calculatorId} given for a row of calculator ${row.calculatorId}`);
    }
    vars['example_note'] = exemplar.patientNote;
    vars['example_output'] = formatExemplarOutput(exemplar);
  }
  return [
    { role: 'system', content: fill(template.system, vars) },
    { role: 'user', content: fill(template.user, vars) },
  ];
}

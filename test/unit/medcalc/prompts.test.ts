import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import {
  MEDCALC_PROMPT_TEMPLATES,
  MEDCALC_PROMPT_VERSION,
  buildMedcalcMessages,
  extractAnswer,
  medcalcPromptTemplateText,
  type MedcalcExemplar,
  type MedcalcPromptStyle,
} from '../../../src/medcalc/index.js';

const row = {
  calculatorId: 24,
  patientNote: 'Patient takes 10 mg PO prednisone daily. {question} stays literal.',
  question: 'What is the equivalent dose of dexamethasone in mg?',
};
const exemplar: MedcalcExemplar = {
  calculatorId: 24,
  patientNote: 'Example: 100 mg IV hydrocortisone.',
  stepByStepThinking: 'Hydrocortisone 20 mg ≈ dexamethasone 0.75 mg.',
  answer: 3.75,
  answerIsFloat: true,
};

describe('buildMedcalcMessages', () => {
  const styles: MedcalcPromptStyle[] = ['direct_answer', 'zero_shot', 'one_shot'];
  for (const style of styles) {
    it(`${style}: one system and one user message carrying the note, the question and the JSON contract`, () => {
      const messages = buildMedcalcMessages(row, style, exemplar);
      expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
      const [system, user] = messages;
      expect(user.content).toContain('Patient Note');
      expect(user.content).toContain(row.patientNote);
      expect(user.content).toContain(row.question);
      expect(user.content.endsWith(':')).toBe(true);
      expect(system.content).toContain('"answer"');
      expect(user.content).toContain('"answer": str(');
      const cot = style !== 'direct_answer';
      expect(system.content.includes('"step_by_step_thinking"')).toBe(cot);
      expect(user.content.includes('"step_by_step_thinking"')).toBe(cot);
    });
  }

  it('one_shot puts the exemplar note, the row question and the Python-serialised exemplar output in the system message', () => {
    const [system, user] = buildMedcalcMessages(row, 'one_shot', exemplar);
    expect(system.content).toContain(`Example Patient Note:\n\n${exemplar.patientNote}`);
    expect(system.content).toContain(`Example Task:\n\n${row.question}`);
    expect(
      system.content.endsWith('{"step_by_step_thinking": "Hydrocortisone 20 mg \\u2248 dexamethasone 0.75 mg.", "answer": 3.75}'),
    ).toBe(true);
    expect(user.content).toContain(`Patient Note:\n\n${row.patientNote}\n\nTask:\n\n${row.question}\n\n`);
    expect(user.content).not.toContain(exemplar.patientNote);
  });

  it('direct_answer and zero_shot keep note and task on the line after their headers', () => {
    const [, user] = buildMedcalcMessages(row, 'zero_shot');
    expect(user.content.startsWith(`Patient Note:\n${row.patientNote}\n\nTask:\n${row.question}\n\n`)).toBe(true);
  });

  it('one_shot needs the exemplar of the same calculator', () => {
    expect(() => buildMedcalcMessages(row, 'one_shot')).toThrow(UsageError);
    expect(() => buildMedcalcMessages(row, 'one_shot', { ...exemplar, calculatorId: 2 })).toThrow(/calculator 2/);
  });

  it('a model echoing the answer placeholder never scores a number', () => {
    for (const style of ['direct_answer', 'zero_shot'] as const) {
      const spec = /\{"(?:step_by_step_thinking|answer)".*\}/.exec(MEDCALC_PROMPT_TEMPLATES[style].system)?.[0] ?? '';
      expect(spec).not.toBe('');
      for (const id of [2, 4, 13]) expect(extractAnswer(spec, id, 'current').answer).toBe('N/A');
    }
  });
});

describe('prompt versioning', () => {
  it('exposes a version and a canonical template text that contains every template', () => {
    const text = medcalcPromptTemplateText();
    expect(MEDCALC_PROMPT_VERSION).toMatch(/\S/);
    expect(text).toContain(MEDCALC_PROMPT_VERSION);
    expect(text).toContain(JSON.stringify(MEDCALC_PROMPT_TEMPLATES.one_shot.system));
    expect(medcalcPromptTemplateText()).toBe(text);
  });
});

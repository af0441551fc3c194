import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradeMedcalc } from '../../../src/medcalc/correctness.js';
import { extractAnswer } from '../../../src/medcalc/extract.js';
import type { MedcalcMode, MedcalcRow } from '../../../src/medcalc/types.js';

interface GoldenCase {
  desc: string;
  calculator_id: number;
  raw_output: string;
  ground_truth: string;
  lower_limit: string;
  upper_limit: string;
  head_extracted: string | null;
  head_correct: boolean;
  head_error: string | null;
  v1_0_code_extracted: string | null;
  v1_0_code_correct: boolean;
  v1_0_code_error: string | null;
}

const goldenPath = fileURLToPath(new URL('../../fixtures/medcalc/medcalc_extraction_golden.jsonl', import.meta.url));
const cases: GoldenCase[] = readFileSync(goldenPath, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as GoldenCase);

function rowFor(c: GoldenCase): MedcalcRow {
  return {
    rowNumber: 1,
    calculatorId: c.calculator_id,
    calculatorName: 'golden',
    category: 'lab',
    outputType: 'decimal',
    noteId: '1',
    noteType: 'Template',
    patientNote: 'note',
    question: 'question',
    groundTruth: c.ground_truth,
    lowerLimit: c.lower_limit,
    upperLimit: c.upper_limit,
    explanation: '',
  };
}

const stage = (error: string | null): string | null => (error === null ? null : (error.split(':')[0] ?? null));

describe('MedCalc golden extraction vectors (docs §10)', () => {
  it('has all 41 cases, 26 correct under main and 23 under v1.0', () => {
    expect(cases).toHaveLength(41);
    expect(cases.filter((c) => c.head_correct)).toHaveLength(26);
    expect(cases.filter((c) => c.v1_0_code_correct)).toHaveLength(23);
  });

  const modes: Array<[MedcalcMode, 'head' | 'v1_0_code']> = [
    ['current', 'head'],
    ['v1.0', 'v1_0_code'],
  ];
  for (const [mode, prefix] of modes) {
    for (const c of cases) {
      it(`${mode}: ${c.desc} (ID ${c.calculator_id})`, () => {
        const expectedExtracted = c[`${prefix}_extracted`];
        const expectedError = c[`${prefix}_error`];
        const grade = gradeMedcalc(c.raw_output, rowFor(c), mode);
        expect(grade.extracted).toBe(expectedExtracted);
        expect(grade.correct).toBe(c[`${prefix}_correct`]);
        expect(stage(grade.error)).toBe(stage(expectedError));
        // Python exception names are informative only, but ours match on every golden case.
        expect(grade.error).toBe(expectedError);
        const ex = extractAnswer(c.raw_output, c.calculator_id, mode);
        expect(ex.error === null ? ex.answer : null).toBe(expectedExtracted);
      });
    }
  }
});

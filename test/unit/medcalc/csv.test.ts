import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataValidationError } from '../../../src/core/errors.js';
import {
  MEDCALC_CATEGORIES,
  applyLabels,
  formatExemplarOutput,
  loadCorrectedLabels,
  loadExemplars,
  loadMedcalcCsv,
  parseCorrectedLabelsCsv,
  parseExemplarsJson,
  parseMedcalcCsv,
} from '../../../src/medcalc/index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/medcalc/${name}`, import.meta.url));

async function issuesOf(p: Promise<unknown>): Promise<DataValidationError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DataValidationError) return err;
    throw err;
  }
  throw new Error('expected a DataValidationError');
}

describe('loadMedcalcCsv', () => {
  it('parses quoted notes with commas, doubled quotes, blank lines and newlines', async () => {
    const rows = await loadMedcalcCsv(fixture('edge.csv'));
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
    const first = rows[0];
    expect(first?.patientNote).toBe('A 58-year-old man, BP 150/90 mmHg,\nsaid "I feel fine".\n\nPulse 80.');
    expect(first?.calculatorId).toBe(5);
    expect(first?.groundTruth).toBe('110');
    expect(first?.lowerLimit).toBe('104.5');
    expect(first?.explanation).toBe('MAP = (2*90 + 150)/3');
    expect(rows[1]?.groundTruth).toBe("('14 weeks', '1 days')");
    expect(rows[1]?.noteId).toBe('7');
    expect(rows[2]?.patientNote).toBe('Note with a trailing comma,');
    expect(rows[2]?.groundTruth).toBe('-2');
  });

  it('collects every problem with the line where its record starts and the column pointer', async () => {
    const err = await issuesOf(loadMedcalcCsv(fixture('bad.csv')));
    const file = fixture('bad.csv');
    expect(err.issues).toEqual([
      { file, line: 5, pointer: '/Row Number', message: 'must be a positive integer, got "x1"' },
      { file, line: 5, pointer: '/Category', message: expect.stringContaining('got "lab test"') },
      { file, line: 6, pointer: '/Calculator ID', message: 'unknown calculator 99 (no scoring rule)' },
      { file, line: 7, pointer: '', message: 'expected 14 fields, got 10' },
      { file, line: 9, pointer: '/Question', message: 'must not be empty' },
      { file, line: 9, pointer: '/Row Number', message: 'duplicate Row Number 1 (first on line 2)' },
      { file, line: 9, pointer: '/Note ID', message: expect.stringContaining('duplicate (Calculator ID, Note ID) (5, pmc-1-1)') },
    ]);
    expect(err.message).toContain(`${file}:5 /Row Number`);
  });

  it('rejects a header that is not the 14 reference columns', () => {
    expect(() => parseMedcalcCsv('Row Number,Calculator ID\n1,2\n', 'h.csv')).toThrow(/header must be exactly 14 columns/);
  });

  it('reports an unclosed quote as a located issue', () => {
    const header = readFileSync(fixture('edge.csv'), 'utf8').split('\n')[0] ?? '';
    try {
      parseMedcalcCsv(`${header}\n1,5,"open\n`, 'q.csv');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DataValidationError);
      expect((err as DataValidationError).issues[0]?.message).toMatch(/Quote Not Closed/);
    }
  });

  it('counts lines correctly with CRLF line endings', () => {
    const text = readFileSync(fixture('bad.csv'), 'utf8').replace(/\n/g, '\r\n');
    try {
      parseMedcalcCsv(text, 'crlf.csv');
      expect.unreachable();
    } catch (err) {
      expect((err as DataValidationError).issues.map((i) => i.line)).toEqual([5, 5, 6, 7, 9, 9, 9]);
    }
  });

  it('loads the small real-data fixture covering all 7 categories and IDs 13, 24, 69', async () => {
    const rows = await loadMedcalcCsv(fixture('small.csv'));
    expect(rows).toHaveLength(17);
    expect(new Set(rows.map((r) => r.category))).toEqual(new Set(Object.keys(MEDCALC_CATEGORIES)));
    for (const id of [13, 24, 69]) expect(rows.some((r) => r.calculatorId === id)).toBe(true);
  });
});

describe('corrected labels', () => {
  it('parses the corrected-labels format and joins it on Row Number', async () => {
    const rows = await loadMedcalcCsv(fixture('small.csv'));
    const labels = await loadCorrectedLabels(fixture('small-corrected.csv'));
    expect(labels).toHaveLength(6);
    const applied = applyLabels(rows, labels);
    expect(applied.rows.map((r) => r.rowNumber)).toEqual([1, 61, 200, 308, 928, 1028]);
    // 25.238 → 25.24, 8 → 10, 09/23/2014 → 09/12/2014, ID 69 tuple → 6 days, N/A: changed; 100 stays.
    expect(applied.changed).toBe(5);
    expect(applied.naLabels).toBe(1);
    expect(applied.unlabelled).toBe(11);
    const row1 = applied.rows[0];
    expect(row1?.groundTruth).toBe('25.24');
    expect(row1?.lowerLimit).toBe('23.977999999999998');
    const ga = applied.rows.find((r) => r.calculatorId === 69);
    expect(ga?.groundTruth).toBe('6');
    expect(ga?.ruleOverride).toBe('decimal');
    expect(ga?.question).toMatch(/total number of days/);
    expect(applied.rows.find((r) => r.rowNumber === 308)?.groundTruth).toBe('N/A');
  });

  it('keeps unlabelled rows with their v1.0 labels when asked', async () => {
    const rows = await loadMedcalcCsv(fixture('small.csv'));
    const labels = await loadCorrectedLabels(fixture('small-corrected.csv'));
    const applied = applyLabels(rows, labels, { keepUnlabelled: true });
    expect(applied.rows).toHaveLength(17);
    expect(applied.rows.find((r) => r.rowNumber === 41)?.groundTruth).toBe('4');
  });

  it('refuses labels that do not join to a row with the same calculator and note', async () => {
    const rows = await loadMedcalcCsv(fixture('small.csv'));
    const text = readFileSync(fixture('small-corrected.csv'), 'utf8')
      .replace('\n1,Creatinine Clearance', '\n2,Creatinine Clearance')
      .replace('\n61,Mean Arterial Pressure (MAP)', '\n61,Mean Arterial Pressure');
    const labels = parseCorrectedLabelsCsv(text, 'c.csv');
    try {
      applyLabels(rows, labels);
      expect.unreachable();
    } catch (err) {
      const issues = (err as DataValidationError).issues;
      expect(issues.map((i) => [i.line, i.pointer])).toEqual([
        [2, '/Unique ID'],
        [expect.any(Number), '/Calculator Name'],
      ]);
    }
  });
});

describe('exemplars', () => {
  it('keeps answer types, including float literals such as 40.0', async () => {
    const ex = await loadExemplars(fixture('exemplars-small.json'));
    expect([...ex.keys()].sort((a, b) => a - b)).toEqual([3, 4, 13, 69]);
    expect(ex.get(3)).toMatchObject({ answer: 40, answerIsFloat: true });
    expect(ex.get(4)).toMatchObject({ answer: 3, answerIsFloat: false });
    expect(ex.get(13)?.answer).toBe('12/02/2000');
    expect(ex.get(69)?.answer).toEqual(['34 weeks', '3 days']);
  });

  it('serialises the exemplar output like Python json.dumps', async () => {
    const ex = await loadExemplars(fixture('exemplars-small.json'));
    const out3 = formatExemplarOutput(ex.get(3) as NonNullable<ReturnType<typeof ex.get>>);
    expect(out3.startsWith('{"step_by_step_thinking": "')).toBe(true);
    expect(out3.endsWith('m\\u00b2.", "answer": 40.0}')).toBe(true);
    const out69 = formatExemplarOutput(ex.get(69) as NonNullable<ReturnType<typeof ex.get>>);
    expect(out69.endsWith('"answer": ["34 weeks", "3 days"]}')).toBe(true);
  });

  it('lists every malformed entry', () => {
    const text = JSON.stringify({ '2': { 'Patient Note': 1, Response: { step_by_step_thinking: 'x', answer: {} } }, x: {} });
    try {
      parseExemplarsJson(text, 'e.json');
      expect.unreachable();
    } catch (err) {
      expect((err as DataValidationError).issues.map((i) => i.pointer)).toEqual(['/2/Patient Note', '/2/Response/answer', '/x']);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { PyException, checkCorrectness, extractAnswer, gradeMedcalc, strptimeMonthDayYear } from '../../../src/medcalc/index.js';
import type { MedcalcRow } from '../../../src/medcalc/index.js';

const reply = (answer: string, thinking = 'steps'): string =>
  `{"step_by_step_thinking": "${thinking}", "answer": ${JSON.stringify(answer)}}`;
const extracted = (answer: string, id: number): string => {
  const ex = extractAnswer(reply(answer), id, 'current');
  return ex.error ?? ex.answer;
};

function row(over: Partial<MedcalcRow>): MedcalcRow {
  return {
    rowNumber: 1,
    calculatorId: 5,
    calculatorName: 'Mean Arterial Pressure (MAP)',
    category: 'physical',
    outputType: 'decimal',
    noteId: 'pmc-1',
    noteType: 'Extracted',
    patientNote: 'note',
    question: 'q',
    groundTruth: '110',
    lowerLimit: '104.5',
    upperLimit: '115.5',
    explanation: '',
    ...over,
  };
}

const pyType = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof PyException) return err.pyType;
    throw err;
  }
  return 'no error';
};

describe('extractAnswer: decimal rules', () => {
  it('evaluates str(...) after the reference rewrites (^, sqrt, units, every g, # comments, paren balance)', () => {
    expect(extracted('str(round((140 - 87) * 48 * 1 / (1.4 * 72), 3))', 2)).toBe('25.238');
    expect(extracted('str(2^3)', 5)).toBe('8');
    expect(extracted('str(sqrt(16))', 5)).toBe('4.0');
    expect(extracted('str(np.sqrt(16))', 5)).toBe('4.0');
    expect(extracted('str(70 kg * 2)', 6)).toBe('140');
    expect(extracted('str(round(45.5 + 0.4 * (75 - 45.5 # adjusted)', 62)).toBe('57');
    expect(extracted('str(5 is odd)', 5)).toBe('True');
    // "log" loses its g and becomes an unknown attribute: N/A, as upstream.
    expect(extracted('str(math.log(10))', 5)).toBe('N/A');
    expect(extracted('str(unknown)', 5)).toBe('N/A');
  });

  it('applies the mL/min/1.73, percent and last-number rules with Python str()', () => {
    expect(extracted('41.2 mL/min/1.73 m²', 3)).toBe('41.2');
    expect(extracted('53.1%', 46)).toBe('0.531');
    expect(extracted('100%', 46)).toBe('1.0');
    expect(extracted('0.001%', 46)).toBe('1e-05');
    expect(extracted('110.0 mm Hg', 5)).toBe('110.0');
    expect(extracted('about 007.5', 5)).toBe('7.5');
    expect(extracted('1e-5', 5)).toBe('-5');
    expect(extracted('none', 5)).toBe('N/A');
  });

  it('raises during extraction on a leading-zero number in the decimal branch', () => {
    expect(extracted('04', 5)).toBe('extract:SyntaxError');
  });
});

describe('extractAnswer: integer, date and tuple rules', () => {
  it('uses "N out of", comma-list counting, then the last number', () => {
    expect(extracted('3 out of 5 criteria', 48)).toBe('3');
    expect(extracted('-1, 2, -3', 16)).toBe('3');
    expect(extracted('score: 2.5', 4)).toBe('2.5');
    expect(extracted('nothing', 4)).toBe('N/A');
  });

  it('pads dates anchored at the start and keeps Unicode digits of the year as Python does', () => {
    expect(extracted('9/3/2014 (estimated)', 13)).toBe('09/03/2014');
    expect(extracted('13/01/2014', 68)).toBe('N/A');
    // Python's \d matches any Unicode digit; U+FEFF is not whitespace in Python, so the anchor fails.
    expect(extracted('09/23/\u0662\u0660\u0661\u0664', 13)).toBe('09/23/\u0662\u0660\u0661\u0664');
    expect(extractAnswer('{"answer": "\ufeff09/23/2014"}', 13, 'current').answer).toBe('N/A');
  });

  it('parses gestational-age tuples, including the digit-splitting mis-parse, and fails without digits', () => {
    expect(extracted('(4 weeks, 3 days)', 69)).toBe('(4, 3)');
    expect(extracted('14 weeks and 1 day', 69)).toBe('(1, 4)');
    expect(extracted('unknown', 69)).toBe('extract:AttributeError');
    expect(extractAnswer(reply('(4 weeks, 3 days)'), 69, 'v1.0').error).toBe('extract:UnboundLocalError');
  });

  it('takes the last explanation that precedes an answer key', () => {
    const raw = '{"step_by_step_thinking": "first", "answer": "1"} {"step_by_step_thinking": "second", "answer": "2"}';
    expect(extractAnswer(raw, 4, 'current')).toEqual({ answer: '2', explanation: 'second', error: null });
    expect(extractAnswer('{"answer": "2"}', 4, 'current').explanation).toBe('No Explanation');
  });

  it('behaves identically in both modes except for ID 69', () => {
    for (const [answer, id] of [
      ['25.2%', 2],
      ['4 out of 9', 4],
      ['9/23/2014', 13],
    ] as const) {
      expect(extractAnswer(reply(answer), id, 'v1.0')).toEqual(extractAnswer(reply(answer), id, 'current'));
    }
  });
});

describe('checkCorrectness', () => {
  it('compares dates with a strict strptime', () => {
    expect(checkCorrectness('09/23/2014', '9/23/2014', 13, '', '', 'current')).toBe(true);
    expect(checkCorrectness('02/29/2024', '02/29/2024', 68, '', '', 'current')).toBe(true);
    expect(pyType(() => strptimeMonthDayYear('02/29/1900'))).toBe('ValueError');
    expect(pyType(() => strptimeMonthDayYear('02/30/2020'))).toBe('ValueError');
    expect(pyType(() => strptimeMonthDayYear('09/23/2014 '))).toBe('ValueError');
    expect(pyType(() => strptimeMonthDayYear('00/10/2014'))).toBe('ValueError');
    expect(pyType(() => checkCorrectness('N/A', '09/23/2014', 13, '', '', 'current'))).toBe('ValueError');
  });

  it('compares (weeks, days) tuples exactly', () => {
    const gt = "('2 weeks', '0 days')";
    expect(checkCorrectness('(2, 0)', gt, 69, gt, gt, 'current')).toBe(true);
    expect(checkCorrectness('(1, 7)', gt, 69, gt, gt, 'current')).toBe(false);
    expect(checkCorrectness('N/A', gt, 69, gt, gt, 'current')).toBe(false);
    expect(pyType(() => checkCorrectness('(02, 0)', gt, 69, gt, gt, 'current'))).toBe('SyntaxError');
    expect(pyType(() => checkCorrectness('(2, 0)', 'bad', 69, '', '', 'current'))).toBe('AttributeError');
  });

  it('rounds integer answers half-to-even before comparing', () => {
    expect(checkCorrectness('2.5', '2', 4, '2', '2', 'current')).toBe(true);
    expect(checkCorrectness('2.5', '3', 4, '3', '3', 'current')).toBe(false);
    expect(checkCorrectness('3.5', '4', 4, '4', '4', 'current')).toBe(true);
    expect(checkCorrectness('-2.5', '-2', 16, '-2', '-2', 'current')).toBe(true);
    expect(checkCorrectness('0', '0', 4, '0', '0', 'current')).toBe(true);
    expect(pyType(() => checkCorrectness('N/A', '4', 4, '4', '4', 'current'))).toBe('NameError');
  });

  it('checks decimal answers against inclusive limits, negative and zero ground truths included', () => {
    expect(checkCorrectness('-0.828', '-0.828', 63, '-0.7866', '-0.8694', 'current')).toBe(true);
    expect(checkCorrectness('-0.8694', '-0.828', 63, '-0.7866', '-0.8694', 'current')).toBe(true);
    expect(checkCorrectness('-0.9', '-0.828', 63, '-0.7866', '-0.8694', 'current')).toBe(false);
    expect(checkCorrectness('0', '0', 46, '0', '0', 'current')).toBe(true);
    expect(checkCorrectness('-0.0', '0', 46, '0', '0', 'current')).toBe(true);
    expect(checkCorrectness('0.001', '0', 46, '0', '0', 'current')).toBe(false);
    expect(checkCorrectness('True', '1', 8, '1.05', '0.95', 'current')).toBe(true);
  });

  it('evaluates the upper limit only when the lower test passes (Python `and`)', () => {
    expect(checkCorrectness('1', '5', 5, 'N/A', '4', 'current')).toBe(false);
    expect(pyType(() => checkCorrectness('5', '5', 5, 'N/A', '4', 'current'))).toBe('NameError');
  });

  it('raises for an unknown calculator ID', () => {
    expect(pyType(() => checkCorrectness('1', '1', 999, '1', '1', 'current'))).toBe('ValueError');
  });
});

describe('gradeMedcalc', () => {
  it('grades the worked example of the docs as correct', () => {
    const raw = '{"step_by_step_thinking": "MAP = (2×90 + 150)/3 = 110", "answer": "110"}';
    expect(gradeMedcalc(raw, row({}), 'current')).toEqual({
      extracted: '110',
      explanation: 'MAP = (2×90 + 150)/3 = 110',
      correct: true,
      error: null,
    });
  });

  it('turns any emulated Python exception into Incorrect with its stage', () => {
    expect(gradeMedcalc('The answer is 4.', row({ calculatorId: 4, groundTruth: '4' }), 'current')).toMatchObject({
      extracted: 'N/A',
      correct: false,
      error: 'check:NameError',
    });
    expect(gradeMedcalc(reply('04'), row({}), 'current')).toMatchObject({ extracted: null, correct: false, error: 'extract:SyntaxError' });
  });

  it('scores N/A labels as "must abstain"', () => {
    const na = row({ groundTruth: 'N/A', lowerLimit: 'N/A', upperLimit: 'N/A' });
    expect(gradeMedcalc(reply('N/A'), na, 'current')).toMatchObject({ correct: true, error: null });
    expect(gradeMedcalc('I cannot compute this.', na, 'current')).toMatchObject({ extracted: 'N/A', correct: true });
    expect(gradeMedcalc(reply('110'), na, 'current')).toMatchObject({ correct: false, error: null });
  });

  it('uses the row rule override for gestational age relabelled in days', () => {
    const ga = row({
      calculatorId: 69,
      groundTruth: '6',
      lowerLimit: '5.699999999999999',
      upperLimit: '6.300000000000001',
      ruleOverride: 'decimal',
    });
    expect(gradeMedcalc(reply('6 days'), ga, 'current')).toMatchObject({ extracted: '6', correct: true });
    expect(gradeMedcalc(reply('(0 weeks, 6 days)'), ga, 'current').correct).toBe(true);
    expect(gradeMedcalc(reply('7'), ga, 'current').correct).toBe(false);
  });
});

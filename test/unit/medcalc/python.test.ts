import { describe, expect, it } from 'vitest';
import { MEDCALC_EXPRESSION_ENV, PyException, pyEval, pyStr } from '../../../src/medcalc/python-eval.js';
import { pyFloatRepr, pyRoundFloat, pyRoundFloatToInt } from '../../../src/medcalc/python-float.js';
import { collapseWhitespace, pyStrip } from '../../../src/medcalc/python-text.js';

const str = (src: string): string => pyStr(pyEval(src, MEDCALC_EXPRESSION_ENV));
const pyErr = (src: string): string => {
  try {
    pyEval(src, MEDCALC_EXPRESSION_ENV);
  } catch (err) {
    if (err instanceof PyException) return err.pyType;
    throw err;
  }
  return 'no error';
};

describe('pyFloatRepr (Python str/repr of floats)', () => {
  it.each([
    [0.1, '0.1'],
    [10, '10.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1234567890123456, '1234567890123456.0'],
    [1.5e16, '1.5e+16'],
    [0.1 + 0.2, '0.30000000000000004'],
    [-0, '-0.0'],
    [0, '0.0'],
    [Infinity, 'inf'],
    [NaN, 'nan'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-25.238, '-25.238'],
  ])('%s prints as %s', (x, expected) => {
    expect(pyFloatRepr(x)).toBe(expected);
  });
});

describe('Python rounding', () => {
  it('round(x) is half-to-even on the exact binary value', () => {
    expect([2.5, 3.5, 4.5, -2.5, 0.5, 1.5, 2.5000000000000004].map((x) => pyRoundFloatToInt(x))).toEqual([2n, 4n, 4n, -2n, 0n, 2n, 3n]);
  });

  it('round(x, n) rounds the exact decimal expansion, unlike toFixed', () => {
    expect(pyRoundFloat(2.675, 2)).toBe(2.67);
    expect(pyRoundFloat(0.125, 2)).toBe(0.12);
    expect(pyRoundFloat(0.375, 2)).toBe(0.38);
    expect(pyRoundFloat(1234.5678, -2)).toBe(1200);
    expect(pyRoundFloat(25.2384, 3)).toBe(25.238);
  });
});

describe('pyEval (safe Python arithmetic)', () => {
  it('keeps the int/float distinction of Python', () => {
    expect(str('6/2')).toBe('3.0');
    expect(str('7//2')).toBe('3');
    expect(str('-7//2')).toBe('-4');
    expect(str('-7%3')).toBe('2');
    expect(str('7.5%2')).toBe('1.5');
    expect(str('2**10')).toBe('1024');
    expect(str('2**-1')).toBe('0.5');
    expect(str('-2**2')).toBe('-4');
    expect(str('2**3**2')).toBe('512');
    expect(str('2**64')).toBe('18446744073709551616');
    expect(str('236 / 281**265')).toBe('0.0');
  });

  it('parses numeric literals like Python, including the leading-zero SyntaxError', () => {
    expect(str('007.5')).toBe('7.5');
    expect(str('00')).toBe('0');
    expect(str('-0')).toBe('0');
    expect(str('1_000')).toBe('1000');
    expect(str('0x1F')).toBe('31');
    expect(pyErr('04')).toBe('SyntaxError');
    expect(pyErr('-05')).toBe('SyntaxError');
  });

  it('offers only the whitelisted names', () => {
    expect(str('round(2.5)')).toBe('2');
    expect(str('round(2.675, 2)')).toBe('2.67');
    expect(str('round(25, -1)')).toBe('20');
    expect(str('min(3, 1.0, 2)')).toBe('1.0');
    expect(str('pow(3, 4, 5)')).toBe('1');
    expect(str('abs(-3)')).toBe('3');
    expect(str('int(-3.9)')).toBe('-3');
    expect(str("float('2.5')")).toBe('2.5');
    expect(str('math.sqrt(16)')).toBe('4.0');
    expect(str('np.round(2.5)')).toBe('2.0');
    expect(pyErr('max(1, 2)')).toBe('NameError');
    expect(pyErr('__import__')).toBe('NameError');
    expect(pyErr('math.lo(2)')).toBe('AttributeError');
  });

  it('evaluates comparisons, booleans, tuples and conditionals', () => {
    expect(str('5 % 2 == 1')).toBe('True');
    expect(str('1 < 2 < 3')).toBe('True');
    expect(str('0 or 5')).toBe('5');
    expect(str('1, 2')).toBe('(1, 2)');
    expect(str('(1,)')).toBe('(1,)');
    expect(str("['a', 2]")).toBe("['a', 2]");
    expect(str('1 if 0 else 2')).toBe('2');
    expect(str('(-8) ** 0.5')).toBe('(1.7319121124709868e-16+2.8284271247461903j)');
  });

  it('raises where Python raises', () => {
    expect(pyErr('N/A')).toBe('NameError');
    expect(pyErr('Not Found')).toBe('SyntaxError');
    expect(pyErr('1/0')).toBe('ZeroDivisionError');
    expect(pyErr('1.0 % 0')).toBe('ZeroDivisionError');
    expect(pyErr('math.sqrt(-1)')).toBe('ValueError');
    expect(pyErr('25.2 mL')).toBe('SyntaxError');
    expect(pyErr('(1, 2) < 3')).toBe('TypeError');
  });

  it('refuses absurd nesting and huge powers without crashing', () => {
    expect(pyErr(`${'('.repeat(5000)}1${')'.repeat(5000)}`)).toBe('SyntaxError');
    expect(pyErr(`${'-'.repeat(5000)}1`)).toBe('SyntaxError');
    expect(pyErr('10**10**10')).toBe('OverflowError');
  });
});

describe('Python whitespace', () => {
  it('collapses Python \\s (incl. U+001C–U+001F, U+0085) but not U+FEFF', () => {
    expect(collapseWhitespace('a\u0085b\ufeffc\u001fd\n\t e')).toBe('a b\ufeffc d e');
    expect(pyStrip('\u00a0 x \u3000')).toBe('x');
    expect(pyStrip('\ufeffx')).toBe('\ufeffx');
  });
});

// Regressions found by the differential test against python3 (python-differential.test.ts).
describe('pyEval – regressions found against real Python', () => {
  it('an empty source is a SyntaxError, not the empty tuple (Python: eval("") raises)', () => {
    expect(pyErr('')).toBe('SyntaxError');
    expect(pyErr('   ')).toBe('SyntaxError');
    expect(str('()')).toBe('()');
  });

  it('** with a fractional exponent is correctly rounded like C pow (V8 Math.pow is off by one ulp here)', () => {
    expect(str('2 ** 1.5')).toBe('2.8284271247461903');
    expect(str('0.42 % 0.5 ** 1.5')).toBe('0.0664466094067262');
    expect(str('70 ** 0.425')).toBe('6.08368426972812');
    expect(str('pow(2, 0.5)')).toBe('1.4142135623730951');
  });

  it('exp is correctly rounded like C exp', () => {
    expect(str('math.exp(1)')).toBe('2.718281828459045');
    expect(str('math.exp(-0.5)')).toBe('0.6065306597126334');
    expect(str('np.exp(2)')).toBe('7.38905609893065');
    expect(pyErr('math.exp(1000)')).toBe('OverflowError');
    expect(str('math.exp(-1000)')).toBe('0.0');
  });
});

/**
 * Python float semantics the MedCalc reference relies on: `repr`/`str` of floats and the
 * correctly rounded `round(x, n)` (half-even on the exact binary value). Pure.
 */

/**
 * Python `str(float)` / `repr(float)`: the shortest round-trip digits (JS and Python agree on
 * those), printed in fixed notation unless the decimal exponent is < -4 or >= 16.
 * Examples: `0.1`, `10.0`, `1e-05`, `1e+16`, `-0.0`, `inf`, `nan`.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument yields the shortest round-trip digit string.
  const [mantissa = '', expText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp10 = Number(expText);
  if (exp10 < -4 || exp10 >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exp10 < 0 ? '-' : '+';
    return `${sign}${digits[0] ?? ''}${frac}e${expSign}${String(Math.abs(exp10)).padStart(2, '0')}`;
  }
  const decpt = exp10 + 1;
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** The exact value of a finite double as `scaled / 10**scale` (scaled >= 0, sign kept apart). */
function exactDecimal(x: number): { negative: boolean; scaled: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) {
    exp2 = -1074;
  } else {
    mant |= 1n << 52n;
    exp2 = biased - 1075;
  }
  if (exp2 >= 0) return { negative, scaled: mant << BigInt(exp2), scale: 0 };
  // m / 2^k == m * 5^k / 10^k
  const k = -exp2;
  return { negative, scaled: mant * 5n ** BigInt(k), scale: k };
}

/** Integer division of non-negative bigints rounded half-to-even. */
function divRoundHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = 2n * r;
  if (twice > d || (twice === d && q % 2n === 1n)) return q + 1n;
  return q;
}

/**
 * Python `round(x)` for a float: the nearest integer, ties to even, as a bigint.
 * Throws a RangeError for inf/nan (Python: OverflowError / ValueError); callers map it.
 */
export function pyRoundFloatToInt(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(Number.isNaN(x) ? 'ValueError' : 'OverflowError');
  const { negative, scaled, scale } = exactDecimal(x);
  const q = divRoundHalfEven(scaled, 10n ** BigInt(scale));
  return negative ? -q : q;
}

/**
 * Python `round(x, ndigits)` for a float: the decimal value closest to the exact binary value of x
 * with `ndigits` decimals (negative = tens, hundreds...), ties to even, converted back to a double.
 * So `round(2.675, 2) == 2.67` and `round(0.125, 2) == 0.12`, unlike `toFixed`.
 */
export function pyRoundFloat(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  // Python short-cuts: nothing to round beyond 323 digits; everything rounds to zero below -308.
  if (ndigits > 323) return x;
  if (ndigits < -308) return x < 0 ? -0 : 0;
  const { negative, scaled, scale } = exactDecimal(x);
  const drop = scale - ndigits;
  if (drop <= 0) return x;
  const q = divRoundHalfEven(scaled, 10n ** BigInt(drop));
  const value = Number(`${q}e${-ndigits}`);
  return negative ? -value : value;
}

/** Python `round(n, ndigits)` for an int with ndigits < 0 (ties to even); n itself when ndigits >= 0. */
export function pyRoundInt(n: bigint, ndigits: number): bigint {
  if (ndigits >= 0) return n;
  const unit = 10n ** BigInt(-ndigits);
  const negative = n < 0n;
  const q = divRoundHalfEven(negative ? -n : n, unit) * unit;
  return negative ? -q : q;
}

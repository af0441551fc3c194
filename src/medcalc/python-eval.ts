/**
 * A tiny, safe evaluator for the Python arithmetic the MedCalc reference `eval`s: numeric literals
 * (with Python's int/float distinction, bigint ints, the leading-zero SyntaxError), `+ - * / // % **`,
 * unary `+ - ~`, comparisons, `and`/`or`/`not`, tuples, lists, strings, attribute access on the
 * whitelisted modules and calls of whitelisted functions. No `eval`/`Function`. Pure.
 *
 * Known simplifications, none seen in model answers: a complex value (a negative base to a fractional
 * power) prints like Python's but supports no further arithmetic; bitwise operators, subscripts and
 * keyword arguments raise an `Unsupported`/`SyntaxError` PyException; numpy scalars are modelled as
 * Python floats/ints; a missing name is a NameError (Python says TypeError under
 * `__builtins__: None`); `pow`/`exp` may differ from C's libm in the last bit for huge results.
 */
import { crExp, crPowPositive } from './python-libm.js';
import { pyFloatRepr, pyRoundFloat, pyRoundFloatToInt, pyRoundInt } from './python-float.js';
import { pyStrip, toAsciiDigits } from './python-text.js';

/** A Python exception raised while emulating Python; `pyType` is the Python class name. */
export class PyException extends Error {
  /** Python exception class name, e.g. `NameError`, `SyntaxError`, `ZeroDivisionError`. */
  readonly pyType: string;
  constructor(pyType: string, message: string) {
    super(`${pyType}: ${message}`);
    this.name = 'PyException';
    this.pyType = pyType;
  }
}

/** A Python runtime value as far as the reference's expressions need it. */
export type PyValue =
  | { t: 'int'; v: bigint }
  | { t: 'bool'; v: boolean }
  | { t: 'float'; v: number }
  | { t: 'complex'; re: number; im: number }
  | { t: 'str'; v: string }
  | { t: 'tuple'; v: PyValue[] }
  | { t: 'list'; v: PyValue[] }
  | { t: 'none' }
  | { t: 'func'; name: string; call: (args: PyValue[]) => PyValue }
  | { t: 'module'; name: string; members: ReadonlyMap<string, PyValue> };

/** Names visible to an evaluated expression (Python's globals/locals with `__builtins__: None`). */
export type PyEnv = ReadonlyMap<string, PyValue>;

const MAX_DEPTH = 200;
const MAX_INT_BITS = 100_000;

// ---------------------------------------------------------------- tokenizer

type Token =
  | { kind: 'num'; value: PyValue; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'name'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'end'; pos: number };

const NUMBER_RE =
  /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?|[0-9](?:_?[0-9])*\.?(?:[eE][+-]?[0-9](?:_?[0-9])*)?/y;
const NAME_RE = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const NAME_CHAR_RE = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u;
const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.', '~'];
const STRING_PREFIX_RE = /(?:[rRuU])?(['"])/y;
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };

function numberToken(text: string): PyValue {
  const clean = text.replace(/_/g, '');
  if (/^0[xXoObB]/.test(clean)) return { t: 'int', v: BigInt(clean) };
  if (/[.eE]/.test(clean)) return { t: 'float', v: Number(clean) };
  if (/^0+[1-9]/.test(clean)) {
    throw new PyException('SyntaxError', 'leading zeros in decimal integer literals are not permitted');
  }
  return { t: 'int', v: BigInt(clean) };
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (ch === ' ' || ch === '\t' || ch === '\f') {
      i++;
      continue;
    }
    NUMBER_RE.lastIndex = i;
    const num = /[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? '')) ? NUMBER_RE.exec(src) : null;
    if (num) {
      const end = i + num[0].length;
      const next = src[end] ?? '';
      if (next === 'j' || next === 'J') throw new PyException('Unsupported', 'complex literals are not supported');
      if (next !== '' && NAME_CHAR_RE.test(next)) throw new PyException('SyntaxError', 'invalid decimal literal');
      tokens.push({ kind: 'num', value: numberToken(num[0]), pos: i });
      i = end;
      continue;
    }
    STRING_PREFIX_RE.lastIndex = i;
    const strStart = STRING_PREFIX_RE.exec(src);
    if (strStart) {
      const quote = strStart[1] ?? '"';
      const raw = strStart[0].length === 2 && /[rR]/.test(strStart[0][0] ?? '');
      let j = i + strStart[0].length;
      let value = '';
      for (;;) {
        const c = src[j];
        if (c === undefined) throw new PyException('SyntaxError', 'unterminated string literal');
        if (c === quote) break;
        if (c === '\\' && !raw) {
          const e = src[j + 1] ?? '';
          value += SIMPLE_ESCAPES[e] ?? `\\${e}`;
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      tokens.push({ kind: 'str', value, pos: i });
      i = j + 1;
      continue;
    }
    NAME_RE.lastIndex = i;
    const name = NAME_RE.exec(src);
    if (name) {
      tokens.push({ kind: 'name', value: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new PyException('SyntaxError', `invalid syntax at ${JSON.stringify(ch)}`);
    tokens.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', pos: src.length });
  return tokens;
}

// ---------------------------------------------------------------- parser

type Node =
  | { k: 'const'; v: PyValue }
  | { k: 'name'; id: string }
  | { k: 'tuple'; items: Node[] }
  | { k: 'list'; items: Node[] }
  | { k: 'unary'; op: string; x: Node }
  | { k: 'bin'; op: string; l: Node; r: Node }
  | { k: 'cmp'; first: Node; rest: Array<[string, Node]> }
  | { k: 'and' | 'or'; items: Node[] }
  | { k: 'not'; x: Node }
  | { k: 'if'; test: Node; body: Node; orelse: Node }
  | { k: 'attr'; obj: Node; name: string }
  | { k: 'call'; fn: Node; args: Node[] };

const UNSUPPORTED_KEYWORDS = new Set([
  'if',
  'else',
  'lambda',
  'in',
  'is',
  'for',
  'yield',
  'await',
  'import',
  'from',
  'def',
  'class',
  'return',
  'del',
  'global',
  'pass',
  'while',
  'with',
  'as',
  'assert',
  'try',
  'raise',
  'async',
]);
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? { kind: 'end', pos: -1 };
  }
  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === value;
  }
  private isName(value: string): boolean {
    const t = this.peek();
    return t.kind === 'name' && t.value === value;
  }
  private expectOp(value: string): void {
    if (!this.isOp(value)) throw new PyException('SyntaxError', `expected '${value}'`);
    this.pos++;
  }
  private enter(): void {
    // Python refuses deeply nested expressions too (s_push / "too many nested parentheses").
    if (++this.depth > MAX_DEPTH) throw new PyException('SyntaxError', 'too many nested parentheses');
  }

  parseProgram(): Node {
    // An empty source is not an expression (Python: SyntaxError); `()` is the empty tuple.
    if (this.peek().kind === 'end') throw new PyException('SyntaxError', 'invalid syntax');
    const node = this.parseTupleOrExpr(['end']);
    if (this.peek().kind !== 'end') throw new PyException('SyntaxError', 'invalid syntax');
    return node;
  }

  /** `expr (',' expr)* [',']` — a bare comma list is a tuple, as in `eval("1, 2")`. */
  private parseTupleOrExpr(closers: string[]): Node {
    const isCloser = (): boolean => {
      const t = this.peek();
      return t.kind === 'end' ? closers.includes('end') : t.kind === 'op' && closers.includes(t.value);
    };
    if (isCloser()) return { k: 'tuple', items: [] };
    const first = this.parseExpr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.pos++;
      if (isCloser()) break;
      items.push(this.parseExpr());
    }
    return { k: 'tuple', items };
  }

  /** `or_test ['if' or_test 'else' expr]`. */
  private parseExpr(): Node {
    this.enter();
    const body = this.parseOr();
    let node = body;
    if (this.isName('if')) {
      this.pos++;
      const test = this.parseOr();
      if (!this.isName('else')) throw new PyException('SyntaxError', "expected 'else' after 'if' expression");
      this.pos++;
      node = { k: 'if', test, body, orelse: this.parseExpr() };
    }
    this.depth--;
    return node;
  }
  private parseOr(): Node {
    const items = [this.parseAnd()];
    while (this.isName('or')) {
      this.pos++;
      items.push(this.parseAnd());
    }
    return items.length === 1 ? (items[0] as Node) : { k: 'or', items };
  }
  private parseAnd(): Node {
    const items = [this.parseNot()];
    while (this.isName('and')) {
      this.pos++;
      items.push(this.parseNot());
    }
    return items.length === 1 ? (items[0] as Node) : { k: 'and', items };
  }
  private parseNot(): Node {
    if (this.isName('not')) {
      this.pos++;
      this.enter();
      const x = this.parseNot();
      this.depth--;
      return { k: 'not', x };
    }
    return this.parseComparison();
  }
  private parseComparison(): Node {
    const first = this.parseArith();
    const rest: Array<[string, Node]> = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !COMPARE_OPS.has(t.value)) break;
      this.pos++;
      rest.push([t.value, this.parseArith()]);
    }
    return rest.length === 0 ? first : { k: 'cmp', first, rest };
  }
  private parseArith(): Node {
    let node = this.parseTerm();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.peek() as { value: string }).value;
      this.pos++;
      node = { k: 'bin', op, l: node, r: this.parseTerm() };
    }
    return node;
  }
  private parseTerm(): Node {
    let node = this.parseFactor();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = (this.peek() as { value: string }).value;
      this.pos++;
      node = { k: 'bin', op, l: node, r: this.parseFactor() };
    }
    return node;
  }
  private parseFactor(): Node {
    if (this.isOp('+') || this.isOp('-') || this.isOp('~')) {
      const op = (this.peek() as { value: string }).value;
      this.pos++;
      this.enter();
      const x = this.parseFactor();
      this.depth--;
      return { k: 'unary', op, x };
    }
    return this.parsePower();
  }
  private parsePower(): Node {
    const base = this.parsePrimary();
    if (this.isOp('**')) {
      this.pos++;
      this.enter();
      // Right-associative and binds tighter than a unary minus on its left: -2**2 == -4, 2**-1 == 0.5.
      const exp = this.parseFactor();
      this.depth--;
      return { k: 'bin', op: '**', l: base, r: exp };
    }
    return base;
  }
  private parsePrimary(): Node {
    let node = this.parseAtom();
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        const t = this.peek();
        if (t.kind !== 'name') throw new PyException('SyntaxError', 'invalid syntax');
        this.pos++;
        node = { k: 'attr', obj: node, name: t.value };
      } else if (this.isOp('(')) {
        this.pos++;
        const args: Node[] = [];
        while (!this.isOp(')')) {
          args.push(this.parseExpr());
          if (!this.isOp(',')) break;
          this.pos++;
        }
        this.expectOp(')');
        node = { k: 'call', fn: node, args };
      } else if (this.isOp('[')) {
        throw new PyException('Unsupported', 'subscripts are not supported');
      } else {
        return node;
      }
    }
  }
  private parseAtom(): Node {
    const t = this.peek();
    if (t.kind === 'num') {
      this.pos++;
      return { k: 'const', v: t.value };
    }
    if (t.kind === 'str') {
      let value = '';
      while (this.peek().kind === 'str') value += (this.tokens[this.pos++] as { value: string }).value;
      return { k: 'const', v: { t: 'str', v: value } };
    }
    if (t.kind === 'name') {
      this.pos++;
      if (t.value === 'True' || t.value === 'False') return { k: 'const', v: { t: 'bool', v: t.value === 'True' } };
      if (t.value === 'None') return { k: 'const', v: { t: 'none' } };
      if (t.value === 'and' || t.value === 'or' || t.value === 'not') throw new PyException('SyntaxError', 'invalid syntax');
      if (UNSUPPORTED_KEYWORDS.has(t.value)) throw new PyException('SyntaxError', `unsupported keyword ${t.value}`);
      return { k: 'name', id: t.value };
    }
    if (t.kind === 'op' && (t.value === '(' || t.value === '[')) {
      this.pos++;
      this.enter();
      const closer = t.value === '(' ? ')' : ']';
      const inner = this.parseTupleOrExpr([closer]);
      // A bracket holds a comma list of items; a parenthesised comma list is a tuple.
      const node: Node =
        closer === ']' ? { k: 'list', items: inner.k === 'tuple' && !this.isParenTuple(inner) ? inner.items : [inner] } : inner;
      if (closer === ')' && inner.k === 'tuple') this.parenTuples.add(inner);
      this.expectOp(closer);
      this.depth--;
      return node;
    }
    throw new PyException('SyntaxError', 'invalid syntax');
  }
  private readonly parenTuples = new WeakSet<Node>();
  private isParenTuple(node: Node): boolean {
    return this.parenTuples.has(node);
  }
}

// ---------------------------------------------------------------- values

const INT_MAX_FLOAT = 2n ** 1024n;

function toFloat(v: PyValue): number {
  if (v.t === 'float') return v.v;
  if (v.t === 'bool') return v.v ? 1 : 0;
  if (v.t === 'int') {
    if (v.v >= INT_MAX_FLOAT || v.v <= -INT_MAX_FLOAT) throw new PyException('OverflowError', 'int too large to convert to float');
    return Number(v.v);
  }
  throw new PyException('TypeError', `must be real number, not ${typeName(v)}`);
}

function typeName(v: PyValue): string {
  switch (v.t) {
    case 'none':
      return 'NoneType';
    case 'func':
      return 'builtin_function_or_method';
    default:
      return v.t;
  }
}

function isNumeric(v: PyValue): v is Extract<PyValue, { t: 'int' | 'bool' | 'float' }> {
  return v.t === 'int' || v.t === 'bool' || v.t === 'float';
}

function asInt(v: PyValue): bigint | null {
  if (v.t === 'int') return v.v;
  if (v.t === 'bool') return v.v ? 1n : 0n;
  return null;
}

function bitLength(n: bigint): number {
  return (n < 0n ? -n : n).toString(2).length;
}

const SAFE = 2n ** 53n;

/** Python's int / int: the double nearest to the exact quotient, even for huge ints. */
function intTrueDivide(a: bigint, b: bigint): number {
  if (b === 0n) throw new PyException('ZeroDivisionError', 'division by zero');
  const negative = a < 0n !== b < 0n;
  const x = a < 0n ? -a : a;
  const y = b < 0n ? -b : b;
  if (x < SAFE && y < SAFE) return Number(a) / Number(b);
  // Scale so the quotient has >= 55 bits; a sticky low bit makes Number() round it correctly.
  const shift = bitLength(y) - bitLength(x) + 55;
  const num = shift >= 0 ? x << BigInt(shift) : x;
  const den = shift >= 0 ? y : y << BigInt(-shift);
  let q = num / den;
  if (num % den !== 0n) q |= 1n;
  const v = Number(q) * 2 ** -shift;
  if (!Number.isFinite(v)) throw new PyException('OverflowError', 'integer division result too large for a float');
  const r = negative ? -v : v;
  return r === 0 && negative ? -0 : r;
}

function floorDivInt(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyException('ZeroDivisionError', 'integer division or modulo by zero');
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function modInt(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyException('ZeroDivisionError', 'integer division or modulo by zero');
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

/** CPython's float divmod (floatobject.c `_float_div_mod`), so `//` and `%` match on floats. */
function floatDivMod(vx: number, wx: number): [number, number] {
  if (wx === 0) throw new PyException('ZeroDivisionError', 'float divmod()');
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  } else {
    mod = wx < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    const q = vx / wx;
    floordiv = q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

/** CPython's `c_pow` for a negative real base and a real exponent: a complex result. */
function negativeBaseComplexPow(a: number, b: number): PyValue {
  const len = cPow(Math.abs(a), b);
  const phase = Math.atan2(0, a) * b;
  return { t: 'complex', re: len * Math.cos(phase), im: len * Math.sin(phase) };
}

function floatPowValue(a: number, b: number): PyValue {
  if (a < 0 && Number.isFinite(b) && !Number.isInteger(b)) return negativeBaseComplexPow(a, b);
  return { t: 'float', v: floatPow(a, b) };
}

function floatPow(a: number, b: number): number {
  if (b === 0) return 1;
  if (Number.isNaN(a)) return a;
  if (a === 1) return 1;
  if (a === 0 && b < 0) throw new PyException('ZeroDivisionError', 'zero to a negative power');
  if (a < 0 && Number.isFinite(b) && !Number.isInteger(b)) {
    throw new PyException('ValueError', 'negative number cannot be raised to a fractional power');
  }
  const r = cPow(a, b);
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new PyException('OverflowError', 'Numerical result out of range');
  }
  return r;
}

/** C's `pow` for the cases Python hands to it: correctly rounded for finite non-zero bases (python-libm.ts). */
function cPow(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0 || Number.isNaN(b)) return Math.pow(a, b);
  if (a > 0) return crPowPositive(a, b);
  // A negative base reaches here only with an integral exponent: the sign follows the exponent's parity.
  const magnitude = crPowPositive(-a, b);
  return Math.abs(b) % 2 === 1 ? -magnitude : magnitude;
}

function intPow(a: bigint, b: bigint): PyValue {
  if (b < 0n) {
    if (a === 0n) throw new PyException('ZeroDivisionError', 'zero to a negative power');
    return { t: 'float', v: floatPow(toFloat({ t: 'int', v: a }), Number(b)) };
  }
  if (a !== 0n && a !== 1n && a !== -1n && BigInt(bitLength(a)) * b > BigInt(MAX_INT_BITS)) {
    throw new PyException('OverflowError', 'integer result too large for this evaluator');
  }
  return { t: 'int', v: a ** b };
}

function arith(op: string, a: PyValue, b: PyValue): PyValue {
  if (isNumeric(a) && isNumeric(b)) {
    const ai = asInt(a);
    const bi = asInt(b);
    if (ai !== null && bi !== null) {
      switch (op) {
        case '+':
          return { t: 'int', v: ai + bi };
        case '-':
          return { t: 'int', v: ai - bi };
        case '*':
          return { t: 'int', v: ai * bi };
        case '/':
          return { t: 'float', v: intTrueDivide(ai, bi) };
        case '//':
          return { t: 'int', v: floorDivInt(ai, bi) };
        case '%':
          return { t: 'int', v: modInt(ai, bi) };
        case '**':
          return intPow(ai, bi);
      }
    }
    const x = toFloat(a);
    const y = toFloat(b);
    switch (op) {
      case '+':
        return { t: 'float', v: x + y };
      case '-':
        return { t: 'float', v: x - y };
      case '*':
        return { t: 'float', v: x * y };
      case '/':
        if (y === 0) throw new PyException('ZeroDivisionError', 'float division by zero');
        return { t: 'float', v: x / y };
      case '//':
        return { t: 'float', v: floatDivMod(x, y)[0] };
      case '%':
        return { t: 'float', v: floatDivMod(x, y)[1] };
      case '**':
        return floatPowValue(x, y);
    }
  }
  if (op === '+' && a.t === b.t && (a.t === 'str' || a.t === 'tuple' || a.t === 'list')) {
    if (a.t === 'str') return { t: 'str', v: a.v + (b as { v: string }).v };
    return { t: a.t, v: [...a.v, ...(b as { v: PyValue[] }).v] };
  }
  throw new PyException('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

/** Exact comparison of two Python numbers: -1, 0, 1, or NaN when unordered. */
function compareNumbers(a: PyValue, b: PyValue): number {
  const ai = asInt(a);
  const bi = asInt(b);
  if (ai !== null && bi !== null) return ai < bi ? -1 : ai > bi ? 1 : 0;
  if (ai === null && bi === null) {
    const x = toFloat(a);
    const y = toFloat(b);
    return Number.isNaN(x) || Number.isNaN(y) ? NaN : x < y ? -1 : x > y ? 1 : 0;
  }
  // int vs float: Python compares the exact values, without converting the int to a double.
  const f = ai === null ? toFloat(a) : toFloat(b);
  const n = (ai ?? bi) as bigint;
  let sign: number;
  if (Number.isNaN(f)) return NaN;
  if (f === Infinity) sign = 1;
  else if (f === -Infinity) sign = -1;
  else if (Number.isInteger(f)) {
    const fi = BigInt(f);
    sign = fi > n ? 1 : fi < n ? -1 : 0;
  } else {
    // A non-integral double is below 2**52 in magnitude, where the int's order is decided by floor(f).
    const fl = BigInt(Math.floor(f));
    sign = fl >= n ? 1 : -1;
  }
  return ai === null ? sign : -sign;
}

function pyEquals(a: PyValue, b: PyValue): boolean {
  if (isNumeric(a) && isNumeric(b)) return compareNumbers(a, b) === 0;
  if (a.t === 'str' && b.t === 'str') return a.v === b.v;
  if ((a.t === 'tuple' && b.t === 'tuple') || (a.t === 'list' && b.t === 'list')) {
    return a.v.length === b.v.length && a.v.every((x, i) => pyEquals(x, b.v[i] as PyValue));
  }
  if (a.t === 'none' && b.t === 'none') return true;
  return a === b;
}

function pyOrder(a: PyValue, b: PyValue, op: string): number {
  if (isNumeric(a) && isNumeric(b)) return compareNumbers(a, b);
  if (a.t === 'str' && b.t === 'str') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if ((a.t === 'tuple' && b.t === 'tuple') || (a.t === 'list' && b.t === 'list')) {
    const n = Math.min(a.v.length, b.v.length);
    for (let i = 0; i < n; i++) {
      const x = a.v[i] as PyValue;
      const y = b.v[i] as PyValue;
      if (!pyEquals(x, y)) return pyOrder(x, y, op);
    }
    return a.v.length - b.v.length;
  }
  throw new PyException('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

function compare(op: string, a: PyValue, b: PyValue): boolean {
  if (op === '==') return pyEquals(a, b);
  if (op === '!=') return !pyEquals(a, b);
  const c = pyOrder(a, b, op);
  if (Number.isNaN(c)) return false;
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}

function truthy(v: PyValue): boolean {
  switch (v.t) {
    case 'int':
      return v.v !== 0n;
    case 'bool':
      return v.v;
    case 'float':
      return v.v !== 0;
    case 'complex':
      return v.re !== 0 || v.im !== 0;
    case 'str':
      return v.v.length > 0;
    case 'tuple':
    case 'list':
      return v.v.length > 0;
    case 'none':
      return false;
    default:
      return true;
  }
}

function unary(op: string, x: PyValue): PyValue {
  if (x.t === 'float') {
    if (op === '-') return { t: 'float', v: -x.v };
    if (op === '+') return x;
  }
  const n = asInt(x);
  if (n !== null) {
    if (op === '-') return { t: 'int', v: -n };
    if (op === '+') return { t: 'int', v: n };
    return { t: 'int', v: -n - 1n };
  }
  throw new PyException('TypeError', `bad operand type for unary ${op}: '${typeName(x)}'`);
}

function evaluate(node: Node, env: PyEnv): PyValue {
  switch (node.k) {
    case 'const':
      return node.v;
    case 'name': {
      const v = env.get(node.id);
      if (v === undefined) throw new PyException('NameError', `name '${node.id}' is not defined`);
      return v;
    }
    case 'tuple':
    case 'list':
      return { t: node.k, v: node.items.map((n) => evaluate(n, env)) };
    case 'unary':
      return unary(node.op, evaluate(node.x, env));
    case 'bin':
      return arith(node.op, evaluate(node.l, env), evaluate(node.r, env));
    case 'cmp': {
      let left = evaluate(node.first, env);
      for (const [op, rightNode] of node.rest) {
        const right = evaluate(rightNode, env);
        if (!compare(op, left, right)) return { t: 'bool', v: false };
        left = right;
      }
      return { t: 'bool', v: true };
    }
    case 'and':
    case 'or': {
      let v: PyValue = { t: 'none' };
      for (const item of node.items) {
        v = evaluate(item, env);
        if (truthy(v) === (node.k === 'or')) return v;
      }
      return v;
    }
    case 'not':
      return { t: 'bool', v: !truthy(evaluate(node.x, env)) };
    case 'if':
      return truthy(evaluate(node.test, env)) ? evaluate(node.body, env) : evaluate(node.orelse, env);
    case 'attr': {
      const obj = evaluate(node.obj, env);
      const member = obj.t === 'module' ? obj.members.get(node.name) : undefined;
      if (member === undefined) {
        throw new PyException('AttributeError', `'${typeName(obj)}' object has no attribute '${node.name}'`);
      }
      return member;
    }
    case 'call': {
      const fn = evaluate(node.fn, env);
      if (fn.t !== 'func') throw new PyException('TypeError', `'${typeName(fn)}' object is not callable`);
      return fn.call(node.args.map((a) => evaluate(a, env)));
    }
  }
}

/**
 * Python `eval(src, env)` restricted to the subset above. Throws a {@link PyException} wherever
 * Python would raise (SyntaxError, NameError, ZeroDivisionError, ...).
 */
export function pyEval(src: string, env: PyEnv = EMPTY_ENV): PyValue {
  // Python's eval() ignores leading spaces and tabs of a string source.
  const tokens = tokenize(src.replace(/^[ \t]+/, ''));
  return evaluate(new Parser(tokens).parseProgram(), env);
}

/** No names at all: what `eval` of a numeric cell or extracted answer can see that matters. */
export const EMPTY_ENV: PyEnv = new Map();

// ---------------------------------------------------------------- str() / repr()

function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python `repr(value)`. */
export function pyRepr(v: PyValue): string {
  return v.t === 'str' ? pyStrRepr(v.v) : pyStr(v);
}

/** Python `str(value)`: ints without `.0`, floats per {@link pyFloatRepr}, `True`, `(1, 2)`... */
export function pyStr(v: PyValue): string {
  switch (v.t) {
    case 'int':
      return v.v.toString();
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'float':
      return pyFloatRepr(v.v);
    case 'str':
      return v.v;
    case 'none':
      return 'None';
    case 'tuple':
      return `(${v.v.map(pyRepr).join(', ')}${v.v.length === 1 ? ',' : ''})`;
    case 'list':
      return `[${v.v.map(pyRepr).join(', ')}]`;
    case 'complex': {
      // complex repr: parts without a forced ".0", the real part omitted when it is +0.0.
      const part = (x: number): string => pyFloatRepr(x).replace(/\.0$/, '');
      const im = `${part(v.im)}j`;
      if (v.re === 0 && !Object.is(v.re, -0)) return im;
      const sign = v.im < 0 || Object.is(v.im, -0) ? '' : '+';
      return `(${part(v.re)}${sign}${im})`;
    }
    case 'func':
      return `<built-in function ${v.name}>`;
    case 'module':
      return `<module '${v.name}'>`;
  }
}

// ---------------------------------------------------------------- whitelisted builtins

function fn(name: string, call: (args: PyValue[]) => PyValue): PyValue {
  return { t: 'func', name, call };
}

function arity(name: string, args: PyValue[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new PyException('TypeError', `${name}() takes ${min === max ? min : `${min} to ${max}`} arguments (${args.length} given)`);
  }
}

function num(name: string, v: PyValue | undefined): PyValue {
  if (v === undefined || !isNumeric(v)) {
    throw new PyException('TypeError', `${name}() argument must be a real number, not ${v ? typeName(v) : 'nothing'}`);
  }
  return v;
}

function floatToInt(x: number): bigint {
  if (Number.isNaN(x)) throw new PyException('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw new PyException('OverflowError', 'cannot convert float infinity to integer');
  return BigInt(Math.trunc(x));
}

function pyRoundValue(args: PyValue[]): PyValue {
  arity('round', args, 1, 2);
  const x = num('round', args[0]);
  const nd = args[1];
  if (nd === undefined || nd.t === 'none') {
    if (x.t === 'float') {
      try {
        return { t: 'int', v: pyRoundFloatToInt(x.v) };
      } catch (e) {
        const kind = e instanceof RangeError ? e.message : 'ValueError';
        throw new PyException(kind, 'cannot convert float to integer');
      }
    }
    return { t: 'int', v: asInt(x) as bigint };
  }
  const n = asInt(nd);
  if (n === null) throw new PyException('TypeError', `'${typeName(nd)}' object cannot be interpreted as an integer`);
  if (x.t === 'float') return { t: 'float', v: pyRoundFloat(x.v, Number(n)) };
  return { t: 'int', v: pyRoundInt(asInt(x) as bigint, Number(n)) };
}

function pyMin(args: PyValue[]): PyValue {
  let items = args;
  if (args.length === 1) {
    const only = args[0] as PyValue;
    if (only.t === 'tuple' || only.t === 'list') items = only.v;
    else if (only.t === 'str') items = Array.from(only.v, (c): PyValue => ({ t: 'str', v: c }));
    else throw new PyException('TypeError', `'${typeName(only)}' object is not iterable`);
    if (items.length === 0) throw new PyException('ValueError', 'min() arg is an empty sequence');
  }
  if (items.length === 0) throw new PyException('TypeError', 'min expected at least 1 argument, got 0');
  let best = items[0] as PyValue;
  for (const item of items.slice(1)) if (compare('<', item, best)) best = item;
  return best;
}

const INT_STRING_RE = /^[+-]?[0-9](?:_?[0-9])*$/;
const FLOAT_STRING_RE = /^[+-]?(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;

function pyInt(args: PyValue[]): PyValue {
  arity('int', args, 0, 1);
  const x = args[0];
  if (x === undefined) return { t: 'int', v: 0n };
  if (x.t === 'float') return { t: 'int', v: floatToInt(x.v) };
  if (x.t === 'str') {
    const s = toAsciiDigits(pyStrip(x.v));
    if (!INT_STRING_RE.test(s)) throw new PyException('ValueError', `invalid literal for int() with base 10: ${pyStrRepr(x.v)}`);
    return { t: 'int', v: BigInt(s.replace(/_/g, '')) };
  }
  const n = asInt(x);
  if (n === null) throw new PyException('TypeError', `int() argument must be a string or a real number, not '${typeName(x)}'`);
  return { t: 'int', v: n };
}

function pyFloat(args: PyValue[]): PyValue {
  arity('float', args, 0, 1);
  const x = args[0];
  if (x === undefined) return { t: 'float', v: 0 };
  if (x.t === 'str') {
    const s = toAsciiDigits(pyStrip(x.v));
    const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
    if (special) {
      const neg = special[1] === '-';
      if ((special[2] ?? '').toLowerCase() === 'nan') return { t: 'float', v: NaN };
      return { t: 'float', v: neg ? -Infinity : Infinity };
    }
    if (!FLOAT_STRING_RE.test(s)) throw new PyException('ValueError', `could not convert string to float: ${pyStrRepr(x.v)}`);
    return { t: 'float', v: Number(s.replace(/_/g, '')) };
  }
  return { t: 'float', v: toFloat(num('float', x)) };
}

function mathFn(name: string, f: (x: number) => number, domain?: (x: number) => boolean): PyValue {
  return fn(name, (args) => {
    arity(name, args, 1, 1);
    const x = toFloat(num(name, args[0]));
    if (domain && !domain(x)) throw new PyException('ValueError', 'math domain error');
    const r = f(x);
    if (!Number.isFinite(r) && Number.isFinite(x)) throw new PyException('OverflowError', 'math range error');
    return { t: 'float', v: r };
  });
}

function mathIntFn(name: string, f: (x: number) => number): PyValue {
  return fn(name, (args) => {
    arity(name, args, 1, 1);
    const x = num(name, args[0]);
    if (x.t !== 'float') return { t: 'int', v: asInt(x) as bigint };
    return { t: 'int', v: floatToInt(f(x.v)) };
  });
}

const MATH_MODULE: PyValue = {
  t: 'module',
  name: 'math',
  members: new Map<string, PyValue>([
    ['sqrt', mathFn('sqrt', Math.sqrt, (x) => x >= 0 || Number.isNaN(x))],
    ['exp', mathFn('exp', crExp)],
    ['fabs', mathFn('fabs', Math.abs)],
    ['sin', mathFn('sin', Math.sin, Number.isFinite)],
    ['cos', mathFn('cos', Math.cos, Number.isFinite)],
    ['tan', mathFn('tan', Math.tan, Number.isFinite)],
    ['atan', mathFn('atan', Math.atan)],
    ['radians', mathFn('radians', (x) => (x * Math.PI) / 180)],
    ['floor', mathIntFn('floor', Math.floor)],
    ['ceil', mathIntFn('ceil', Math.ceil)],
    ['trunc', mathIntFn('trunc', Math.trunc)],
    [
      'pow',
      fn('pow', (args) => {
        arity('pow', args, 2, 2);
        const a = toFloat(num('pow', args[0]));
        const b = toFloat(num('pow', args[1]));
        if ((a === 0 && b < 0) || (a < 0 && Number.isFinite(b) && !Number.isInteger(b))) {
          throw new PyException('ValueError', 'math domain error');
        }
        return { t: 'float', v: floatPow(a, b) };
      }),
    ],
    ['pi', { t: 'float', v: Math.PI }],
    ['e', { t: 'float', v: Math.E }],
    ['tau', { t: 'float', v: 2 * Math.PI }],
    ['inf', { t: 'float', v: Infinity }],
    ['nan', { t: 'float', v: NaN }],
  ]),
};

/** numpy ufuncs return nan/inf (with a warning) instead of raising; `intF` keeps integer inputs integral. */
function npFn(name: string, f: (x: number) => number, intF?: (n: bigint) => bigint): PyValue {
  return fn(name, (args) => {
    arity(name, args, 1, 1);
    const x = num(name, args[0]);
    const n = asInt(x);
    if (intF && n !== null) return { t: 'int', v: intF(n) };
    return { t: 'float', v: f(toFloat(x)) };
  });
}

const bigAbs = (n: bigint): bigint => (n < 0n ? -n : n);
const same = (n: bigint): bigint => n;

/** `np.round`: scale, round half-to-even on the double, unscale (not Python's exact-decimal rounding). */
function npRound(args: PyValue[]): PyValue {
  arity('round', args, 1, 2);
  const x = num('round', args[0]);
  const nd = args[1] === undefined ? 0n : asInt(args[1]);
  if (nd === null) throw new PyException('TypeError', 'decimals must be an integer');
  const n = Number(nd);
  if (x.t !== 'float') {
    const i = asInt(x) as bigint;
    return { t: 'int', v: n >= 0 ? i : pyRoundInt(i, n) };
  }
  const rint = (y: number): number => {
    const f = Math.floor(y);
    const d = y - f;
    return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
  };
  if (!Number.isFinite(x.v)) return x;
  const v = n >= 0 ? rint(x.v * 10 ** n) / 10 ** n : rint(x.v / 10 ** -n) * 10 ** -n;
  return { t: 'float', v };
}

const NUMPY_MODULE: PyValue = {
  t: 'module',
  name: 'numpy',
  members: new Map<string, PyValue>([
    ['sqrt', npFn('sqrt', Math.sqrt)],
    ['exp', npFn('exp', crExp)],
    ['abs', npFn('abs', Math.abs, bigAbs)],
    ['absolute', npFn('absolute', Math.abs, bigAbs)],
    // numpy >= 2.1 keeps integer inputs integral for floor/ceil/trunc.
    ['floor', npFn('floor', Math.floor, same)],
    ['ceil', npFn('ceil', Math.ceil, same)],
    ['trunc', npFn('trunc', Math.trunc, same)],
    ['float64', npFn('float64', (x) => x)],
    ['round', fn('round', npRound)],
    ['around', fn('around', npRound)],
    [
      'power',
      fn('power', (args) => {
        arity('power', args, 2, 2);
        const a = num('power', args[0]);
        const b = num('power', args[1]);
        const ai = asInt(a);
        const bi = asInt(b);
        if (ai !== null && bi !== null) {
          if (bi < 0n) throw new PyException('ValueError', 'Integers to negative integer powers are not allowed.');
          return intPow(ai, bi);
        }
        const x = toFloat(a);
        const y = toFloat(b);
        return { t: 'float', v: x < 0 && !Number.isInteger(y) ? NaN : cPow(x, y) };
      }),
    ],
    ['pi', { t: 'float', v: Math.PI }],
    ['e', { t: 'float', v: Math.E }],
    ['inf', { t: 'float', v: Infinity }],
    ['nan', { t: 'float', v: NaN }],
  ]),
};

/**
 * The names run.py passes to `eval` for `str(...)` answers: min, pow, round, abs, int, float,
 * math, np and numpy (its `__builtins__` is None, so nothing else exists).
 */
export const MEDCALC_EXPRESSION_ENV: PyEnv = new Map<string, PyValue>([
  ['min', fn('min', pyMin)],
  [
    'pow',
    fn('pow', (args) => {
      arity('pow', args, 2, 3);
      if (args.length === 3) {
        const [a, b, m] = args.map(asInt);
        if (a == null || b == null || m == null)
          throw new PyException('TypeError', 'pow() 3rd argument not allowed unless all arguments are integers');
        if (b < 0n) throw new PyException('Unsupported', 'modular inverse is not supported');
        if (m === 0n) throw new PyException('ValueError', 'pow() 3rd argument cannot be 0');
        let result = 1n;
        let base = modInt(a, m);
        let e = b;
        while (e > 0n) {
          if (e & 1n) result = modInt(result * base, m);
          base = modInt(base * base, m);
          e >>= 1n;
        }
        return { t: 'int', v: result };
      }
      return arith('**', num('pow', args[0]), num('pow', args[1]));
    }),
  ],
  ['round', fn('round', pyRoundValue)],
  [
    'abs',
    fn('abs', (args) => {
      arity('abs', args, 1, 1);
      const x = num('abs', args[0]);
      if (x.t === 'float') return { t: 'float', v: Math.abs(x.v) };
      const n = asInt(x) as bigint;
      return { t: 'int', v: n < 0n ? -n : n };
    }),
  ],
  ['int', fn('int', pyInt)],
  ['float', fn('float', pyFloat)],
  ['math', MATH_MODULE],
  ['np', NUMPY_MODULE],
  ['numpy', NUMPY_MODULE],
]);

/** Python binary arithmetic (`+ - * / // % **`) on two values. */
export function pyArith(op: string, a: PyValue, b: PyValue): PyValue {
  return arith(op, a, b);
}

/** Python comparison (`== != < <= > >=`) of two values; raises TypeError where Python does. */
export function pyCompare(op: string, a: PyValue, b: PyValue): boolean {
  return compare(op, a, b);
}

/** The builtin `round(x[, ndigits])`. */
export function pyRound(x: PyValue, ndigits?: PyValue): PyValue {
  return pyRoundValue(ndigits === undefined ? [x] : [x, ndigits]);
}

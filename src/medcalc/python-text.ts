/**
 * Python `re`/`str` character classes, so the reference regexes port literally. Pure.
 *
 * Python's `\s` (str patterns) is `str.isspace()`: it includes U+001C–U+001F and U+0085 and excludes
 * U+FEFF, unlike JS `\s`. Python's `\d` is any Unicode decimal digit (category Nd), JS's is ASCII.
 * Every pattern built here uses the `u` flag.
 */

/** Python `\s` as a JS character class body (without the brackets). */
export const PY_WS_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Python `\s` as a JS regex source fragment. */
export const PY_S = `[${PY_WS_CLASS}]`;
/** Python `\d` (str pattern) as a JS regex source fragment (needs the `u` flag). */
export const PY_D = '\\p{Nd}';

const WS_RUN = new RegExp(`${PY_S}+`, 'gu');
const LEADING_WS = new RegExp(`^${PY_S}+`, 'u');
const TRAILING_WS = new RegExp(`${PY_S}+$`, 'u');
const ND = /^\p{Nd}$/u;

/** `re.sub(r"\s+", " ", text)`. */
export function collapseWhitespace(text: string): string {
  return text.replace(WS_RUN, ' ');
}

/** Python `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  return text.replace(LEADING_WS, '').replace(TRAILING_WS, '');
}

/** Python `str.strip(chars)`. */
export function pyStripChars(text: string, chars: string): string {
  const set = new Set(chars);
  const cps = Array.from(text);
  let start = 0;
  let end = cps.length;
  while (start < end && set.has(cps[start] ?? '')) start++;
  while (end > start && set.has(cps[end - 1] ?? '')) end--;
  return cps.slice(start, end).join('');
}

/**
 * Value of one Unicode decimal digit. Nd code points come in contiguous runs of ten starting at
 * the digit zero, so the value is the offset from the start of the run, modulo 10.
 */
function digitValue(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  let start = cp;
  while (ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** Replace every Unicode decimal digit by its ASCII digit (what Python's `int()`/`float()` accept). */
export function toAsciiDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, (ch) => (ch >= '0' && ch <= '9' ? ch : String(digitValue(ch))));
}

/** Python `int(s)` for a string of Unicode digits matched by `\d+` (leading zeros allowed). */
export function pyIntOfDigits(digits: string): number {
  return Number(toAsciiDigits(digits));
}

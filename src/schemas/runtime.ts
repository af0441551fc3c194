/**
 * The run-time helpers the precompiled validators call (src/schemas/precompiled/), in place of Ajv's own, so that
 * validating never loads Ajv. The generator (src/build/precompile-schemas.ts) maps each helper Ajv's standalone code
 * asks for to one of these, and stops when it meets one that has no counterpart here. Pure.
 */

/** A string's length in Unicode code points, as JSON Schema's minLength/maxLength count it (a lone surrogate is one). */
export function ucs2length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++, length++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return length;
}

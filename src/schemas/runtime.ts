/**
 * The run-time helpers the precompiled validators call (src/schemas/precompiled/), in place of Ajv's own, so that
 * validating never loads Ajv. The generator (src/build/precompile-schemas.ts) maps each helper Ajv's standalone code
 * asks for to one of these, and stops when it meets one that has no counterpart here. Pure.
 */

/** A string's length in Unicode code points, as JSON Schema's minLength/maxLength count it (a lone surrogate is one). */
export function ucs2length(text: string): number {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
}

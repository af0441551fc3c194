/**
 * Bounds on a release-policy file, checked on its text before any parsing so that a hostile file (huge, a YAML
 * alias bomb, millions of keys) costs milliseconds and ends in a clear exit 2 instead of minutes of CPU. A real
 * policy has a few dozen keys; the limits are far above that. Pure.
 */
import type { DataIssue } from '../core/errors.js';

/** Largest policy file accepted, in bytes. */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** Most mapping keys accepted (YAML block or flow keys, JSON members). */
export const MAX_POLICY_KEYS = 1000;
/** Most YAML aliases (`*name`) accepted; a policy needs none, a few are allowed for shared thresholds. */
export const MAX_POLICY_ALIASES = 16;

/** Mapping separators: a colon after a quoted key, or a colon followed by white space or the end of a line. */
const KEY_SEPARATOR = /["']:|:(?=\s|$)/gm;
/** A YAML alias: `*name` where a node can start. */
const ALIAS = /(?:^|[\s,[{:-])\*[^\s,[\]{}]+/gm;

function count(re: RegExp, text: string, stopAt: number): number {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(text) !== null) if (++n > stopAt) break;
  return n;
}

/** The size check, for a file not yet read (its size from stat). */
export function policySizeIssue(bytes: number, file: string): DataIssue | null {
  if (bytes <= MAX_POLICY_BYTES) return null;
  return {
    file,
    line: 0,
    pointer: '',
    message: `policy file is ${(bytes / 1024 / 1024).toFixed(1)} MB, more than the 1 MB limit; a release policy is a few dozen rules`,
  };
}

/** Every limit the text exceeds, as located issues (empty when it is within all of them). */
export function policyLimitIssues(text: string, file: string): DataIssue[] {
  const issues: DataIssue[] = [];
  const size = policySizeIssue(Buffer.byteLength(text, 'utf8'), file);
  if (size) return [size];
  const keys = count(KEY_SEPARATOR, text, MAX_POLICY_KEYS);
  if (keys > MAX_POLICY_KEYS)
    issues.push({
      file,
      line: 0,
      pointer: '',
      message: `policy has more than ${MAX_POLICY_KEYS} keys; a release policy is a few dozen rules`,
    });
  const aliases = count(ALIAS, text, MAX_POLICY_ALIASES);
  if (aliases > MAX_POLICY_ALIASES)
    issues.push({
      file,
      line: 0,
      pointer: '',
      message: `policy uses more than ${MAX_POLICY_ALIASES} YAML aliases (*name); write the values out instead`,
    });
  return issues;
}

/** Edge of the gate folder: reads a release policy file from disk for `gate` and `eval --gate`. */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DataValidationError, HealthbenchError, UsageError } from '../core/errors.js';
import { policyLimitIssues, policySizeIssue } from './policy-limits.js';
import { parsePolicy, type GatePolicy } from './policy.js';

/**
 * Reads and validates a gate policy file (JSON or YAML). The file is bounded (size, keys, aliases) before it is
 * parsed, so a hostile file is a quick exit 2; the parser's own alias guard is reported the same way.
 */
export async function readPolicyFile(path: string, cwd: string): Promise<GatePolicy> {
  const abs = resolve(cwd, path);
  const info = await stat(abs).catch(() => null);
  const tooBig = info ? policySizeIssue(info.size, path) : null;
  if (tooBig) throw new DataValidationError([tooBig]);
  const text = await readFile(abs, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${path}: cannot read policy (${err.code ?? err.message})`);
  });
  const limits = policyLimitIssues(text, path);
  if (limits.length > 0) throw new DataValidationError(limits);
  try {
    return parsePolicy(text, path);
  } catch (err) {
    if (err instanceof HealthbenchError) throw err;
    // The YAML parser refuses alias expansions that would blow up ("Excessive alias count ..."): bad input too.
    throw new DataValidationError([
      { file: path, line: 0, pointer: '', message: `policy rejected by the YAML parser: ${(err as Error).message}` },
    ]);
  }
}

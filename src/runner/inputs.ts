import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../data/load-dataset.js';
import {
  BATCHED_TEMPLATE_FILE,
  batchedTemplateProblems,
  normalizeTemplate,
  OFFICIAL_TEMPLATE_SHA256,
  templateProblems,
} from '../grading/index.js';
import { PRICES, type ModelPrice } from '../report/prices.js';

// The files a run reads besides its data: grader templates and the price table.

/** Reads a grader template (the user's, or the bundled one under graders/), normalised, with its problems checked. */
export async function readTemplate(
  path: string | null,
  cwd: string,
  bundled: string,
  flag: string,
  problemsOf: (text: string) => string[],
): Promise<string> {
  const file = path ? resolve(cwd, path) : join(PACKAGE_ROOT, 'graders', bundled);
  const raw = await readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError(`${flag} ${path ?? file}: ${err.message}`);
  });
  const text = normalizeTemplate(raw);
  const problems = problemsOf(text);
  if (problems.length > 0) throw new UsageError(`${path ?? file}: ${problems.join('; ')}`);
  return text;
}

/** A grader template as used: its text, its sha256, and whether that is the official template's. */
export interface GraderTemplate {
  text: string;
  sha256: string;
  official: boolean;
}

export async function loadTemplate(path: string | null, cwd: string): Promise<GraderTemplate> {
  const text = await readTemplate(path, cwd, 'healthbench-grader.md', '--grader-template', templateProblems);
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  return { text, sha256, official: sha256 === OFFICIAL_TEMPLATE_SHA256 };
}

export async function loadBatchedTemplate(path: string | null, cwd: string): Promise<string> {
  return readTemplate(path, cwd, BATCHED_TEMPLATE_FILE, '--batched-template', batchedTemplateProblems);
}

/** The built-in price table plus the user's `--prices` file. */
export async function loadPrices(path: string | null, cwd: string): Promise<Record<string, ModelPrice>> {
  if (!path) return { ...PRICES };
  const text = await readFile(resolve(cwd, path), 'utf8').catch((err: Error) => {
    throw new UsageError(`--prices ${path}: ${err.message}`);
  });
  let extra: unknown;
  try {
    extra = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--prices ${path}: invalid JSON: ${(err as Error).message}`);
  }
  const issues: string[] = [];
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra))
    issues.push(`${path} /: expected an object of provider:model → prices`);
  else {
    for (const [k, v] of Object.entries(extra)) {
      for (const f of ['input', 'cachedInput', 'output'] as const) {
        const x = (v as Record<string, unknown> | null)?.[f];
        if (typeof x !== 'number' || x < 0) issues.push(`${path} /${k}/${f}: expected a non-negative number (USD per 1M tokens)`);
      }
    }
  }
  if (issues.length > 0) throw new UsageError(issues.join('\n'));
  return { ...PRICES, ...(extra as Record<string, ModelPrice>) };
}

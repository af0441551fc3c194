import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { DataValidationError, type DataIssue } from '../core/errors.js';
import { parseJsonLine, readRawLines } from '../store/jsonl.js';
import { loadOwnFormat, openOfficialJsonl, openOwnFormatDir } from './load-dataset.js';

export type FileKind = 'healthbench' | 'healthbench-professional' | 'conversations' | 'rubrics' | 'meta' | 'medcalc' | 'own-format-dir';

/** Guesses a file's format from its first record (or extension). */
async function sniff(path: string): Promise<FileKind> {
  if (path.endsWith('.csv')) return 'medcalc';
  for await (const { text } of readRawLines(path)) {
    const parsed = parseJsonLine(text);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return 'healthbench';
    const keys = Object.keys(parsed.value);
    if (keys.includes('binary_labels')) return 'meta';
    if (keys.includes('conversationId')) return 'rubrics';
    if (keys.includes('messages')) return 'conversations';
    return 'healthbench';
  }
  return 'healthbench';
}

export interface PathCheck {
  path: string;
  kind: FileKind;
  records: number;
}

/**
 * Checks every path (dataset directories and files of any supported format) and returns every
 * problem found, across all of them, instead of stopping at the first.
 */
export async function validatePaths(
  paths: readonly string[],
  cwd: string,
  extra: Partial<Record<FileKind, (path: string) => Promise<number>>> = {},
): Promise<{ checks: PathCheck[]; issues: DataIssue[] }> {
  const checks: PathCheck[] = [];
  const issues: DataIssue[] = [];
  for (const p of paths) {
    const path = resolve(cwd, p);
    const display = relative(cwd, path) || path;
    const info = await stat(path).catch(() => null);
    if (!info) {
      issues.push({ file: display, line: 0, pointer: '', message: 'no such file or directory' });
      continue;
    }
    const kind: FileKind = info.isDirectory() ? 'own-format-dir' : await sniff(path);
    try {
      let records = 0;
      let shown = kind;
      const custom = extra[kind];
      if (custom) records = await custom(path);
      else if (kind === 'own-format-dir') records = (await openOwnFormatDir(path, cwd)).ids.length;
      else if (kind === 'healthbench') {
        const ds = await openOfficialJsonl(path, { name: display, officialSha256: null, cwd });
        records = ds.ids.length;
        if (ds.layout === 'professional') shown = 'healthbench-professional';
      } else if (kind === 'conversations') records = (await loadOwnFormat([path], [], cwd)).counts.conversations;
      else if (kind === 'rubrics') records = (await loadOwnFormat([], [path], cwd)).counts.rubrics;
      else {
        issues.push({ file: display, line: 0, pointer: '', message: `no validator for ${kind} files in this build` });
        continue;
      }
      checks.push({ path: display, kind: shown, records });
    } catch (err) {
      if (err instanceof DataValidationError) issues.push(...err.issues);
      else throw err;
    }
  }
  return { checks, issues };
}

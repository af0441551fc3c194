import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../core/records.js';
import type { SavedReport } from '../core/report.js';
import type { SampleRecord } from '../core/types.js';
import type { Report } from '../report/types.js';
import type { SelectionFile } from '../runner/shard.js';
import { validateReportLabel, validateRunRecord, validateSavedReport, validateSelection, type ReportLabel } from '../schemas/saved.js';
import { checkSampleLine } from './record-checks.js';
import { readRunFile } from './run-file.js';
import { parseSavedJson } from './saved-json.js';

/** The fix for a saved file that healthbench did not write as it is. */
export const DAMAGED_RUN_FILE = 'it was changed outside healthbench; restore the file, or re-run into a new directory';

/**
 * Reads `samples.jsonl` of a run directory: one record per (example, repeat), the latest. A resumed run appends
 * a new record for a sample that had ended in an error, and only that one counts (as in report.json). A final
 * line cut short by a crash is dropped, not fatal.
 */
export async function readSamples(runDir: string): Promise<SampleRecord[]> {
  const path = join(runDir, 'samples.jsonl');
  if (!existsSync(path)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  const latest = new Map<string, SampleRecord>();
  for await (const s of iterateSamples(path)) latest.set(`${s.exampleId}\u0000${s.repeat}`, s);
  return [...latest.values()];
}

/**
 * Streams the sample records of a `samples.jsonl` file, skipping a torn last line; a damaged line before it is a
 * CorruptRunFileError naming the file, the line and `healthbench repair`.
 */
export async function* iterateSamples(path: string): AsyncGenerator<SampleRecord> {
  for await (const { value } of readRunFile<SampleRecord>(path, checkSampleLine)) yield value;
}

export async function readReport(path: string): Promise<Report> {
  return JSON.parse(await readFile(path, 'utf8')) as Report;
}

/** Reads a `run.json`, validated (an unreadable file rejects with the file system's error, e.g. ENOENT). */
export async function readRunRecord(path: string, damaged = DAMAGED_RUN_FILE): Promise<RunRecord> {
  return parseSavedJson(await readFile(path, 'utf8'), path, validateRunRecord, damaged);
}

/** Reads a run's `report.json`, validated against the report of its task. */
export async function readSavedReport(path: string): Promise<SavedReport> {
  return parseSavedJson(await readFile(path, 'utf8'), path, validateSavedReport, DAMAGED_RUN_FILE);
}

/** Reads a run's `selection.json` (the selected example ids in reference order), validated. */
export async function readSelection(path: string): Promise<SelectionFile> {
  return parseSavedJson(await readFile(path, 'utf8'), path, validateSelection, DAMAGED_RUN_FILE);
}

/** Reads the run id and grader of a report.json (validated), for commands that only label a run with them. */
export async function readReportLabel(path: string): Promise<ReportLabel> {
  return parseSavedJson(await readFile(path, 'utf8'), path, validateReportLabel, DAMAGED_RUN_FILE);
}

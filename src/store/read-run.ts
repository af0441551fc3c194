import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleRecord } from '../core/types.js';
import type { Report } from '../report/types.js';
import { checkSampleLine, readRunFile } from './run-file.js';

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

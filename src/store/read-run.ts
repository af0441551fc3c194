import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleRecord } from '../core/types.js';
import type { Report } from '../report/types.js';
import { readRawLines } from './jsonl.js';

/**
 * Reads `samples.jsonl` of a run directory: one record per (example, repeat), the latest. A resumed run appends
 * a new record for a sample that had ended in an error, and only that one counts (as in report.json). A final
 * line cut short by a crash is dropped, not fatal.
 */
export async function readSamples(runDir: string): Promise<SampleRecord[]> {
  const latest = new Map<string, SampleRecord>();
  for await (const s of iterateSamples(join(runDir, 'samples.jsonl'))) latest.set(`${s.exampleId}\u0000${s.repeat}`, s);
  return [...latest.values()];
}

/** Streams the sample records of a `samples.jsonl` file, skipping a torn last line. */
export async function* iterateSamples(path: string): AsyncGenerator<SampleRecord> {
  let pending: { line: number; text: string } | null = null;
  for await (const raw of readRawLines(path)) {
    if (pending) yield JSON.parse(pending.text) as SampleRecord;
    pending = raw;
  }
  if (pending) {
    try {
      yield JSON.parse(pending.text) as SampleRecord;
    } catch {
      // A crash mid-append leaves a torn final line; the sample is simply not finished.
    }
  }
}

export async function readReport(path: string): Promise<Report> {
  return JSON.parse(await readFile(path, 'utf8')) as Report;
}

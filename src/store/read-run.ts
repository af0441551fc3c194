import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleRecord } from '../core/types.js';
import type { Report } from '../report/types.js';
import { readRawLines } from './jsonl.js';

/** Reads `samples.jsonl` of a run directory. A final line cut short by a crash is dropped, not fatal. */
export async function readSamples(runDir: string): Promise<SampleRecord[]> {
  const out: SampleRecord[] = [];
  for await (const s of iterateSamples(join(runDir, 'samples.jsonl'))) out.push(s);
  return out;
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

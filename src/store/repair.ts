/**
 * `healthbench repair DIR`: drops the damaged lines of a run directory's append-only files, so that an
 * `eval --resume` can go on. A dropped sample line means that sample is redone; a dropped journal line means the
 * call it recorded is made again (a verdict keyed to another response is never reused anyway).
 */
import { closeSync, existsSync, openSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { writeAll } from './atomic.js';
import { fsError } from './fs-errors.js';
import { readRawLines } from './jsonl.js';
import { checkJournalLine, checkSampleLine } from './record-checks.js';
import { lineProblem, type RecordCheck } from './run-file.js';
import { RunStore } from './run-store.js';

/** One line taken out of a run file. */
export interface DroppedLine {
  file: string;
  line: number;
  problem: string;
  /** The sample it belonged to, when the damaged text still says. */
  exampleId: string | null;
  repeat: number | null;
}

export interface RepairResult {
  dir: string;
  dropped: DroppedLine[];
  /** Files checked. */
  files: string[];
}

const anyObject: RecordCheck = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? null : 'not a JSON object');

function checkFor(name: string): RecordCheck {
  if (name === 'samples.jsonl') return checkSampleLine;
  if (name === 'journal.jsonl') return checkJournalLine;
  return anyObject;
}

/** The sample a damaged line belonged to, read from its text when it still holds the key fields. */
function sampleOf(text: string): { exampleId: string | null; repeat: number | null } {
  const id = /"exampleId"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
  const repeat = /"repeat"\s*:\s*(\d+)/.exec(text)?.[1];
  let exampleId: string | null = null;
  if (id !== undefined) {
    try {
      exampleId = JSON.parse(`"${id}"`) as string;
    } catch {
      exampleId = id;
    }
  }
  return { exampleId, repeat: repeat === undefined ? null : Number(repeat) };
}

/** Rewrites one file without its damaged lines (streamed through a temporary sibling); returns what was dropped. */
async function repairFile(path: string, name: string): Promise<DroppedLine[]> {
  const check = checkFor(name);
  const dropped: DroppedLine[] = [];
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    for await (const { line, text } of readRawLines(path)) {
      const problem = lineProblem(text, check);
      if (problem === null) writeAll(fd, `${text}\n`, path);
      else dropped.push({ file: name, line, problem, ...sampleOf(text) });
    }
    closeSync(fd);
    fd = null;
    if (dropped.length > 0) renameSync(tmp, path);
    else unlinkSync(tmp);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    if (existsSync(tmp)) unlinkSync(tmp);
    throw fsError(err, path, 'repair', 'run');
  }
  return dropped;
}

/** Repairs a run directory in place; holds its lock meanwhile (refused while an eval works in it). */
export async function repairRun(dir: string): Promise<RepairResult> {
  if (!existsSync(join(dir, 'run.json')) && !existsSync(join(dir, 'samples.jsonl'))) {
    throw new UsageError(`${dir}: no run.json or samples.jsonl; is it a run directory written by \`healthbench eval\`?`);
  }
  const store = new RunStore(dir);
  await store.lock();
  try {
    const files = readdirSync(dir)
      .filter((n) => n.endsWith('.jsonl'))
      .sort();
    const dropped: DroppedLine[] = [];
    for (const name of files) dropped.push(...(await repairFile(join(dir, name), name)));
    await markUnfinished(store, dropped);
    return { dir, dropped, files };
  } finally {
    store.close();
  }
}

/** A completed run that lost sample lines is not complete any more: run.json says so until it is resumed. */
async function markUnfinished(store: RunStore, dropped: DroppedLine[]): Promise<void> {
  const lost = dropped.filter((d) => d.file === 'samples.jsonl').length;
  if (lost === 0) return;
  const run = (await store.readRunJson()) as Record<string, unknown> | null;
  if (!run || run['status'] !== 'completed') return;
  await store.writeRunJson({
    ...run,
    status: 'failed',
    updatedAt: new Date().toISOString(),
    error: `healthbench repair dropped ${lost} damaged line(s) of samples.jsonl; resume to redo those samples`,
  });
}

import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleRecord } from '../core/types.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
import { readRawLines } from './jsonl.js';

/** Partial progress of an unfinished sample, appended to `journal.jsonl` as each call completes. */
export type JournalEntry =
  | {
      t: 'completion';
      exampleId: string;
      repeat: number;
      response: string;
      usage: SampleRecord['usage']['candidate'];
    }
  | {
      t: 'verdict';
      exampleId: string;
      repeat: number;
      /** Index of the grader call within the sample (criterion index, or grader×criterion). */
      i: number;
      met: boolean;
      explanation: string;
      attempts: number;
      usage: SampleRecord['usage']['grader'];
    };

export const sampleKey = (exampleId: string, repeat: number): string => `${exampleId}\u0000${repeat}`;

/** What a previous, interrupted run left behind. */
export interface PriorProgress {
  /** Finished samples without error, by key: never requested again. */
  done: Map<string, SampleRecord>;
  /** Journal entries of samples that are not done. */
  completions: Map<string, Extract<JournalEntry, { t: 'completion' }>>;
  verdicts: Map<string, Map<number, Extract<JournalEntry, { t: 'verdict' }>>>;
  /** Lines dropped because a crash cut them short. */
  tornLines: number;
}

async function readJsonl<T>(path: string, onValue: (v: T) => void): Promise<number> {
  if (!existsSync(path)) return 0;
  let torn = 0;
  for await (const { text } of readRawLines(path)) {
    try {
      onValue(JSON.parse(text) as T);
    } catch {
      // Only a crash mid-append produces an unparsable line; the work it described is redone.
      torn += 1;
    }
  }
  return torn;
}

/** Truncates a file after its last newline: whatever follows it is a record cut short by a crash. */
function dropTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  // Scan backwards in chunks: records can be large, and reading a whole samples.jsonl of a long run is wasteful.
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) {
      if (start + nl + 1 < size) ftruncateSync(fd, start + nl + 1);
      return;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
}

/**
 * The run directory: `run.json` (replaced atomically), `samples.jsonl` (one line per finished sample,
 * appended synchronously so a SIGKILL loses at most the line being written), `journal.jsonl` (partial
 * progress for resume), and the reports.
 */
export class RunStore {
  readonly dir: string;
  #samplesFd: number | null = null;
  #journalFd: number | null = null;
  readonly #redact: (text: string) => string;

  constructor(dir: string, redact: (text: string) => string) {
    this.dir = dir;
    this.#redact = redact;
  }

  get runJsonPath(): string {
    return join(this.dir, 'run.json');
  }
  get samplesPath(): string {
    return join(this.dir, 'samples.jsonl');
  }
  get journalPath(): string {
    return join(this.dir, 'journal.jsonl');
  }

  async readRunJson(): Promise<unknown> {
    if (!existsSync(this.runJsonPath)) return null;
    return JSON.parse(await readFile(this.runJsonPath, 'utf8')) as unknown;
  }

  async loadProgress(): Promise<PriorProgress> {
    const done = new Map<string, SampleRecord>();
    let torn = await readJsonl<SampleRecord>(this.samplesPath, (s) => {
      const key = sampleKey(s.exampleId, s.repeat);
      if (s.error === null) done.set(key, s);
      else done.delete(key);
    });
    const completions: PriorProgress['completions'] = new Map();
    const verdicts: PriorProgress['verdicts'] = new Map();
    torn += await readJsonl<JournalEntry>(this.journalPath, (e) => {
      const key = sampleKey(e.exampleId, e.repeat);
      if (done.has(key)) return;
      if (e.t === 'completion') completions.set(key, e);
      else {
        let m = verdicts.get(key);
        if (!m) verdicts.set(key, (m = new Map<number, typeof e>()));
        m.set(e.i, e);
      }
    });
    return { done, completions, verdicts, tornLines: torn };
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.#samplesFd = openSync(this.samplesPath, 'a+');
    this.#journalFd = openSync(this.journalPath, 'a+');
    // loadProgress has already dropped a torn last line; cut it off the file too, so the next record does not
    // glue onto it and every later reader (report, gate, diff) sees only whole lines.
    dropTornTail(this.#samplesFd);
    dropTornTail(this.#journalFd);
  }

  appendSample(record: SampleRecord): void {
    if (this.#samplesFd === null) throw new Error('run store is not open');
    writeSync(this.#samplesFd, `${this.#redact(JSON.stringify(record))}\n`);
  }

  appendJournal(entry: JournalEntry): void {
    if (this.#journalFd === null) throw new Error('run store is not open');
    writeSync(this.#journalFd, `${this.#redact(JSON.stringify(entry))}\n`);
  }

  async writeRunJson(value: unknown): Promise<void> {
    await writeFileAtomic(this.runJsonPath, `${this.#redact(JSON.stringify(value, null, 2))}\n`);
  }

  writeRunJsonSync(value: unknown): void {
    writeFileAtomicSync(this.runJsonPath, `${this.#redact(JSON.stringify(value, null, 2))}\n`);
  }

  async writeText(name: string, content: string): Promise<void> {
    await writeFileAtomic(join(this.dir, name), this.#redact(content));
  }

  close(): void {
    for (const fd of [this.#samplesFd, this.#journalFd]) if (fd !== null) closeSync(fd);
    this.#samplesFd = null;
    this.#journalFd = null;
  }
}
